"""Topology: zones, hosts, networks and components drawn from the collected deployment, with
the cardholder-data boundary; choosing a component shows its blast radius (what it reaches and
its paths to cardholder data). The Docker host's facts and virtualisation verdict head it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from html import escape

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.blast import BlastRadius
from auditapp.analysis.host_facts import HostFacts, host_facts
from auditapp.gui.acting import ActingAs
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.topology_canvas import TopologyCanvas
from auditapp.gui.views.topology_layout import Layout, layout
from auditapp.gui.views.topology_model import Topology, topology
from auditapp.gui.views.topology_paths import PATH_ROLE, BlastPathsModel
from auditapp.gui.views.topology_scene import TopologyScene
from auditapp.services import blast
from auditapp.services.deployment import load_deployment
from auditapp.services.workspace import Caller, Workspace

NOBODY = "(none: show everything)"
VERDICT_COLOURS = {
    "virtual-machine": "#2e7d32",
    "bare-metal": "#2e7d32",
    "container": "#a15c00",
    "unknown": "#a15c00",
}
EMPTY_TEXT = (
    "<h3>Nothing collected yet</h3><p>Collect the Docker engine, image archives or a compose "
    "file first (<code>auditapp collect</code>); the topology is drawn from what was "
    "collected and from the components and flows you declare.</p>"
)


@dataclass(frozen=True)
class TopologyData:
    topology: Topology
    layout: Layout
    facts: HostFacts


def read_topology(ws: Workspace, caller: Caller) -> TopologyData:
    deployment = load_deployment(ws, caller, with_vulns=False)
    t = topology(deployment)
    return TopologyData(t, layout(t), host_facts(deployment))


def facts_html(facts: HostFacts) -> str:
    """One line on the Docker host and one on whether it runs virtualised."""
    v = facts.virtualisation
    colour = VERDICT_COLOURS.get(v.verdict, "#a15c00")
    verdict = v.verdict.replace("-", " ") + (f" ({escape(v.technology)})" if v.technology else "")
    said = f"<b style='color:{colour}'>Virtualisation: {verdict}</b> — {escape(v.basis)}"
    if v.conflicts:
        said += f" <i>(but: {escape('; '.join(v.conflicts))})</i>"
    if not facts.known:
        return f"<b>Docker host:</b> not collected (no <code>docker info</code>)<br>{said}"
    parts = [
        facts.name,
        facts.operating_system,
        f"kernel {facts.kernel}" if facts.kernel else "",
        f"Docker {facts.docker_version}" if facts.docker_version else "",
        "Docker Desktop" if facts.docker_desktop else "",
        "rootless" if facts.rootless else "",
        "userns-remap" if facts.userns_remap else "",
        f"cgroup {facts.cgroup_version}" if facts.cgroup_version else "",
        f"sandboxed runtimes: {', '.join(facts.sandboxed_runtimes)}"
        if facts.sandboxed_runtimes
        else "",
    ]
    host = " · ".join(escape(p) for p in parts if p)
    return f"<b>Docker host:</b> {host}<br>{said}"


class TopologyView(AuditView):
    key = "topology"
    title = "Topology"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.data: TopologyData | None = None
        self.radius: BlastRadius | None = None
        self.scene = TopologyScene(self)
        self.canvas = TopologyCanvas(self.scene)
        self.addActions([self.canvas.zoom_in, self.canvas.zoom_out, self.canvas.fit])
        self.header = QLabel()
        self.header.setObjectName("hostFacts")
        self.header.setAccessibleName("Docker host facts")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.start = QComboBox()
        self.start.setObjectName("blastStart")
        self.start.setAccessibleName("Blast radius from")
        self.start.setToolTip("The component an attacker owns; or click one in the diagram")
        self.start.currentIndexChanged.connect(self._start_chosen)
        start_label = QLabel("&Blast radius from")
        start_label.setBuddy(self.start)
        self.paths = BlastPathsModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("blastPaths")
        self.tree.setAccessibleName("Paths to cardholder data")
        self.tree.setModel(self.paths)
        self.tree.setHeaderHidden(True)
        # Long paths scroll sideways rather than being cut short.
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.selectionModel().currentChanged.connect(self._path_chosen)
        self.hint = QLabel("Choose a component to see what an attacker who owns it reaches.")
        self.hint.setWordWrap(True)
        self.scene.selectionChanged.connect(self._scene_selection)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(start_label)
        side_layout.addWidget(self.start)
        side_layout.addWidget(self.hint)
        side_layout.addWidget(self.tree, 1)
        bar = QHBoxLayout()
        for action in (self.canvas.zoom_out, self.canvas.zoom_in, self.canvas.fit):
            button = QToolButton()
            button.setDefaultAction(action)
            bar.addWidget(button)
        self.legend = QLabel(
            "<span style='color:#c62828'>- - -</span> cardholder data environment · "
            "<span style='color:#ef6c00'>■</span> internet-facing · "
            "paths: <span style='color:#b71c1c'>critical</span> "
            "<span style='color:#e65100'>high</span> "
            "<span style='color:#b8860b'>medium</span> "
            "<span style='color:#1565c0'>low</span>"
        )
        self.legend.setWordWrap(True)  # or its width would squeeze the side panel
        bar.addWidget(self.legend, 1)
        drawing = QWidget()
        drawing_layout = QVBoxLayout(drawing)
        drawing_layout.setContentsMargins(0, 0, 0, 0)
        drawing_layout.addLayout(bar)
        drawing_layout.addWidget(self.canvas, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(drawing)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([460, 300])
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("topologyEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.splitter)
        layout_ = QVBoxLayout(self)
        layout_.addWidget(self.header)
        layout_.addWidget(self.pages, 1)

    # -- reading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Drawing the topology", partial(read_topology, ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, TopologyData)
        chosen = self.start.currentData()
        self.data = result
        self.header.setText(facts_html(result.facts))
        if result.topology.empty:
            self.pages.setCurrentWidget(self.empty)
            return
        self.pages.setCurrentWidget(self.splitter)
        self.scene.show_topology(result.topology, result.layout)
        self.canvas.fit_all()
        names = [n.id for n in result.topology.components()]
        self.start.blockSignals(True)  # refilling is not choosing
        self.start.clear()
        self.start.addItem(NOBODY, None)
        for name in names:
            self.start.addItem(name, name)
        self.start.setCurrentIndex(max(self.start.findData(chosen), 0))
        self.start.blockSignals(False)
        self.choose(chosen if chosen in names else None)

    # -- the blast radius ------------------------------------------------------------------

    def choose(self, component: str | None) -> None:
        """Show the blast radius of `component` (None: no highlight)."""
        self.start.blockSignals(True)
        self.start.setCurrentIndex(max(self.start.findData(component), 0))
        self.start.blockSignals(False)
        self.scene.blockSignals(True)
        self.scene.select_component(component)
        self.scene.blockSignals(False)
        if component is None:
            self.radius = None
            self.paths.show(None)
            self.scene.highlight(None)
            self.hint.show()
            return
        self.hint.hide()
        ws, caller = self.acting.ws, self.acting.caller()
        self.load(
            f"Working out the blast radius of {component}",
            partial(blast.blast_radius, ws, caller, component),
            partial(self._show_radius, component),
        )

    def _show_radius(self, component: str, result: object) -> None:
        assert isinstance(result, BlastRadius)
        if self.start.currentData() != component:
            return  # another component was chosen meanwhile
        self.radius = result
        head = result.beachheads[0] if result.beachheads else None
        self.paths.show(head, result.assumptions)
        self.tree.expandToDepth(0)
        self.scene.highlight(head)

    def _start_chosen(self, _row: int) -> None:
        self.choose(self.start.currentData())

    def _scene_selection(self) -> None:
        chosen = self.scene.selected_component()
        if chosen != self.start.currentData():
            self.choose(chosen)

    def _path_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        where = current.data(PATH_ROLE) if current.isValid() else None
        head = self.paths.head
        if head is None:
            return
        self.scene.highlight(head, self.paths.path_of(where))
