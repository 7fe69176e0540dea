"""Threat model view: actors picked from the catalogue, edited and removed; threats decided in
the detail pane; a threat of the team's own; filters; read-only auditors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.threats import ThreatsView
from auditapp.services import threat_actors, threats
from auditapp.services.workspace import Workspace
from tests.gui.conftest import AUDIT, AUDITOR, OFFICER
from tests.gui.test_gui_flows import DEV, assert_not_blank, collect_shop, open_view

pytestmark = pytest.mark.gui

REFUSED = "An auditor may not edit the threat model; only developers or officers may"


@pytest.fixture
def shop(team: Workspace, tmp_path: Path) -> Workspace:
    collect_shop(team, tmp_path)
    threat_actors.add_actor(team, DEV, "organised-crime")
    return team


@pytest.fixture
def view(qtbot: QtBot, shop: Workspace, make_window: Callable[..., MainWindow]) -> ThreatsView:
    window = make_window(shop, AUDIT, OFFICER)
    found = open_view(qtbot, window, "threats")
    assert isinstance(found, ThreatsView)
    return found


def settle(qtbot: QtBot, view: ThreatsView) -> None:
    qtbot.waitUntil(lambda: not view.runner.busy)


def test_pick_edit_and_remove_an_actor(
    qtbot: QtBot, view: ThreatsView, shop: Workspace, tmp_path: Path
) -> None:
    panel = view.actors
    assert [a.kind for a in panel.model.rows()] == ["organised-crime"]
    qtbot.mouseClick(panel.findChild(QToolButton, "actor-add-actor"), Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.picker.findData("organised-crime") == -1  # already in the threat model
    dialog.picker.setCurrentIndex(dialog.picker.findData("hacktivist"))
    assert dialog.name.text() == "Hacktivist"
    dialog.sophistication.setCurrentText("advanced")
    assert_not_blank(dialog, tmp_path / "actor-dialog.png")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    hacktivist = next(a for a in threat_actors.list_actors(shop, DEV) if a.kind == "hacktivist")
    assert hacktivist.sophistication == "advanced" and hacktivist.from_catalogue
    assert "hacktivist" in [a.kind for a in panel.model.rows()]

    panel.table.selectRow([a.kind for a in panel.model.rows()].index("hacktivist"))
    dialog = panel.edit_actor()
    assert dialog is not None and not dialog.picker.isEnabled()
    dialog.resources.setCurrentText("team")
    dialog.description.setPlainText("Targets our brand.")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    hacktivist = next(a for a in threat_actors.list_actors(shop, DEV) if a.kind == "hacktivist")
    assert (hacktivist.resources, hacktivist.description) == ("team", "Targets our brand.")
    assert hacktivist.sophistication == "advanced"

    panel.table.selectRow([a.kind for a in panel.model.rows()].index("hacktivist"))
    panel.remove_actor()
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.model.rows()) == 1)
    assert [a.kind for a in threat_actors.list_actors(shop, DEV)] == ["organised-crime"]


def test_an_actor_of_our_own_needs_a_valid_kind(qtbot: QtBot, view: ThreatsView) -> None:
    dialog = view.actors.add_actor()
    assert dialog is not None
    dialog.picker.setCurrentIndex(dialog.picker.count() - 1)  # "An actor of your own…"
    qtbot.keyClicks(dialog.kind, "Rogue Contractor")
    qtbot.keyClicks(dialog.name, "Rogue contractor")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert "must be lower case letters, digits and hyphens" in dialog.error.text()
    dialog.kind.setText("rogue-contractor")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    own = next(a for a in view.actors.model.rows() if a.kind == "rogue-contractor")
    assert own.name == "Rogue contractor" and not own.from_catalogue


def test_decide_a_threat_in_the_detail_pane(
    qtbot: QtBot, view: ThreatsView, shop: Workspace, tmp_path: Path
) -> None:
    first = threats.list_threats(shop, DEV)[0]
    assert view.choose(first.id)
    pane = view.detail
    assert pane.threat is not None and pane.threat.id == first.id
    pane.status.setCurrentText("mitigated")
    pane.impact.setCurrentText("high")
    pane.mitigation.setPlainText("Read-only root filesystem and image signing")
    row = [pane.actors.item(r).text() for r in range(pane.actors.rowCount())].index("hacktivist")
    pane.actors.item(row).setCheckState(Qt.CheckState.Checked)
    pane.items.clear()
    qtbot.keyClicks(pane.items, "network.port_inventory")
    assert_not_blank(view, tmp_path / "threats.png")
    qtbot.mouseClick(pane.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: threats.get_threat(shop, DEV, first.id).status == "mitigated")
    settle(qtbot, view)

    saved = threats.get_threat(shop, DEV, first.id)
    assert (saved.impact, saved.likelihood) == ("high", first.likelihood)
    assert saved.mitigation == "Read-only root filesystem and image signing"
    assert "hacktivist" in saved.actors and saved.items == ("network.port_inventory",)
    assert saved.updated_by == OFFICER
    assert pane.threat is not None and pane.threat.status == "mitigated"  # still chosen

    view.status.setCurrentIndex(view.status.findData("mitigated"))
    shown = [
        view.proxy.index(r, 0, view.proxy.index(e, 0))
        for e in range(view.proxy.rowCount())
        for r in range(view.proxy.rowCount(view.proxy.index(e, 0)))
    ]
    assert [str(i.data()).split()[0] for i in shown] == [f"#{first.id}"]


def test_add_a_threat_of_our_own(qtbot: QtBot, view: ThreatsView, shop: Workspace) -> None:
    view.setFocus()
    qtbot.keyClick(
        view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    dialog = view.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.element.setEditText("")
    qtbot.keyClicks(dialog.element.lineEdit(), "image registry")
    dialog.category.setCurrentIndex(dialog.category.findData("tampering"))
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert "the title cannot be empty" in dialog.error.text().lower()

    qtbot.keyClicks(dialog.title_edit, "Poisoned base image pushed to the registry")
    dialog.likelihood.setCurrentText("low")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    (own,) = [t for t in threats.list_threats(shop, DEV) if t.origin == "manual"]
    assert (own.element, own.category, own.likelihood) == ("image registry", "tampering", "low")
    assert view.detail.threat is not None and view.detail.threat.id == own.id


def test_auditors_read_only(
    qtbot: QtBot, shop: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(shop, AUDIT, AUDITOR)
    view = open_view(qtbot, window, "threats")
    assert isinstance(view, ThreatsView)
    assert view.model.elements() and view.actors.model.rows()
    view.actors.table.selectRow(0)
    for action in (view.actors.add, view.actors.edit, view.actors.remove, view.add_threat_action):
        assert not action.isEnabled()
        assert action.toolTip() == REFUSED
    assert view.choose(threats.list_threats(shop, DEV)[0].id)
    for editor in (view.detail.status, view.detail.save):
        assert not editor.isEnabled() and editor.toolTip() == REFUSED
    assert view.detail.mitigation.isReadOnly() and view.detail.items.isReadOnly()
    assert view.add_threat() is None and view.actors.add_actor() is None
