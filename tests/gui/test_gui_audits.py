"""Creating and opening audits from the window."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from auditapp.gui.dialogs.new_audit import NewAuditDialog
from auditapp.gui.dialogs.open_audit import OpenAuditDialog
from auditapp.gui.main_window import MainWindow
from auditapp.services import audits, members
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

pytestmark = pytest.mark.gui


def test_new_audit_dialog_creates_audit_and_first_member(
    qtbot: QtBot, gui_ws: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(gui_ws)
    assert window.stack.currentWidget() is window.empty
    qtbot.mouseClick(window.empty.create_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(NewAuditDialog)
    assert dialog is not None and dialog.isVisible()

    qtbot.keyClicks(dialog.name, "Checkout 2026")
    qtbot.keyClicks(dialog.entity, "Example Payments Ltd")
    qtbot.keyClicks(dialog.description, "The checkout service and its database")
    dialog.your_name.clear()
    qtbot.keyClicks(dialog.your_name, "Olga Officer")
    assert dialog.selected_role() is Role.OFFICER
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )

    found = audits.list_audits(gui_ws)
    assert [(a.name, a.entity, a.current) for a in found] == [
        ("Checkout 2026", "Example Payments Ltd", True)
    ]
    team = members.list_members(gui_ws, Caller(audit="Checkout 2026"))
    assert [(m.name, m.role) for m in team] == [("Olga Officer", Role.OFFICER)]
    assert window.stack.currentWidget() is window.splitter
    assert window.tree.rowCount() == 7
    assert window.windowTitle() == "auditapp — Checkout 2026[*]"
    assert window.member_picker.currentText() == "Olga Officer — officer"
    assert window.editor.key == window.tree.item_keys()[0]


def test_new_audit_dialog_keeps_open_on_a_taken_name(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, "Shop 2026")
    dialog = window.new_audit()
    qtbot.keyClicks(dialog.name, "Shop 2026")
    qtbot.keyClicks(dialog.your_name, "x")
    dialog.accept()
    assert dialog.isVisible()
    assert "already exists" in dialog.error.text()
    dialog.reject()


def test_open_audit_dialog_switches_audit(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    audits.create_audit(team, "Vault 2026")
    members.add_member(team, Caller(audit="Vault 2026"), "Vera", Role.AUDITOR)
    window = make_window(team, "Shop 2026")
    dialog = window.open_audit()
    assert isinstance(dialog, OpenAuditDialog)
    assert dialog.model.rowCount() == 2
    dialog.select("Vault 2026")
    dialog.accept()
    assert window.acting.audit == "Vault 2026"
    assert window.windowTitle().startswith("auditapp — Vault 2026")
    assert window.member_picker.currentText() == "Vera — auditor"
    assert audits.current_audit(team) is not None
    assert audits.current_audit(team).name == "Vault 2026"  # type: ignore[union-attr]


def test_an_unknown_member_falls_back_to_the_default_member(
    team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, "Shop 2026", "Nobody")
    box = window.findChild(QMessageBox, "errorMessage")
    assert box is not None
    assert "'Nobody' is not a member" in box.text()
    box.close()
    assert window.acting.member == "Olga Officer"
    assert window.member_picker.currentText() == "Olga Officer — officer"
    assert window.stack.currentWidget() is window.splitter
