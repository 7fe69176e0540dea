"""Creating and opening audits from the window."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWizard
from pytestqt.qtbot import QtBot

from auditapp.gui.dialogs.new_audit_wizard import CDE_HEADING, NewAuditWizard
from auditapp.gui.dialogs.open_audit import OpenAuditDialog
from auditapp.gui.main_window import MainWindow
from auditapp.services import audits, members
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

pytestmark = pytest.mark.gui


def test_new_audit_wizard_creates_audit_and_team(
    qtbot: QtBot, gui_ws: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(gui_ws)
    assert window.stack.currentWidget() is window.start_page
    qtbot.mouseClick(window.start_page.new_button, Qt.MouseButton.LeftButton)
    wizard = window.findChild(NewAuditWizard)
    assert wizard is not None and wizard.isVisible()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # an audit needs a name

    qtbot.keyClicks(wizard.audit_page.name, "Checkout 2026")
    qtbot.keyClicks(wizard.audit_page.entity, "Example Payments Ltd")
    qtbot.keyClicks(wizard.audit_page.scope, "The checkout service and its database")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.environment_page
    qtbot.keyClicks(wizard.environment_page.cde, "The payments API stores card data")
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    team_page = wizard.team_page
    assert wizard.currentPage() is team_page
    team_page.your_name.clear()
    qtbot.keyClicks(team_page.your_name, "Olga Officer")
    qtbot.keyClicks(team_page.other_name, "Dev Developer")
    qtbot.mouseClick(team_page.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(team_page.other_name, "Aud Auditor")
    team_page.other_role.setCurrentIndex(team_page.other_role.findText("Auditor"))
    qtbot.keyClick(team_page.other_name, Qt.Key.Key_Return)
    assert team_page.team.rowCount() == 2
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.acting.audit == "Checkout 2026")

    found = audits.list_audits(gui_ws)
    assert [(a.name, a.entity, a.current) for a in found] == [
        ("Checkout 2026", "Example Payments Ltd", True)
    ]
    assert found[0].description == (
        f"The checkout service and its database\n\n{CDE_HEADING} The payments API stores card data"
    )
    team = members.list_members(gui_ws, Caller(audit="Checkout 2026"))
    assert [(m.name, m.role) for m in team] == [
        ("Olga Officer", Role.OFFICER),
        ("Dev Developer", Role.DEVELOPER),
        ("Aud Auditor", Role.AUDITOR),
    ]
    assert window.stack.currentWidget() is window.work
    assert window.tree.rowCount() == 7
    assert window.windowTitle() == "auditapp — Checkout 2026[*]"
    assert window.member_picker.currentText() == "Olga Officer — officer"
    assert window.editor.key == window.tree.item_keys()[0]


def test_new_audit_wizard_refuses_a_taken_name(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, "Shop 2026")
    wizard = window.new_audit()
    qtbot.waitUntil(lambda: not window.runner.busy)  # the names already taken are read
    qtbot.keyClicks(wizard.audit_page.name, "Shop 2026")
    wizard.next()
    assert wizard.currentPage() is wizard.audit_page
    assert "already exists" in wizard.audit_page.problem.text()
    wizard.reject()


def test_new_audit_wizard_stays_open_when_the_service_refuses(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    """Taken after the wizard read the names (another member, the CLI): nothing is stored."""
    window = make_window(team, "Shop 2026")
    wizard = window.new_audit()
    qtbot.waitUntil(lambda: not window.runner.busy)
    qtbot.keyClicks(wizard.audit_page.name, "Vault 2026")
    wizard.next()
    wizard.next()
    audits.create_audit(team, "Vault 2026")
    wizard.accept()
    qtbot.waitUntil(lambda: not wizard.creating)
    assert wizard.isVisible()
    assert "already exists" in wizard.team_page.problem.text()
    assert wizard.created is None
    assert window.acting.audit == "Shop 2026"
    wizard.reject()


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
    assert window.stack.currentWidget() is window.work
