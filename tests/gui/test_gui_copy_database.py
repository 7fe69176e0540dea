"""The Copy database dialog: a real copy, in a process of its own, of a real SQLite workspace
into a new SQLite file and into a real PostgreSQL database, checked and shown; refused into a
database that holds data; cancelled with nothing copied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QToolBar, QToolButton
from pytestqt.qtbot import QtBot

from auditapp.gui.dialogs.copy_database import CopyDatabaseDialog, settings_url
from auditapp.gui.dialogs.job_dialog import FINISHED
from auditapp.gui.main_window import MainWindow
from auditapp.gui.settings import DATABASE_URL
from auditapp.services import audits, items
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import item_keys
from tests.gui.conftest import AUDIT, OFFICER


def open_dialog(qtbot: QtBot, ws: Workspace) -> CopyDatabaseDialog:
    dialog = CopyDatabaseDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def copy_to(qtbot: QtBot, dialog: CopyDatabaseDialog, target: str) -> None:
    dialog.target.setText(target)
    assert dialog.copy_button.isEnabled()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert dialog.running and not dialog.copy_button.isEnabled()
    assert dialog.close_button.text() == "Cancel"
    qtbot.waitUntil(lambda: dialog.state == FINISHED, timeout=60_000)


def audits_in(url: str) -> list[str]:
    ws = Workspace.open(url)
    try:
        return [audit.name for audit in audits.list_audits(ws)]
    finally:
        ws.close()


def answered(team: Workspace) -> str:
    key = item_keys()[0]
    items.update_item(team, Caller(AUDIT, OFFICER), key, items.ItemEdit(rationale="copied with it"))
    return key


def test_copy_into_a_new_sqlite_file_is_checked_and_can_be_used(
    qtbot: QtBot, team: Workspace, tmp_path: Path
) -> None:
    key = answered(team)
    dialog = open_dialog(qtbot, team)
    assert not dialog.copy_button.isEnabled()  # nothing to copy into yet
    assert not dialog.use_button.isVisible()
    target = tmp_path / "copies" / "team.sqlite3"
    target.parent.mkdir()

    copy_to(qtbot, dialog, str(target))

    report = dialog.report
    assert report is not None and report.verified, dialog.details.toPlainText()
    assert dialog.outcome.startswith("Copied and verified")
    text = dialog.details.toPlainText()
    assert "Verified:" in text and f"Journal of {AUDIT!r}" in text and "intact" in text
    assert "checklist_response" in text  # the table of rows, source and target
    assert dialog.runner.pid is None  # the copy ran in a process that is gone now
    assert audits_in(str(target)) == [AUDIT]
    copied = Workspace.open(str(target))
    try:
        item = items.get_item(copied, Caller(AUDIT, OFFICER), key)
        assert item.rationale == "copied with it"
    finally:
        copied.close()

    chosen: list[str] = []
    dialog.use_copy.connect(chosen.append)
    assert dialog.use_button.isVisible() and dialog.use_button.isEnabled()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert chosen == [str(target)]
    assert not dialog.use_button.isEnabled()
    assert "next start" in dialog.status.text()


@pytest.mark.postgres
def test_copy_into_postgresql(qtbot: QtBot, team: Workspace, pg_url: str) -> None:
    dialog = open_dialog(qtbot, team)
    copy_to(qtbot, dialog, pg_url)
    assert dialog.report is not None and dialog.report.verified, dialog.details.toPlainText()
    assert audits_in(pg_url) == [AUDIT]
    assert "postgresql" in dialog.details.toPlainText()


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(
    qtbot: QtBot, team: Workspace, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite3"
    ws = Workspace.open(str(other))
    audits.create_audit(ws, "Someone else's audit")
    ws.close()
    dialog = open_dialog(qtbot, team)

    copy_to(qtbot, dialog, str(other))

    assert dialog.report is None
    assert dialog.outcome == "The copy failed: nothing was copied"
    assert "not empty" in dialog.details.toPlainText()
    assert "\n\nsqlite:///" in dialog.details.toPlainText()  # a URL keeps its small letter
    assert dialog.bar.format() == "Failed"
    assert not dialog.use_button.isVisible()
    assert dialog.copy_button.isEnabled()  # another target may be tried
    assert audits_in(str(other)) == ["Someone else's audit"]


def test_the_same_database_is_refused(qtbot: QtBot, team: Workspace) -> None:
    dialog = open_dialog(qtbot, team)
    copy_to(qtbot, dialog, str(team.db.sqlite_path))
    assert "the same database" in dialog.details.toPlainText()
    assert audits_in(str(team.db.sqlite_path)) == [AUDIT]


def test_cancel_copies_nothing(qtbot: QtBot, team: Workspace, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, team)
    target = tmp_path / "cancelled.sqlite3"
    dialog.target.setText(str(target))
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc while it runs cancels, keeps the dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.state == FINISHED, timeout=60_000)
    assert dialog.outcome == "Cancelled: nothing was copied"
    assert dialog.isVisible() and dialog.close_button.text() == "Close"
    assert not target.exists() or audits_in(str(target)) == []


def test_a_new_file_is_chosen_in_the_file_dialog(
    qtbot: QtBot, team: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def choose(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return str(tmp_path / "chosen.sqlite3"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    dialog = open_dialog(qtbot, team)
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    assert asked == [str(team.db.sqlite_path.with_name("audits-copy.sqlite3"))]
    assert dialog.target.text() == str(tmp_path / "chosen.sqlite3")
    assert dialog.copy_button.isEnabled()


def test_the_window_opens_it_and_uses_the_copy_from_the_next_start(
    qtbot: QtBot,
    team: Workspace,
    make_window: Callable[..., MainWindow],
    tmp_path: Path,
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    settings = window.findChild(QToolBar, "mainToolbar").widgetForAction(window.actions_.settings)
    assert isinstance(settings, QToolButton) and settings.menu() is not None
    assert window.actions_.copy_database in settings.menu().actions()  # found from the toolbar
    assert window.actions_.copy_database.shortcut().toString() == "Ctrl+Shift+D"
    window.actions_.copy_database.trigger()
    dialog = window.copy_dialog
    assert dialog is not None and dialog.isVisible()
    window.actions_.copy_database.trigger()  # a second time: the same dialog, raised
    assert window.copy_dialog is dialog
    target = tmp_path / "next.sqlite3"
    copy_to(qtbot, dialog, str(target))
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert window.preferences.text(DATABASE_URL) == str(target)
    assert "next start" in window.status.last_message


def test_the_settings_get_an_absolute_path_and_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUDITAPP_DB", raising=False)
    assert settings_url("copy.sqlite3") == (str(tmp_path / "copy.sqlite3"), [])
    assert settings_url("sqlite:///copy.sqlite3")[0] == str(tmp_path / "copy.sqlite3")
    stored, notes = settings_url("postgresql://audit:s3cret@db.example.com/audits")
    assert stored == "postgresql+psycopg://audit@db.example.com/audits"
    assert "s3cret" not in stored and "pgpass" in notes[0]
    monkeypatch.setenv("AUDITAPP_DB", "/elsewhere.sqlite3")
    assert "AUDITAPP_DB is set" in settings_url("copy.sqlite3")[1][0]


def test_a_copy_whose_process_cannot_start_fails_and_the_dialog_still_closes(
    qtbot: QtBot, team: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(qtbot, team)

    def no_process(*_args: object, **_kwargs: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(dialog.runner, "start", no_process)
    dialog.target.setText(str(tmp_path / "never.sqlite3"))
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert dialog.state == FINISHED and not dialog.running
    assert dialog.outcome == "The copy failed: nothing was copied"
    assert "Resource temporarily unavailable" in dialog.details.toPlainText()
    dialog.close()
    assert not dialog.isVisible()
