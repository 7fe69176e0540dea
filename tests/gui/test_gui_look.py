"""The window renders: a screenshot with content, and a clear message for a bad database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status
from auditapp.gui.app import run_gui
from auditapp.gui.main_window import MainWindow
from auditapp.services import comments, evidence, items
from auditapp.services.items import ItemEdit
from auditapp.services.workspace import Caller

pytestmark = pytest.mark.gui


def distinct_colours(image: QImage, step: int = 4) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_screenshot_of_the_main_window(
    qtbot: QtBot, officer_window: MainWindow, tmp_path: Path
) -> None:
    window = officer_window
    key = window.tree.item_keys()[1]
    officer = Caller(member="Olga Officer")
    items.update_item(window.ws, officer, key, ItemEdit(status=Status.IN_PLACE, rationale="Seen"))
    attached = tmp_path / "inspect.json"
    attached.write_text("{}")
    evidence.attach_file(window.ws, officer, attached, item_key=key)
    comments.add_comment(window.ws, Caller(member="Aud Auditor"), key, "Looks right")
    window.reload_checklist()
    qtbot.waitUntil(lambda: not window.runner.busy)
    window.navigator.choose(key)

    path = tmp_path / "main.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 600
    assert distinct_colours(image) > 50


def test_an_unusable_database_is_one_sentence_and_exit_2(
    qapp: QWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_db = tmp_path / "notes.sqlite3"
    not_a_db.write_text("just some text, not a database\n")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    assert run_gui(str(not_a_db), audit=None, member=None) == 2
    assert len(shown) == 1
    assert "is not an SQLite database" in shown[0]
    assert "Traceback" not in shown[0]


def test_working_views_are_built_when_first_shown_then_kept(
    qtbot: QtBot, officer_window: MainWindow, tmp_path: Path
) -> None:
    from PySide6.QtCore import Qt

    from auditapp.gui.views import VIEWS

    window = officer_window
    assert window.work.built == {}  # opening the window builds none of them
    for number, entry in enumerate(VIEWS, start=1):
        qtbot.keyClick(window, Qt.Key.Key_0 + number, Qt.KeyboardModifier.ControlModifier)
        view = window.work.built[entry.key]
        assert window.work.pages.currentWidget() is view
        assert window.work.view_list.currentRow() == number - 1
        assert (view.key, view.title) == (entry.key, entry.title)
        qtbot.waitUntil(lambda: not window.runner.busy)
        path = tmp_path / f"{entry.key}.png"
        assert window.grab().save(str(path))
        assert distinct_colours(QImage(str(path))) > 30, f"{entry.title} looks blank"
    shown = dict(window.work.built)
    window.work.view_list.setCurrentRow(0)
    assert window.work.built == shown and window.work.pages.currentWidget() is shown[VIEWS[0].key]


def test_clicking_the_current_item_brings_back_the_editor(
    qtbot: QtBot, officer_window: MainWindow
) -> None:
    from PySide6.QtCore import Qt

    window = officer_window
    key = window.navigator.current_key()
    assert key is not None and window.work.pages.currentWidget() is window.editor
    window.show_view("findings")
    index = window.navigator.currentIndex()
    where = window.navigator.visualRect(index).center()
    qtbot.mouseClick(window.navigator.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert window.work.pages.currentWidget() is window.editor
    assert window.editor.key == key and window.work.view_list.currentRow() == -1
    window.show_view("threats")
    window.navigator.choose(key)  # the same, from code
    assert window.work.pages.currentWidget() is window.editor
