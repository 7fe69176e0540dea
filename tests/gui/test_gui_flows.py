"""Network & flows view: declaring, editing and removing flows through the dialog, the drift
they clear, refusals shown in the dialog, and read-only auditors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.flows import FlowsView
from auditapp.gui.views.flows_models import Drift
from auditapp.services import analysis, components, flows
from auditapp.services.collect import collect
from auditapp.services.components import ComponentEdit
from auditapp.services.flows import FlowInput
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, AUDITOR, DEVELOPER, OFFICER

pytestmark = pytest.mark.gui

SHOP = """
services:
  proxy:
    image: nginx:1.27
    user: "101"
    ports: ["443:8443"]
    networks: [front]
  api:
    image: shop/api:1.4
    user: "10001"
    expose: ["8080"]
    networks: [front, back]
  db:
    image: postgres:16
    user: postgres
    expose: ["5432"]
    networks: [back]
  worker:
    image: shop/worker:1.4
    user: "10001"
    networks: [back]
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
networks:
  front: {}
  back:
    internal: true
"""
DEV = Caller(member=DEVELOPER)


def collect_shop(ws: Workspace, folder: Path) -> Workspace:
    """The shop collected from its compose file, described by a developer, and analysed."""
    path = folder / "compose.yaml"
    path.write_text(SHOP)
    collect(ws, DEV, CollectRequest(compose=(path,)))
    components.update_component(ws, DEV, "proxy", ComponentEdit(internet_facing=True))
    components.update_component(
        ws, DEV, "db", ComponentEdit(in_cde=True, data_classes=("cardholder-data",))
    )
    flows.add_flow(ws, DEV, FlowInput("api", "db", 5432, "postgres", ("cardholder-data",)))
    analysis.analyse(ws, DEV)
    return ws


def open_view(qtbot: QtBot, window: MainWindow, key: str) -> AuditView:
    view = window.show_view(key)
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: not window.runner.busy)
    return view


def assert_not_blank(widget: QWidget, path: Path) -> None:
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
    }
    assert image.width() > 300 and len(colours) > 20


@pytest.fixture
def shop(team: Workspace, tmp_path: Path) -> Workspace:
    return collect_shop(team, tmp_path)


@pytest.fixture
def view(qtbot: QtBot, shop: Workspace, make_window: Callable[..., MainWindow]) -> FlowsView:
    window = make_window(shop, AUDIT, OFFICER)
    found = open_view(qtbot, window, "flows")
    assert isinstance(found, FlowsView)
    return found


def drift_of(view: FlowsView) -> list[tuple[Drift, str]]:
    return [(d.kind, d.subject) for d in view.drift_model.rows()]


def test_declare_a_flow_in_the_dialog_clears_the_drift(
    qtbot: QtBot, view: FlowsView, shop: Workspace, tmp_path: Path
) -> None:
    assert (Drift.UNJUSTIFIED, "service proxy") in drift_of(view)
    assert view.model.rowCount() == 1
    assert_not_blank(view, tmp_path / "flows.png")

    qtbot.mouseClick(view.findChild(QWidget, "flow-add-flow"), Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.source.lineEdit(), "internet (zone)")
    qtbot.keyClicks(dialog.destination.lineEdit(), "proxy")
    dialog.port.selectAll()
    qtbot.keyClicks(dialog.port, "443")
    qtbot.mouseClick(dialog.classes["cardholder-data"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.encrypted, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.justification, "Customers' browsers")
    assert_not_blank(dialog, tmp_path / "flow-dialog.png")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)

    declared = flows.list_flows(shop, DEV)
    added = declared[-1]
    assert (added.source, added.destination, added.port, added.protocol) == (
        "zone:internet",
        "proxy",
        443,
        "https",
    )
    assert added.data_classes == ("cardholder-data",) and added.encrypted
    assert added.justification == "Customers' browsers"
    assert added.created_by == OFFICER
    # The published port is now declared: that drift is gone, and the flow is carried.
    assert (Drift.UNJUSTIFIED, "service proxy") not in drift_of(view)
    row = next(r for r in view.model.rows() if r.flow.id == added.id)
    assert row.carried is True


def test_a_refusal_is_shown_in_the_dialog_which_stays_open(
    qtbot: QtBot, view: FlowsView, shop: Workspace
) -> None:
    dialog = view.add_flow()
    assert dialog is not None
    qtbot.keyClicks(dialog.source.lineEdit(), "nowhere")
    qtbot.keyClicks(dialog.destination.lineEdit(), "db")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert "Unknown flow end 'nowhere'" in dialog.error.text()
    assert dialog.isVisible() and dialog.ok.isEnabled()
    assert len(flows.list_flows(shop, DEV)) == 1


def test_edit_is_remove_and_declare_again(qtbot: QtBot, view: FlowsView, shop: Workspace) -> None:
    (before,) = flows.list_flows(shop, DEV)
    view.table.selectRow(0)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    dialog = view.dialog
    assert dialog is not None and dialog.isVisible() and dialog.editing == before
    assert dialog.destination.currentText() == "db" and dialog.port.value() == 5432
    qtbot.mouseClick(dialog.authenticated, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.runner.busy)

    (after,) = flows.list_flows(shop, DEV)
    assert after.authenticated and not before.authenticated
    assert (before.created_by, after.created_by) == (DEVELOPER, OFFICER)
    assert (after.source, after.destination, after.port) == ("api", "db", 5432)


def test_remove_after_confirmation(qtbot: QtBot, view: FlowsView, shop: Workspace) -> None:
    view.table.selectRow(0)
    qtbot.mouseClick(view.findChild(QWidget, "flow-remove"), Qt.MouseButton.LeftButton)
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and "Remove flow" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert flows.list_flows(shop, DEV) == []
    assert "none yet" in view.flows_label.text()


def test_auditors_read_only(
    qtbot: QtBot, shop: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(shop, AUDIT, AUDITOR)
    view = open_view(qtbot, window, "flows")
    assert isinstance(view, FlowsView)
    assert view.model.rowCount() == 1 and view.exposure_model.rowCount() > 0
    view.table.selectRow(0)
    for action in (view.add_action, view.edit_action, view.remove_action):
        assert not action.isEnabled()
        assert action.toolTip() == (
            "An auditor may not declare data flows; only developers or officers may"
        )
    assert view.add_flow() is None


def test_a_refused_edit_keeps_the_flow(qtbot: QtBot, view: FlowsView, shop: Workspace) -> None:
    (before,) = flows.list_flows(shop, DEV)
    view.table.selectRow(0)
    dialog = view.edit_flow()
    assert dialog is not None
    dialog.destination.setEditText("")
    qtbot.keyClicks(dialog.destination.lineEdit(), "nowhere")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert "Unknown flow end 'nowhere'" in dialog.error.text()
    assert flows.list_flows(shop, DEV) == [before]
