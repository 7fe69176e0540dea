"""The Collect dialog: a compose file and images from the real engine collected to the end, a
long collect cancelled (nothing stored), and members who may not collect."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from auditapp.gui.dialogs.collect_dialog import CollectDialog
from auditapp.gui.dialogs.collect_stages import CANCELLED, DONE
from auditapp.gui.dialogs.job_dialog import FINISHED
from auditapp.gui.main_window import MainWindow
from auditapp.services import components, evidence, findings, inventory, journal
from auditapp.services.jobs import BACKGROUND_NICENESS
from auditapp.services.workspace import Caller, Workspace
from tests.catalog.layers import f
from tests.e2e.fixture_image import (
    ALPINE_DOCKERFILE,
    ALPINE_PACKAGES,
    build_image,
    write_alpine_rootfs,
)
from tests.evidence.oci import oci_files, write_tar
from tests.gui.conftest import AUDIT, AUDITOR, OFFICER

pytestmark = pytest.mark.gui

OLGA = Caller(member=OFFICER)


def open_dialog(window: MainWindow) -> CollectDialog:
    assert window.actions_.collect.isEnabled()
    window.actions_.collect.trigger()
    dialog = window.collect_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def follow_to_the_end(qtbot: QtBot, dialog: CollectDialog, timeout: int = 120_000) -> None:
    qtbot.mouseClick(dialog.collect_button, Qt.MouseButton.LeftButton)
    assert dialog.running
    qtbot.waitUntil(lambda: dialog.state == FINISHED, timeout=timeout)


def long_collect(tmp_path: Path, count: int) -> list[Path]:
    """`count` copies of one archive of 2,000 files (copies: a file named twice is read once),
    so the collect lasts."""
    files = [f("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n")]
    files += [f(f"srv/data/{n:05d}.txt", f"row {n}\n" * 20) for n in range(2000)]
    first = write_tar(oci_files([files], "gzip", tag="shop/batch:1.0"), tmp_path / "a000.tar")
    archives = [first]
    for n in range(1, count):
        shutil.copyfile(first, tmp_path / f"a{n:03d}.tar")
        archives.append(tmp_path / f"a{n:03d}.tar")
    return archives


def assert_not_blank(widget: Any, path: Path) -> None:
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, 400, 4)}
    assert len(colours) > 10


def test_collect_a_compose_file_chosen_in_the_file_dialog(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    compose = tmp_path / "compose.yaml"
    services = {
        "web": {"image": "shop/web:2.1", "ports": ["443:8443"]},
        "api": {"image": "shop/api:1.4", "environment": {"DB_PASSWORD": "planted-Pa55word-93"}},
    }
    compose.write_text(json.dumps({"services": services}))
    window = make_window(team, AUDIT, OFFICER)
    dialog = open_dialog(window)
    assert not dialog.collect_button.isEnabled()  # nothing chosen yet

    add = dialog.findChild(QPushButton, "addCompose")
    assert add.text() == "Add compose &file…"
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    chooser = dialog.sources.file_dialog
    assert isinstance(chooser, QFileDialog) and chooser.isVisible()
    chooser.setDirectory(str(tmp_path))
    chooser.selectFile(str(compose))
    chooser.accept()
    assert dialog.sources.compose.paths() == (compose,)
    assert dialog.collect_button.isEnabled()

    follow_to_the_end(qtbot, dialog)
    assert dialog.outcome == "Collected and stored"
    text = dialog.summary.toPlainText()
    assert "Compose services: 2" in text
    assert "Secrets found: 1" in text
    assert "Components: api, web" in text
    assert [s.state for s in dialog.stages.stages()] == [DONE] * len(dialog.stages.stages())
    assert [s.label for s in dialog.stages.stages()][-1] == "Storing"

    assert [c.name for c in components.list_components(team, OLGA)] == ["api", "web"]
    assert [e.kind for e in evidence.list_evidence(team, OLGA)] == ["compose"]
    secret = findings.list_findings(team, OLGA, rule="image.secret-in-configuration")
    assert len(secret) == 1 and "api" in secret[0].location, secret
    assert "planted-Pa55word-93" not in repr(secret)
    assert_not_blank(dialog, tmp_path / "collect-compose.png")

    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.collect_dialog is None)


@pytest.fixture(scope="module")
def engine_image(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Alpine-shaped image built FROM scratch on the real engine, removed afterwards."""
    tag = f"auditapp-gui-{uuid.uuid4().hex[:8]}/edge-proxy:3.19"
    context = tmp_path_factory.mktemp("gui-engine")
    write_alpine_rootfs(context / "rootfs")
    build_image(docker_client, context, ALPINE_DOCKERFILE, tag)
    yield tag
    docker_client.images.remove(tag, force=True)


@pytest.mark.docker
def test_collect_an_image_from_the_real_engine(
    qtbot: QtBot,
    team: Workspace,
    make_window: Callable[..., MainWindow],
    engine_image: str,
    tmp_path: Path,
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    dialog = open_dialog(window)
    assert dialog.sources.docker_host.text() == os.environ.get("DOCKER_HOST", "")
    qtbot.keyClicks(dialog.sources.images, engine_image)
    assert dialog.sources.request().images == (engine_image,)

    follow_to_the_end(qtbot, dialog)
    assert dialog.outcome == "Collected and stored", dialog.summary.toPlainText()
    labels = [s.label for s in dialog.stages.stages()]
    assert labels == [f"Exporting {engine_image}", f"Inventory of {engine_image}", "Storing"]
    text = dialog.summary.toPlainText()
    assert "Images: 1 " in text
    assert f"Packages: {len(ALPINE_PACKAGES)} (apk {len(ALPINE_PACKAGES)})" in text

    [image] = inventory.list_images(team, OLGA)
    assert image.tags == (engine_image,) and image.complete
    stored = {(p.ecosystem, p.name, p.version) for p in inventory.list_packages(team, OLGA)}
    assert stored == ALPINE_PACKAGES
    assert_not_blank(dialog, tmp_path / "collect-engine.png")


def test_cancel_a_long_collect_stores_nothing(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    """Hundreds of archives: the first inventory starts, Cancel is pressed, nothing is stored."""
    archives = long_collect(tmp_path, 300)
    window = make_window(team, AUDIT, OFFICER)
    before = len(journal.recent_entries(team, OLGA, limit=10_000))
    dialog = open_dialog(window)
    dialog.sources.archives.add([str(p) for p in archives])

    qtbot.mouseClick(dialog.collect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.label.startswith("Inventory") for s in dialog.stages.stages()))
    assert dialog.close_button.text() == "Cancel"
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.state == FINISHED, timeout=60_000)

    assert dialog.outcome == "Cancelled: nothing was stored"
    assert dialog.stages.stages()[-1].state == CANCELLED
    assert dialog.last_summary is None
    assert dialog.isVisible()  # the person reads what happened, then closes
    assert inventory.list_images(team, OLGA) == []
    assert evidence.list_evidence(team, OLGA) == []
    assert components.list_components(team, OLGA) == []
    assert len(journal.recent_entries(team, OLGA, limit=10_000)) == before
    assert_not_blank(dialog, tmp_path / "collect-cancelled.png")


def test_auditors_may_not_collect(team: Workspace, make_window: Callable[..., MainWindow]) -> None:
    window = make_window(team, AUDIT, AUDITOR)
    action = window.actions_.collect
    assert not action.isEnabled()
    assert action.toolTip() == (
        "An auditor may not attach or unlink evidence; only developers or officers may"
    )
    window.acting.act_as(OFFICER)
    assert action.isEnabled()
    assert action.toolTip().startswith("Collect evidence from Docker")


def test_a_collect_runs_in_its_own_process_and_its_death_is_reported(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    """The window's process never runs the collect; a child that dies (killed, out of memory)
    is one clear failure, and nothing is stored."""
    import signal

    archives = long_collect(tmp_path, 200)
    window = make_window(team, AUDIT, OFFICER)
    dialog = open_dialog(window)
    dialog.sources.archives.add([str(p) for p in archives])

    qtbot.mouseClick(dialog.collect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.label.startswith("Inventory") for s in dialog.stages.stages()))
    child = dialog.runner.pid
    assert child is not None and child != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, child) >= BACKGROUND_NICENESS  # the window first
    os.kill(child, signal.SIGKILL)
    qtbot.waitUntil(lambda: dialog.state == FINISHED, timeout=30_000)

    assert dialog.outcome == "The collect failed: nothing was stored"
    assert "stopped unexpectedly (its process ended with exit code -9)" in (
        dialog.summary.toPlainText()
    )
    assert not dialog.runner.busy and dialog.runner.pid is None
    assert inventory.list_images(team, OLGA) == []
    assert evidence.list_evidence(team, OLGA) == []


def test_closing_the_window_during_a_collect_cancels_it_and_stores_nothing(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    archives = long_collect(tmp_path, 300)
    window = make_window(team, AUDIT, OFFICER)
    before = len(journal.recent_entries(team, OLGA, limit=10_000))
    dialog = open_dialog(window)
    dialog.sources.archives.add([str(p) for p in archives])
    qtbot.mouseClick(dialog.collect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(s.label.startswith("Inventory") for s in dialog.stages.stages()))

    assert window.close()

    assert not dialog.runner.busy
    assert dialog.outcome == "Cancelled: nothing was stored"
    assert inventory.list_images(team, OLGA) == []
    assert evidence.list_evidence(team, OLGA) == []
    assert len(journal.recent_entries(team, OLGA, limit=10_000)) == before
