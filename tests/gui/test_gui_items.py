"""Answering items: Ctrl+S, saving on the way to another item, the navigator's progress."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status
from auditapp.gui.main_window import MainWindow
from auditapp.services import items
from auditapp.services.workspace import Caller

pytestmark = pytest.mark.gui

OFFICER = "Olga Officer"


def choose_status(window: MainWindow, status: Status | None) -> None:
    form = window.editor.form
    form.status.setCurrentIndex(form.status.model().row_of(status))  # type: ignore[attr-defined]


def test_officer_answers_item_with_ctrl_s(qtbot: QtBot, officer_window: MainWindow) -> None:
    window = officer_window
    key = window.editor.key
    assert key is not None and key == window.navigator.current_key()
    assert window.tree.section_progress(1).complete == 0
    form = window.editor.form

    choose_status(window, Status.NOT_APPLICABLE)
    qtbot.keyClicks(form.rationale, "No hardening standard applies: no containers run here.")
    assert window.isWindowModified()
    qtbot.keyClick(form.rationale, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    stored = items.get_item(window.ws, Caller(member=OFFICER), key)
    assert stored.status is Status.NOT_APPLICABLE
    assert stored.rationale == "No hardening standard applies: no containers run here."
    assert stored.version == 2
    assert stored.updated_by == OFFICER
    qtbot.waitUntil(lambda: window.tree.section_progress(1).complete == 1)  # re-read off-thread
    assert window.tree.section_progress(1).answered == 1
    index = window.tree.item_index(key, 1)
    assert index.data() == "Not Applicable"
    assert not window.isWindowModified()
    assert "1/74 complete" in window.status.progress.text()


def test_moving_to_next_item_saves_and_alt_up_goes_back(
    qtbot: QtBot, officer_window: MainWindow
) -> None:
    window = officer_window
    first, second = window.tree.item_keys()[:2]
    qtbot.keyClicks(window.editor.form.rationale, "Draft written before moving on")
    qtbot.keyClick(window.navigator, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.editor.key == second
    assert window.navigator.current_key() == second
    assert items.get_item(window.ws, Caller(), first).rationale == "Draft written before moving on"

    qtbot.keyClick(
        window.editor.form.rationale, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier
    )
    assert window.editor.key == first
    assert window.editor.form.rationale.toPlainText() == "Draft written before moving on"


def test_closing_the_window_saves(qtbot: QtBot, officer_window: MainWindow) -> None:
    window = officer_window
    key = window.editor.key
    assert key is not None
    choose_status(window, Status.IN_PLACE)
    window.close()
    assert items.get_item(window.ws, Caller(), key).status is Status.IN_PLACE
