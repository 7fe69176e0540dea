"""The data-flow diagram (ROC 4.2): external entities and components as nodes, the declared flows
as arrows labelled with port, protocol and data classes, what the deployment cannot carry and
what it exposes with no flow declared, and the cardholder-data boundary.

Layers run top-down by distance from the outside along declared flows; in each layer the
cardholder-data components sit on the right, so one rectangle encloses them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from reportlab.platypus import Flowable

from auditapp.analysis.blast import internet_facing
from auditapp.analysis.model import ZONE_PREFIX, ZONES, DeclaredFlow, Deployment
from auditapp.analysis.network_drift import zone_of
from auditapp.analysis.network_exposure import Exposure
from auditapp.report.model import ReportData
from auditapp.report.pdf.diagram_layout import (
    Box,
    LabelPlacer,
    Segment,
    abbreviate,
    component_names,
    flow_layers,
    row_xs,
    rows_of,
    split_columns,
    zone_label,
)
from auditapp.report.pdf.diagram_nodes import (
    boundary,
    empty,
    flow_label,
    node_box,
    node_style,
)
from auditapp.report.pdf.diagram_shapes import (
    BLUE,
    DASHED,
    DOTTED,
    MUTED,
    RED,
    FittedDrawing,
    Sheet,
    Swatch,
    legend,
)
from auditapp.report.pdf.diagram_text import (
    BOLD,
    FALLBACK,
    REGULAR,
    Fonts,
    register_diagram_fonts,
)

COLUMNS = 5
GAP_X = 16.0
GAP_Y = 42.0
NODE_H = 36.0
HOST_REACH = "\x00host-reach"  # pseudo entities for exposure no flow declares
LOOPBACK = "\x00loopback"
PSEUDO_LABELS = {HOST_REACH: "Whoever reaches the host", LOOPBACK: "The host itself"}


@dataclass(frozen=True)
class _Arrow:
    source: str
    target: str
    lines: tuple[str, ...]
    kind: str  # encrypted, plain, undeclared
    not_carried: bool = False


def draw_dataflow(
    data: ReportData, *, font: str = REGULAR, bold: str = BOLD, fallback: str = FALLBACK
) -> Flowable:
    register_diagram_fonts()
    sheet = Sheet(Fonts(font, bold, (fallback,)))
    d = data.deployment
    components = component_names(d)
    if not components:
        empty(sheet, "No components collected: there is no data flow to draw.")
        return FittedDrawing(sheet.drawing())
    not_carried = {c.flow.id for c in data.flows.not_carried}
    arrows = [_flow_arrow(f, f.id in not_carried) for f in sorted(d.flows, key=lambda f: f.id)]
    arrows += [_exposure_arrow(e) for e in data.flows.unjustified]
    ends = {end for a in arrows for end in (a.source, a.target)}
    zones = [f"{ZONE_PREFIX}{z}" for z in ZONES if f"{ZONE_PREFIX}{z}" in ends]
    zones += [p for p in (HOST_REACH, LOOPBACK) if p in ends]
    zones += sorted(e for e in ends if e.startswith(ZONE_PREFIX) and e not in zones)
    cde = {c.name for c in d.components if c.holds_cardholder_data}
    facing = set(internet_facing(d))
    # Exposure no flow declares still lets the outside in: it places components like a flow.
    layer = flow_layers(zones, components, [(a.source, a.target) for a in arrows], facing)
    links = [(a.source, a.target) for a in arrows]
    boxes, regions = _place(sheet, zones, components, layer, cde, links, ends | facing)
    top_label = boundary(sheet, regions, "Cardholder data environment")
    _arrows(sheet, arrows, boxes, [*boxes.values(), *top_label])
    for name, box in sorted(boxes.items()):
        title, kind = _title(name), _kind(name, d, cde, facing)
        node_box(sheet, box, title, _detail(name, d), node_style(kind))
    legend(sheet, sheet.bottom + 10, _LEGEND)
    return FittedDrawing(sheet.drawing())


def _flow_arrow(f: DeclaredFlow, not_carried: bool) -> _Arrow:
    lines = [f"#{f.id} {f.port}/{f.protocol}"]
    classes = abbreviate(f.data_classes)
    if classes:
        lines.append(classes)
    if not_carried:
        lines.append("not carried")
    return _Arrow(
        f.source, f.destination, tuple(lines), "encrypted" if f.encrypted else "plain", not_carried
    )


def _exposure_arrow(e: Exposure) -> _Arrow:
    source = LOOPBACK if e.reach == "loopback" else HOST_REACH
    address = e.host_ip or "0.0.0.0"  # noqa: S104 - "" publishes on every interface
    host_port = f":{e.host_port}" if e.host_port is not None else ""
    where = "host network" if e.reach == "host-network" else f"{address}{host_port}"
    return _Arrow(source, e.component, (f"{e.port_text} {where}", "no flow declared"), "undeclared")


def _title(name: str) -> str:
    if name in PSEUDO_LABELS:
        return PSEUDO_LABELS[name]
    zone = zone_of(name)
    return zone_label(zone) if zone is not None else name


def _kind(name: str, d: Deployment, cde: set[str], facing: set[str]) -> str:
    if name in PSEUDO_LABELS:
        return "pseudo"
    if name.startswith(ZONE_PREFIX):
        return "zone"
    if name in cde:
        return "cde"
    return "facing" if name in facing else "component"


def _detail(name: str, d: Deployment) -> str:
    facts = d.component(name)
    if facts is None:
        return "" if name.startswith(ZONE_PREFIX) or name in PSEUDO_LABELS else "not recorded"
    return abbreviate(facts.data_classes)


def _place(
    sheet: Sheet,
    zones: list[str],
    components: list[str],
    layer: dict[str, int],
    cde: set[str],
    links: list[tuple[str, str]],
    connected: set[str],
) -> tuple[dict[str, Box], list[Box]]:
    """Boxes for every node; and the cardholder-data side of each row that has one."""
    by_layer: dict[int, list[str]] = defaultdict(list)
    for c in components:
        by_layer[layer[c]].append(c)
    sides = [
        ([c for c in by_layer[n] if c not in cde], [c for c in by_layer[n] if c in cde])
        for n in sorted(by_layer)
    ]
    widest = max(len(a) for a, _ in sides) + max(len(b) for _, b in sides)
    columns = max(1, min(COLUMNS, widest))
    left = split_columns([(len(a), len(b)) for a, b in sides], columns)
    base = (sheet.width - (COLUMNS - 1) * GAP_X) / COLUMNS
    box_w = base if columns > 3 else base * 1.2
    # Few columns spread out, so that the arrows between them have room for their labels.
    gap_x = GAP_X if columns == 1 else min(60.0, (sheet.width - columns * box_w) / (columns - 1))
    grid = columns * box_w + (columns - 1) * gap_x
    x0 = (sheet.width - grid) / 2
    rows = sum(max(_rows(len(a), left), _rows(len(b), columns - left)) for a, b in sides)
    gap_y = GAP_Y if rows <= 7 else GAP_Y * 0.75
    boxes: dict[str, Box] = {}
    y = 0.0
    zone_columns = min(len(zones), 7)
    zone_w = min(box_w, (sheet.width - (zone_columns - 1) * 10) / max(zone_columns, 1))
    for row in rows_of(zones, zone_columns):
        for name, x in zip(row, row_xs(len(row), 0, zone_columns, zone_w, 10), strict=True):
            boxes[name] = Box(
                x + (sheet.width - _span(zone_columns, zone_w, 10)) / 2, y, zone_w, NODE_H
            )
        y += NODE_H + GAP_Y
    regions: list[Box] = []
    right_x = x0 + left * (box_w + gap_x)
    for outside, inside in sides:
        if not (set(outside) | set(inside)) & connected:
            sheet.text(
                x0,
                y - 6,
                "No declared flow or exposure reaches these:",
                sheet.fonts.regular,
                6.5,
                MUTED,
            )
        outside, inside = _ordered(outside, links, boxes), _ordered(inside, links, boxes)
        out_rows, in_rows = rows_of(outside, left), rows_of(inside, columns - left)
        for i in range(max(len(out_rows), len(in_rows))):
            out = out_rows[i] if i < len(out_rows) else []
            ins = in_rows[i] if i < len(in_rows) else []
            if ins and not regions:
                y += 10  # room for the boundary's label above the first row inside it
            for name, x in zip(out, row_xs(len(out), x0, left, box_w, gap_x), strict=True):
                boxes[name] = Box(x, y, box_w, NODE_H)
            xs = row_xs(len(ins), right_x, columns - left, box_w, gap_x)
            for name, x in zip(ins, xs, strict=True):
                boxes[name] = Box(x, y, box_w, NODE_H)
            if ins:
                regions.append(Box(right_x, y, x0 + grid - right_x, NODE_H))
            last = i == max(len(out_rows), len(in_rows)) - 1
            y += NODE_H + (gap_y if last else gap_y * 0.6)
    return boxes, regions


def _ordered(names: list[str], links: list[tuple[str, str]], boxes: dict[str, Box]) -> list[str]:
    """A layer's nodes under the nodes they exchange flows with, as far as they can be (the
    barycentre heuristic), so that fewer arrows cross; the unlinked after them by name."""

    def key(name: str) -> tuple[bool, float, str]:
        near = [boxes[o].center[0] for a, b in links for o in (a, b)
                if name in (a, b) and o != name and o in boxes]  # fmt: skip
        return (not near, sum(near) / len(near) if near else 0.0, name)

    return sorted(names, key=key)


def _rows(n: int, per_row: int) -> int:
    return -(-n // per_row) if n and per_row else 0


def _span(columns: int, box_w: float, gap: float) -> float:
    return columns * box_w + (columns - 1) * gap


_STYLE = {
    "encrypted": (BLUE, None, 0.9),
    "plain": (RED, DASHED, 1.0),
    "undeclared": (MUTED, DOTTED, 0.9),
}


def _arrows(
    sheet: Sheet, arrows: list[_Arrow], boxes: dict[str, Box], obstacles: list[Box]
) -> None:
    """Arrows behind the boxes, labels above everything; parallel flows fan out."""
    pairs: dict[frozenset[str], list[_Arrow]] = defaultdict(list)
    for a in arrows:
        pairs[frozenset((a.source, a.target))].append(a)
    placer = LabelPlacer(obstacles)
    labels = []
    for a in arrows:
        siblings = pairs[frozenset((a.source, a.target))]
        offset = (siblings.index(a) - (len(siblings) - 1) / 2) * 9
        segment = _route(boxes[a.source], boxes[a.target], offset, list(boxes.values()))
        color, dash, stroke = _STYLE[a.kind]
        if segment.control is None:
            sheet.arrow([segment.start, segment.end], color, stroke, dash)
        else:
            sheet.curve(
                segment.start,
                segment.control,
                segment.end,
                strokeColor=color,
                strokeWidth=stroke,
                strokeDashArray=dash,
            )
            sheet.arrow([segment.at(0.93), segment.end], color, stroke, dash)
        labels.append((a, segment, color))
    for a, segment, color in labels:
        flow_label(sheet, placer, segment, a.lines, color, warn=a.not_carried)


def _route(source: Box, target: Box, offset: float, boxes: list[Box]) -> Segment:
    """A straight arrow between box edges or, when other boxes stand in the way, the least
    bent curve that goes round them."""
    (sx, sy), (tx, ty) = source.center, target.center
    dx, dy = tx - sx, ty - sy
    length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
    nx_, ny_ = -dy / length, dx / length
    # Offset perpendicular to the centre line, so parallel flows do not draw over each other.
    ox, oy = nx_ * offset, ny_ * offset
    start = _shifted(source, ox, oy).edge_toward((tx + ox, ty + oy))
    end = _shifted(target, ox, oy).edge_toward((sx + ox, sy + oy), gap=1.0)
    best = Segment(start, end)
    others = [b.grown(2) for b in boxes if b not in (source, target)]
    fewest = _hits(best, others)
    mx, my = (sx + tx) / 2, (sy + ty) / 2
    for bend in (30.0, -30.0, 55.0, -55.0, 90.0, -90.0):
        if fewest == 0:
            break
        bend += offset
        # A quadratic curve's apex lies halfway to its control point.
        control = (mx + nx_ * bend * 2, my + ny_ * bend * 2)
        curve = Segment(source.edge_toward(control), target.edge_toward(control, 1.0), control)
        hits = _hits(curve, others)
        if hits < fewest:
            best, fewest = curve, hits
    return best


def _hits(segment: Segment, boxes: list[Box]) -> int:
    return sum(any(b.contains(p) for p in segment.points()) for b in boxes)


def _shifted(b: Box, dx: float, dy: float) -> Box:
    return Box(b.x + dx, b.y + dy, b.w, b.h)


_LEGEND = (
    Swatch("line", "Encrypted flow", BLUE),
    Swatch("line", "Unencrypted flow", RED, dash=DASHED, stroke_width=1.0),
    Swatch("line", "Exposure no flow declares", MUTED, dash=DOTTED),
    Swatch("box", "External entity (zone)", node_style("zone").stroke, node_style("zone").fill),
    Swatch("box", "Component", node_style("component").stroke, node_style("component").fill),
    Swatch(
        "box", "Internet-facing component", node_style("facing").stroke, node_style("facing").fill
    ),
    Swatch("box", "Holds cardholder data", node_style("cde").stroke, node_style("cde").fill),
    Swatch("rect", "Cardholder data environment (CDE)", RED, None, DASHED, 1.2),
    Swatch("pill", "Flow the deployment cannot carry", RED),
)
