"""A save based on an outdated version becomes a conflict the person resolves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from auditapp.gui.dialogs.conflict import ConflictChoice, ConflictDialog
from auditapp.gui.main_window import MainWindow
from auditapp.services import items
from auditapp.services.items import ItemEdit
from auditapp.services.workspace import Caller

pytestmark = pytest.mark.gui

DEVELOPER = Caller(member="Dev Developer")


def change_behind_the_back(window: MainWindow, key: str) -> None:
    items.update_item(window.ws, DEVELOPER, key, ItemEdit(rationale="Theirs: written elsewhere"))


def test_keep_mine_saves_my_text_on_the_new_version(
    qtbot: QtBot, officer_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = officer_window
    editor = window.editor
    key = editor.key
    assert key is not None
    qtbot.keyClicks(editor.form.rationale, "Mine: typed in the window")
    change_behind_the_back(window, key)
    prompts: list[str] = []

    def answer(message: str) -> ConflictChoice:
        prompts.append(message)
        assert editor.form.rationale.toPlainText() == "Mine: typed in the window"
        return ConflictChoice.KEEP_MINE

    monkeypatch.setattr(editor, "ask_conflict", answer)
    assert editor.save()

    assert len(prompts) == 1
    assert "Dev Developer changed item" in prompts[0]
    stored = items.get_item(window.ws, Caller(), key)
    assert stored.rationale == "Mine: typed in the window"
    assert stored.version == 3
    assert editor.form.rationale.toPlainText() == "Mine: typed in the window"
    assert editor.view is not None and editor.view.version == 3


def test_take_theirs_in_the_real_dialog(qtbot: QtBot, officer_window: MainWindow) -> None:
    window = officer_window
    editor = window.editor
    key = editor.key
    assert key is not None
    qtbot.keyClicks(editor.form.rationale, "Mine")
    change_behind_the_back(window, key)
    seen: list[str] = []

    def click_take_theirs() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConflictDialog)
        seen.append(dialog.text())
        dialog.take_theirs.click()

    QTimer.singleShot(0, click_take_theirs)
    assert editor.save()

    assert seen and "Dev Developer" in seen[0]
    assert editor.form.rationale.toPlainText() == "Theirs: written elsewhere"
    assert not editor.is_dirty()
    assert items.get_item(window.ws, Caller(), key).version == 2


def test_decide_later_keeps_my_text_unsaved(
    officer_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = officer_window
    editor = window.editor
    key = editor.key
    assert key is not None
    editor.form.rationale.setPlainText("Mine, not saved yet")
    change_behind_the_back(window, key)
    monkeypatch.setattr(editor, "ask_conflict", lambda message: ConflictChoice.DECIDE_LATER)
    monkeypatch.setattr(editor, "confirm_discard", lambda: False)

    assert not editor.save()
    assert editor.form.rationale.toPlainText() == "Mine, not saved yet"
    assert editor.is_dirty()
    next_key = window.tree.item_keys()[1]
    window.navigator.choose(next_key)  # leaving is refused: the edit would be lost
    assert editor.key == key
    assert window.navigator.current_key() == key
    assert items.get_item(window.ws, Caller(), key).rationale == "Theirs: written elsewhere"
    monkeypatch.setattr(editor, "confirm_discard", lambda: True)  # let the window close
