"""The topology drawn in a QGraphicsScene: host bands, the dashed red CDE boundary, zones,
networks, components and flows, and on top the blast radius of the chosen component."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from auditapp.analysis.blast import Beachhead, Path
from auditapp.analysis.host_placement import HOST_PREFIX, UNRECORDED_HOST
from auditapp.gui.views.topology_layout import Layout, Rect, edge_toward
from auditapp.gui.views.topology_model import NETWORK_PREFIX, Topology, TopoNode

SEVERITY_COLOURS = {
    "critical": QColor("#b71c1c"),
    "high": QColor("#e65100"),
    "medium": QColor("#b8860b"),
    "low": QColor("#1565c0"),
}
CDE_RED = QColor("#c62828")
FACING = QColor("#ef6c00")
NETWORK_HUES = (210, 140, 280, 30, 180, 330, 90, 0)
DIMMED = 0.22
NODE_Z, PATH_Z = 10.0, 20.0


def _text() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.Text)


def _qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.w, r.h)


class NodeItem(QGraphicsItem):
    """A zone, a component or a network; components can be selected (that starts the blast
    radius), and everything can be dimmed when it is out of reach."""

    def __init__(self, node: TopoNode, rect: Rect, hue: int = 0) -> None:
        super().__init__()
        self.node = node
        self.rect = QRectF(0, 0, rect.w, rect.h)
        self.hue = hue
        self.setPos(rect.x, rect.y)
        self.setZValue(NODE_Z)
        self.setToolTip(node.detail)
        self.setAcceptHoverEvents(True)
        if node.kind == "component":
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-3, -3, 3, 3)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = _text()
        node = self.node
        if node.kind == "zone":
            painter.setPen(QPen(text, 1.2))
            painter.setBrush(QColor(120, 144, 156, 70))
            painter.drawRoundedRect(self.rect, 18, 18)
        elif node.kind == "network":
            colour = QColor.fromHsv(self.hue, 120, 200, 110)
            painter.setPen(QPen(colour.darker(150), 1.0, _dash(node.internal)))
            painter.setBrush(colour)
            painter.drawRoundedRect(self.rect, self.rect.height() / 2, self.rect.height() / 2)
        else:
            fill = QColor(198, 40, 40, 45) if node.cde else QColor(96, 125, 139, 35)
            border = FACING if node.facing else text
            width = 2.2 if node.facing else 1.2
            if self.isSelected():
                border, width = QApplication.palette().color(QPalette.ColorRole.Highlight), 3.0
            painter.setPen(QPen(border, width))
            painter.setBrush(fill)
            painter.drawRoundedRect(self.rect, 6, 6)
        painter.setPen(text)
        font = QFont(painter.font())
        if node.kind == "component":
            font.setBold(True)
        painter.setFont(font)
        label = node.label if node.kind != "network" else f"⟷ {node.label}"
        if node.kind == "component":
            top = self.rect.adjusted(6, 4, -6, -self.rect.height() / 2)
            painter.drawText(top, Qt.AlignmentFlag.AlignCenter, _elided(painter, label, top))
            small = QFont(font)
            small.setBold(False)
            small.setPointSizeF(max(font.pointSizeF() * 0.82, 6.0))
            painter.setFont(small)
            bottom = self.rect.adjusted(6, self.rect.height() / 2, -6, -4)
            tags = [t for t, on in (("CDE", node.cde), ("internet-facing", node.facing)) if on]
            painter.drawText(bottom, Qt.AlignmentFlag.AlignCenter, " · ".join(tags) or "component")
        else:
            painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, label)


def _elided(painter: QPainter, text: str, rect: QRectF) -> str:
    return painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, int(rect.width()))


def _dash(internal: bool) -> Qt.PenStyle:
    return Qt.PenStyle.DotLine if internal else Qt.PenStyle.SolidLine


def _arrow(tip: QPointF, towards: float, size: float = 9.0) -> QPolygonF:
    """An arrowhead at `tip` pointing along `towards` (radians)."""
    left = towards + math.pi - 0.42
    right = towards + math.pi + 0.42
    return QPolygonF(
        [
            tip,
            tip + QPointF(math.cos(left) * size, math.sin(left) * size),
            tip + QPointF(math.cos(right) * size, math.sin(right) * size),
        ]
    )


def _curve(a: Rect, b: Rect, bend: float) -> tuple[QPainterPath, QPolygonF]:
    """From the edge of `a` to the edge of `b`, bent sideways by `bend` (0: straight), and the
    arrowhead at its end."""
    (ax, ay), (bx, by) = a.centre, b.centre
    mx, my = (ax + bx) / 2, (ay + by) / 2
    length = math.hypot(bx - ax, by - ay) or 1.0
    cx, cy = mx - (by - ay) / length * bend, my + (bx - ax) / length * bend
    start = QPointF(*edge_toward(a, (cx, cy)))
    end = QPointF(*edge_toward(b, (cx, cy), gap=3.0))
    path = QPainterPath(start)
    path.quadTo(QPointF(cx, cy), end)
    return path, _arrow(end, math.atan2(end.y() - cy, end.x() - cx))


class TopologyScene(QGraphicsScene):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, NodeItem] = {}
        self.hosts: dict[str, QGraphicsRectItem] = {}
        self.layout_: Layout | None = None
        self._overlay: list[QGraphicsItem] = []

    def show_topology(self, t: Topology, layout: Layout) -> None:
        # forget the items before Qt deletes them, and quietly: clearing a selected node
        # announces a selection change, whose listeners would reach the deleted items
        self.nodes, self.hosts, self._overlay = {}, {}, []
        self.blockSignals(True)
        try:
            self.clear()
        finally:
            self.blockSignals(False)
        self.layout_ = layout
        text = _text()
        for host, r in layout.hosts.items():
            band = self.addRect(_qrect(r), QPen(text, 0.8, Qt.PenStyle.SolidLine))
            band.setBrush(QColor(128, 128, 128, 22))
            band.setToolTip(f"host {host}" if host else "components with no host recorded")
            self.hosts[host] = band
            title = f"host {host}" if host else "host not recorded"
            self._label(title, r.x + 10, r.y + 6, text, bold=True)
        for cde in layout.cde.values():
            boundary = self.addRect(_qrect(cde), QPen(CDE_RED, 2.0, Qt.PenStyle.DashLine))
            boundary.setToolTip("Cardholder data environment: the components holding card data")
            boundary.setZValue(NODE_Z - 1)
            self._label("Cardholder data environment", cde.x + 6, cde.y + 3, CDE_RED, size=0.8)
        networks = [n.id for n in t.nodes if n.kind == "network"]
        for e in t.edges:
            a, b = layout.nodes.get(e.source), layout.nodes.get(e.target)
            if a is None or b is None:
                continue
            if e.kind == "member":
                hue = NETWORK_HUES[networks.index(e.target) % len(NETWORK_HUES)]
                pen = QPen(QColor.fromHsv(hue, 150, 170, 150), 1.4)
                line, _ = _curve(a, b, 0.0)
                self.addPath(line, pen).setToolTip(e.target.removeprefix(NETWORK_PREFIX))
            else:
                colour = QColor(84, 110, 122)
                line, head = _curve(a, b, 18.0)
                drawn = (
                    self.addPath(line, QPen(colour, 1.6)),
                    self.addPolygon(head, QPen(colour), QBrush(colour)),
                )
                for item in drawn:
                    item.setToolTip(e.detail)
                    item.setZValue(NODE_Z - 0.5)
        for n in t.nodes:
            where = layout.nodes.get(n.id)
            if where is None:
                continue
            hue = NETWORK_HUES[networks.index(n.id) % len(NETWORK_HUES)] if n.id in networks else 0
            node = NodeItem(n, where, hue)
            self.addItem(node)
            self.nodes[n.id] = node
        self.setSceneRect(QRectF(-20, -20, layout.width + 40, layout.height + 40))

    def highlight(self, head: Beachhead | None, chosen: Path | None = None) -> None:
        """Dim what `head` does not reach and draw its paths to cardholder data, `chosen`
        boldest; None undoes it."""
        for item in self._overlay:
            self.removeItem(item)
        self._overlay = []
        for band in self.hosts.values():
            band.setPen(QPen(_text(), 0.8))
        if head is None:
            for node in self.nodes.values():
                node.setOpacity(1.0)
            return
        reached = {head.component} | {r.node for r in head.reachable}
        for node_id, node in self.nodes.items():
            kept = node.node.kind != "component" or node_id in reached
            node.setOpacity(1.0 if kept else DIMMED)
        for h in head.hosts:
            reached_band = self.hosts.get(_host_key(h.node))
            if reached_band is not None:
                reached_band.setPen(QPen(CDE_RED, 2.4))
                reached_band.setToolTip(f"{h.node}: control of the host within {h.steps} step(s)")
        # The best path to each target; a path chosen in the side panel on top of them.
        paths = [t.best for t in head.targets]
        paths = [p for p in paths if p is not chosen] + ([chosen] if chosen is not None else [])
        for p in paths:
            self._draw_path(p, bold=p is chosen, faint=chosen is not None and p is not chosen)

    def _draw_path(self, p: Path, *, bold: bool, faint: bool) -> None:
        colour = QColor(SEVERITY_COLOURS.get(p.severity, SEVERITY_COLOURS["low"]))
        if faint:
            colour.setAlpha(90)
        pen = QPen(colour, 4.5 if bold else 3.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        for i, step in enumerate(p.steps):
            a, b = self._rect_of(step.source), self._rect_of(step.target)
            if a is None or b is None:
                continue
            line, head = _curve(a, b, -30.0 - 6 * (i % 2))
            tip = f"{step.source} → {step.target} via {step.via}\n{step.reason}"
            for item in (self.addPath(line, pen), self.addPolygon(head, pen, QBrush(colour))):
                item.setZValue(PATH_Z + (1 if bold else 0))
                item.setToolTip(tip)
                self._overlay.append(item)

    def _rect_of(self, node: str) -> Rect | None:
        layout = self.layout_
        if layout is None:
            return None
        if node.startswith(HOST_PREFIX):
            band = layout.hosts.get(_host_key(node))
            return Rect(band.x, band.y, 150.0, 26.0) if band is not None else None
        return layout.nodes.get(node)

    def selected_component(self) -> str | None:
        chosen = [i for i in self.selectedItems() if isinstance(i, NodeItem)]
        return chosen[0].node.id if chosen else None

    def select_component(self, name: str | None) -> None:
        for node_id, item in self.nodes.items():
            item.setSelected(node_id == name and item.node.kind == "component")

    def _label(
        self, text: str, x: float, y: float, colour: QColor, *, bold: bool = False, size: float = 1
    ) -> None:
        label = QGraphicsSimpleTextItem(text)
        font = label.font()
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() * size)
        label.setFont(font)
        label.setBrush(colour)
        label.setPos(x, y)
        label.setZValue(NODE_Z + 1)
        self.addItem(label)


def _host_key(node: str) -> str:
    host = node.removeprefix(HOST_PREFIX)
    return "" if host == UNRECORDED_HOST else host


def severity_colour(severity: str) -> QColor:
    return SEVERITY_COLOURS.get(severity, SEVERITY_COLOURS["low"])
