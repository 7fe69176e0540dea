"""The Dependencies view over a real collect and real OSV records: the freshness banner and
its Import…, the quick filters, search, and VEX decisions by officers only."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.dependencies import DependenciesView
from auditapp.services import vex
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Caller, Workspace
from tests.catalog.layers import f
from tests.evidence.oci import oci_files, write_folder
from tests.gui.conftest import AUDIT, DEVELOPER, OFFICER
from tests.vulns.osv_records import record

pytestmark = pytest.mark.gui

OLGA = Caller(member=OFFICER)
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:L"  # 4.8
SITE = "usr/local/lib/python3.7/site-packages"


def _dist(name: str, version: str) -> f:  # type: ignore[valid-type]
    return f(
        f"{SITE}/{name}-{version}.dist-info/METADATA",
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    )


def collect_shop(ws: Workspace, tmp_path: Path) -> None:
    """Two images (api: Debian 9 with Python 3.7 packages; web: Alpine with npm) and the
    compose file that runs them as services api and web, in one real collect."""
    api = [
        f("etc/os-release", 'ID=debian\nVERSION_ID="9"\nPRETTY_NAME="Debian GNU/Linux 9"\n'),
        _dist("urllib3", "1.26.4"),
        _dist("requests", "2.25.0"),
        _dist("flask", "2.0.0"),
    ]
    web = [
        f("etc/os-release", "ID=alpine\nVERSION_ID=3.23.0\nPRETTY_NAME=Alpine 3.23\n"),
        f("app/node_modules/lodash/package.json", '{"name": "lodash", "version": "4.17.20"}'),
    ]
    api_layout = write_folder(oci_files([api], tag="shop/api:1.0"), tmp_path / "api")
    web_layout = write_folder(oci_files([web], tag="shop/web:2.0"), tmp_path / "web")
    compose = tmp_path / "compose.yaml"
    services = {"api": {"image": "shop/api:1.0"}, "web": {"image": "shop/web:2.0"}}
    compose.write_text(json.dumps({"services": services}))
    # compose first: images then belong to its services instead of becoming components
    collect(ws, OLGA, CollectRequest(compose=(compose,)))
    collect(ws, OLGA, CollectRequest(archives=(api_layout, web_layout)))


def osv_zip(tmp_path: Path) -> Path:
    """Three advisories, modified today: critical with a fix, high without one, medium npm."""
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [
        record(
            "GHSA-q2q7-5pp4-w6pg",
            "PyPI",
            "urllib3",
            [{"introduced": "0"}, {"fixed": "1.26.5"}],
            aliases=("CVE-2021-33503",),
            severity=[{"type": "CVSS_V3", "score": CRITICAL}],
            modified=today,
        ),
        record(
            "PYSEC-2099-1",
            "PyPI",
            "requests",
            [{"introduced": "0"}],
            severity=[{"type": "CVSS_V3", "score": HIGH}],
            modified=today,
        ),
        record(
            "GHSA-35jh-r3h4-6jhm",
            "npm",
            "lodash",
            [{"introduced": "0"}, {"fixed": "4.17.21"}],
            severity=[{"type": "CVSS_V3", "score": MEDIUM}],
            modified=today,
        ),
    ]
    path = tmp_path / "osv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for document in records:
            archive.writestr(f"{document['id']}.json", json.dumps(document))
    return path


def open_view(qtbot: QtBot, window: MainWindow) -> DependenciesView:
    view = window.show_view("dependencies")
    assert isinstance(view, DependenciesView)
    qtbot.waitUntil(lambda: view.data is not None and not window.runner.busy)
    return view


def reloaded(qtbot: QtBot, window: MainWindow, view: DependenciesView) -> None:
    previous = view.data
    qtbot.waitUntil(lambda: view.data is not previous and not window.runner.busy, timeout=30_000)


def shown(view: DependenciesView, proxy_name: str = "vuln_proxy", column: int = 2) -> list[str]:
    proxy = getattr(view, proxy_name)
    return [proxy.index(row, column).data() for row in range(proxy.rowCount())]


def choose(combo: object, text: str) -> None:
    index = combo.findText(text)  # type: ignore[attr-defined]
    assert index >= 0, text
    combo.setCurrentIndex(index)  # type: ignore[attr-defined]


def test_import_filter_and_search(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collect_shop(team, tmp_path)
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    assert view.banner.warning
    assert "Import vulnerability data: auditapp vulndb import" in view.banner.text.text()
    assert view.package_proxy.rowCount() == 4 and view.vuln_proxy.rowCount() == 0

    qtbot.mouseClick(view.banner.import_button, Qt.MouseButton.LeftButton)
    chooser = view.banner.file_dialog
    assert isinstance(chooser, QFileDialog) and chooser.isVisible()
    source = osv_zip(tmp_path)
    chooser.setDirectory(str(tmp_path))
    chooser.selectFile(str(source))
    chooser.accept()
    reloaded(qtbot, window, view)
    qtbot.waitUntil(lambda: not view.banner.running)
    assert not view.banner.warning, view.banner.text.text()
    assert view.banner.text.text() == "Vulnerability data: PyPI 2 (today) · npm 1 (today)"
    assert shown(view) == ["CVE-2021-33503", "PYSEC-2099-1", "GHSA-35jh-r3h4-6jhm"]
    assert view.tabs.tabText(0) == "Vulnerabilities (3)"

    choose(view.quick, "Critical with a fix")
    assert shown(view) == ["CVE-2021-33503"]
    assert shown(view, "package_proxy", 1) == ["urllib3"]
    choose(view.quick, "End of life")
    assert view.tabs.currentIndex() == 2
    eol = shown(view, "lifecycle_proxy", 1)
    assert "Debian GNU/Linux 9" in eol and "python 3.7" in eol
    assert shown(view) == ["CVE-2021-33503", "PYSEC-2099-1"]  # the api image is end of life
    choose(view.quick, "Everything")
    choose(view.ecosystem, "npm")
    assert shown(view) == ["GHSA-35jh-r3h4-6jhm"]
    choose(view.ecosystem, "All ecosystems")
    choose(view.component, "web")
    assert shown(view) == ["GHSA-35jh-r3h4-6jhm"]
    choose(view.component, "All components")
    view.tabs.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "33503")
    assert shown(view) == ["CVE-2021-33503"]
    view.search.clear()

    window.resize(1280, 820)
    path = tmp_path / "dependencies.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert len({image.pixel(x, y) for x in range(0, 1280, 4) for y in range(0, 820, 4)}) > 50


def test_officers_decide_developers_may_not(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    collect_shop(team, tmp_path)
    from auditapp.services import vulndb

    vulndb.import_paths(team, [osv_zip(tmp_path)])
    window = make_window(team, AUDIT, OFFICER)
    view = open_view(qtbot, window)
    assert not view.decide.isEnabled()  # nothing selected
    view.vuln_table.selectRow(0)
    assert view.decide.isEnabled()
    qtbot.mouseClick(view.decide, Qt.MouseButton.LeftButton)
    dialog = view.vex_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.vuln_id == "CVE-2021-33503"
    choose(dialog.status_box, "Not affected (say why)")
    assert not dialog.save_button.isEnabled()  # a justification is needed
    choose(dialog.justification_box, "The vulnerable code is never run")
    qtbot.keyClicks(dialog.detail_box, "We never parse URLs from users")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    reloaded(qtbot, window, view)

    [decided] = vex.list_dispositions(team, OLGA)
    assert (decided.purl, decided.vuln_id, decided.status.value) == (
        "pkg:pypi/urllib3@1.26.4",
        "CVE-2021-33503",
        "not_affected",
    )
    assert decided.justification is not None
    assert decided.justification.value == "vulnerable_code_not_in_execute_path"
    assert decided.detail == "We never parse URLs from users"
    assert view.vuln_proxy.index(0, 7).data() == "not affected"
    choose(view.quick, "Not decided yet")
    assert shown(view) == ["PYSEC-2099-1", "GHSA-35jh-r3h4-6jhm"]

    choose(view.quick, "Everything")
    view.vuln_table.selectRow(0)
    again = view.open_vex()
    assert again is not None and again.expected_version == 1
    assert again.detail() == "We never parse URLs from users"
    again.reject()

    picker = window.member_picker
    picker.setCurrentIndex(picker.findText(f"{DEVELOPER} — developer"))
    view.vuln_table.selectRow(0)
    assert not view.decide.isEnabled()
    assert view.decide.toolTip().startswith("A developer may not set")
    assert view.open_vex() is None
