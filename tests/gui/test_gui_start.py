"""The start page (recent audits, the demo audit built with progress and Cancel) and the links
from the Sign-off view to the item editor and the Findings view."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status, load_checklist
from auditapp.gui.main_window import MainWindow
from auditapp.gui.models.readiness_list import FINDING, NO_EVIDENCE
from auditapp.gui.models.recent_audits import PROGRESS
from auditapp.gui.views import VIEWS
from auditapp.gui.views.findings import FindingsView
from auditapp.gui.views.signoff import SignoffView
from auditapp.gui.widgets.start_page import StartPage
from auditapp.services import audits, evidence, findings, items, journal, signoff
from auditapp.services.collect import collect
from auditapp.services.demo import demo_folder
from auditapp.services.demo_script import load_script
from auditapp.services.gather import CollectRequest
from auditapp.services.items import ItemEdit
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, OFFICER

pytestmark = pytest.mark.gui


def distinct_colours(image: QImage, step: int = 4) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def loaded(qtbot: QtBot, page: StartPage, rows: int) -> None:
    qtbot.waitUntil(lambda: page.model.rowCount() == rows and not page.runner.busy)


def test_recent_audits_newest_first_with_progress_and_enter_opens_one(
    qtbot: QtBot, gui_ws: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(gui_ws)
    page = window.start_page
    assert window.stack.currentWidget() is page
    loaded(qtbot, page, 0)
    assert page.recent.currentWidget() is page.empty
    assert not page.open_button.isEnabled()

    audits.create_audit(gui_ws, "Shop 2026", entity="Shop Ltd", first_member=("Ann", Role.OFFICER))
    done = load_checklist().items()[0]  # Not Applicable needs a rationale, not evidence
    items.update_item(
        gui_ws,
        Caller("Shop 2026"),
        done.key,
        ItemEdit(status=Status.NOT_APPLICABLE, rationale="No"),
    )
    audits.create_audit(
        gui_ws, "Vault 2026", entity="Vault Ltd", first_member=("Vic", Role.OFFICER)
    )
    page.refresh()
    loaded(qtbot, page, 2)
    assert page.model.names() == ["Vault 2026", "Shop 2026"]
    total = len(load_checklist().items())
    progress = page.model.index(1, PROGRESS).data(Qt.ItemDataRole.UserRole + 2)
    assert progress == (1, total)
    assert page.recent.currentWidget() is page.table
    assert page.open_button.isEnabled()

    shot = tmp_path / "start.png"
    assert window.grab().save(str(shot))
    assert distinct_colours(QImage(str(shot))) > 20

    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert window.acting.audit == "Shop 2026"
    assert window.acting.member == "Ann"
    assert window.stack.currentWidget() is window.work


def test_cancelling_the_demo_stores_nothing(
    qtbot: QtBot, gui_ws: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(gui_ws)
    page = window.start_page
    loaded(qtbot, page, 0)
    release = threading.Event()
    # the window's worker runs one task at a time: hold it so Cancel lands before the build
    window.runner.start(
        "Holding", release.wait, on_success=lambda _r: None, on_failure=lambda _e: None
    )
    qtbot.mouseClick(page.demo_button, Qt.MouseButton.LeftButton)
    assert page.demo_strip.isVisible() and not page.demo_button.isEnabled()
    qtbot.mouseClick(page.demo_cancel, Qt.MouseButton.LeftButton)
    assert not page.demo_cancel.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: page.demo_progress is None, timeout=60_000)
    assert not page.demo_strip.isVisible() and page.demo_button.isEnabled()
    assert window.status.last_message.startswith("Cancelled")
    assert audits.list_audits(gui_ws) == []
    assert window.stack.currentWidget() is page


def test_the_demo_is_built_once_with_progress_then_opened(
    qtbot: QtBot, gui_ws: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    demo = load_script(demo_folder()).name
    window = make_window(gui_ws)
    page = window.start_page
    loaded(qtbot, page, 0)
    qtbot.mouseClick(page.demo_button, Qt.MouseButton.LeftButton)
    bridge = page.demo_progress
    assert bridge is not None
    stages: list[str] = []
    bridge.stage.connect(lambda label, _total: stages.append(label))
    shown_bar: list[bool] = []
    bridge.stage.connect(lambda *_: shown_bar.append(page.demo_bar.isVisible()))
    qtbot.waitUntil(lambda: window.acting.audit == demo, timeout=300_000)

    assert "building the demo images" in stages and "sign off" in stages
    assert all(shown_bar)
    assert not page.demo_strip.isVisible()
    assert window.stack.currentWidget() is window.work
    officer = Caller(demo)
    assert len(signoff.list_signoffs(gui_ws, officer)) >= 2
    assert evidence.list_evidence(gui_ws, officer)
    entries = journal.verify_journal(gui_ws, officer).entries
    shot = tmp_path / "demo.png"
    assert window.grab().save(str(shot))
    assert distinct_colours(QImage(str(shot))) > 50

    page.open_demo()  # here already: opened, not built again
    second = page.demo_progress
    assert second is not None
    again: list[str] = []
    second.stage.connect(lambda label, _total: again.append(label))
    qtbot.waitUntil(lambda: page.demo_progress is None, timeout=60_000)
    assert "building the demo images" not in again
    assert journal.verify_journal(gui_ws, officer).entries == entries
    assert [a.name for a in audits.list_audits(gui_ws)] == [demo]


def test_signoff_entries_open_the_item_and_the_finding(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    officer = Caller(member=OFFICER)
    wanted = next(i for i in load_checklist().items() if i.expects_evidence)
    items.update_item(team, officer, wanted.key, ItemEdit(status=Status.IN_PLACE, rationale="Ok"))
    compose = tmp_path / "compose.yaml"
    env = {"DB_PASSWORD": "planted-Pa55word-11"}
    compose.write_text(json.dumps({"services": {"api": {"image": "a:1", "environment": env}}}))
    collect(team, officer, CollectRequest(compose=(compose,)))  # a high finding: a secret
    [secret] = findings.list_findings(team, officer, status="open")

    window = make_window(team, AUDIT, OFFICER)
    view = window.show_view("signoff")
    assert isinstance(view, SignoffView)
    qtbot.waitUntil(lambda: view.data is not None and not window.runner.busy)

    def open_entry(kind: str) -> None:
        row = next(n for n, e in enumerate(view.readiness.entries()) if e.kind == kind)
        index = view.readiness.index(row)
        view.list.scrollTo(index)
        where = view.list.visualRect(index).center()
        qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
        qtbot.mouseDClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)

    open_entry(NO_EVIDENCE)
    assert window.work.pages.currentWidget() is window.editor
    assert window.editor.key == wanted.key
    assert window.navigator.current_key() == wanted.key

    window.show_view("signoff")
    qtbot.waitUntil(lambda: not window.runner.busy)
    open_entry(FINDING)
    found = window.work.pages.currentWidget()
    assert isinstance(found, FindingsView)
    qtbot.waitUntil(lambda: [f.id for f in found.selected_findings()] == [secret.id])
    assert window.work.view_list.currentRow() == [e.key for e in VIEWS].index(found.key)
