"""Topology view: the diagram drawn from a collected compose file, the CDE boundary, the
blast radius of a clicked component with its paths, zoom keys, and the empty state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from auditapp.analysis.blast import blast_radius
from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.topology import TopologyView
from auditapp.gui.views.topology_layout import layout
from auditapp.gui.views.topology_model import topology
from auditapp.gui.views.topology_scene import DIMMED, TopologyScene
from auditapp.services import components
from auditapp.services.components import ComponentEdit
from auditapp.services.workspace import Workspace
from tests.analysis.three_tier import three_tier
from tests.gui.conftest import AUDIT, AUDITOR, OFFICER
from tests.gui.test_gui_flows import DEV, assert_not_blank, collect_shop, open_view
from tests.report.test_diagrams import on_the_engine

pytestmark = pytest.mark.gui


@pytest.fixture
def shop(team: Workspace, tmp_path: Path) -> Workspace:
    collect_shop(team, tmp_path)
    # Declared but never collected: on no network, so nothing reaches it.
    components.add_component(team, DEV, "vault", ComponentEdit(in_cde=True, host="h2"))
    return team


@pytest.fixture
def view(qtbot: QtBot, shop: Workspace, make_window: Callable[..., MainWindow]) -> TopologyView:
    window = make_window(shop, AUDIT, OFFICER)
    found = open_view(qtbot, window, "topology")
    assert isinstance(found, TopologyView)
    return found


def click_node(qtbot: QtBot, view: TopologyView, name: str) -> None:
    item = view.scene.nodes[name]
    point = view.canvas.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_the_diagram_shows_the_deployment_and_the_cde(view: TopologyView, tmp_path: Path) -> None:
    assert view.pages.currentWidget() is view.splitter
    assert set(view.scene.nodes) == {
        "api",
        "db",
        "proxy",
        "worker",
        "vault",
        "network:front",
        "network:back",
        "zone:internet",
    }
    data = view.data
    assert data is not None
    # Hosts are bands; each CDE boundary encloses cardholder-data components only.
    assert set(data.layout.hosts) == {"", "h2"}
    for host, boundary in data.layout.cde.items():
        inside = [
            n.id
            for n in data.topology.components()
            if boundary.x <= data.layout.nodes[n.id].centre[0] <= boundary.right
            and boundary.y <= data.layout.nodes[n.id].centre[1] <= boundary.bottom
        ]
        assert inside == [n.id for n in data.topology.components() if n.cde and n.host == host]
    assert layout(data.topology) == data.layout  # the same deployment draws the same way
    assert "Virtualisation: unknown" in view.header.text()
    assert_not_blank(view, tmp_path / "topology.png")


def test_clicking_a_component_shows_its_blast_radius(
    qtbot: QtBot, view: TopologyView, tmp_path: Path
) -> None:
    view.canvas.fit_all()
    click_node(qtbot, view, "worker")
    qtbot.waitUntil(lambda: view.paths.head is not None)
    head = view.paths.head
    assert head is not None and head.component == "worker"
    assert view.start.currentText() == "worker"
    (target,) = head.targets
    assert (target.component, target.best.nodes) == ("db", ("worker", "db"))
    assert target.best.steps[0].via == "docker.sock"
    top = view.paths.item(0)
    assert top is not None and top.text().startswith("→ db: critical")
    assert view.scene.nodes["vault"].opacity() == DIMMED
    assert view.scene.nodes["api"].opacity() == 1.0
    assert_not_blank(view, tmp_path / "blast.png")

    # Choosing the path in the side panel draws it boldest.
    path_row = view.paths.index(0, 0, view.paths.index(0, 0))
    view.tree.setCurrentIndex(path_row)
    bold = [i for i in view.scene.items() if i.zValue() == 21.0]
    assert bold and all("docker.sock" in i.toolTip() for i in bold)

    view.start.setCurrentIndex(0)  # "(none: show everything)"
    assert view.paths.head is None
    assert view.scene.nodes["vault"].opacity() == 1.0


def test_zoom_keys(qtbot: QtBot, view: TopologyView) -> None:
    view.canvas.setFocus()
    before = view.canvas.scale_factor
    qtbot.keyClick(view.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.canvas.scale_factor == pytest.approx(before * 1.2)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.canvas.scale_factor == pytest.approx(before / 1.2)
    qtbot.keyClick(view.canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.canvas.scale_factor == pytest.approx(before)


def test_nothing_collected_is_an_empty_state(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, AUDIT, AUDITOR)
    view = open_view(qtbot, window, "topology")
    assert isinstance(view, TopologyView)
    assert view.pages.currentWidget() is view.empty
    assert "Nothing collected yet" in view.empty.text()
    assert "not collected" in view.header.text()


def test_redrawing_with_a_component_selected_keeps_its_blast_radius(
    qtbot: QtBot, view: TopologyView
) -> None:
    """The scene is rebuilt on every refresh (after an analysis, a collect): the selected node
    goes with it, and the view picks the same component again instead of touching the old one."""
    view.canvas.fit_all()
    click_node(qtbot, view, "worker")
    qtbot.waitUntil(lambda: view.paths.head is not None)
    view.refresh()
    qtbot.waitUntil(lambda: not view.runner.busy)
    qtbot.waitUntil(lambda: view.paths.head is not None)
    assert view.start.currentText() == "worker"
    assert view.scene.nodes["worker"].isSelected()
    assert view.scene.nodes["vault"].opacity() == DIMMED


def test_engine_containers_are_banded_on_the_engines_host_and_blast_steps_reach_it() -> None:
    """The diagram places components as the blast radius does: containers collected from an
    engine, with no host recorded, on that engine's host; a step through the host is drawn."""
    d = on_the_engine(three_tier(), "pay-host-1")
    shown = topology(d)
    assert {n.id: n.host for n in shown.components()} == dict.fromkeys(
        ("api", "db", "proxy", "worker"), "pay-host-1"
    )
    db = shown.node("db")
    assert db is not None and "the engine its containers were collected from" in db.detail
    placed = layout(shown)
    assert set(placed.hosts) == {"pay-host-1"}
    [head] = blast_radius(d, "worker").beachheads
    assert [h.node for h in head.hosts] == ["host:pay-host-1"]  # docker.sock: the host is his
    scene = TopologyScene()
    scene.show_topology(shown, placed)
    assert scene._rect_of("host:pay-host-1") is not None  # so a step to it is drawn
