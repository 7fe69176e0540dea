"""The network diagram (ROC 4.1): zones at the top; per host, the networks stacked as bands with
the components on them (a component on two adjacent networks straddles both bands), the ports
each publishes and on which address (every interface in red), and the cardholder-data boundary.

In every row the cardholder-data components sit on the right, so one dashed rectangle per host
encloses them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportlab.platypus import Flowable

from auditapp.analysis.model import ZONE_PREFIX
from auditapp.report.model import ReportData
from auditapp.report.pdf.diagram_layout import Box, row_xs, rows_of, split_columns, zone_label
from auditapp.report.pdf.diagram_network_model import (
    NO_HOST,
    Band,
    HostGroup,
    Node,
    network_model,
)
from auditapp.report.pdf.diagram_nodes import boundary, empty, node_style
from auditapp.report.pdf.diagram_ports import node_height, port_box
from auditapp.report.pdf.diagram_shapes import (
    DASHED,
    FRAME_TINT,
    HOST,
    MUTED,
    NETWORK_EDGES,
    NETWORK_TINTS,
    RED,
    WHITE,
    ZONE,
    FittedDrawing,
    Sheet,
    Swatch,
    legend,
)
from auditapp.report.pdf.diagram_text import (
    BOLD,
    FALLBACK,
    REGULAR,
    Fitted,
    Fonts,
    fit,
    register_diagram_fonts,
)

COLUMNS = 4
GAP = 8.0
PAD = 6.0  # inside a host frame
LABEL_W = 64.0  # the networks' names, left of their bands
ROW_GAP = 8.0
ZONE_W, ZONE_H = 84.0, 24.0


@dataclass(frozen=True)
class _Grid:
    x0: float  # left of the first column
    box_w: float
    left: int  # columns on the outside; the rest hold cardholder data

    def xs(self, count: int, cde: bool) -> list[float]:
        if cde:
            start = self.x0 + self.left * (self.box_w + GAP)
            return row_xs(count, start, COLUMNS - self.left, self.box_w, GAP)
        return row_xs(count, self.x0, self.left, self.box_w, GAP)


def draw_network(
    data: ReportData, *, font: str = REGULAR, bold: str = BOLD, fallback: str = FALLBACK
) -> Flowable:
    register_diagram_fonts()
    sheet = Sheet(Fonts(font, bold, (fallback,)))
    model = network_model(data)
    if not model.hosts:
        empty(sheet, "No components collected: there is no network to draw.")
        return FittedDrawing(sheet.drawing())
    x0 = PAD + LABEL_W + 6
    box_w = (sheet.width - x0 - PAD - 10 - (COLUMNS - 1) * GAP) / COLUMNS
    groups = [g for host in model.hosts for g in _groups(host)]
    left = split_columns([(len(a), len(b)) for _, a, b in groups], COLUMNS)
    grid = _Grid(x0, box_w, left)
    zone_boxes = _zones(sheet, model.zones)
    y = ZONE_H + 34 if zone_boxes else 0.0
    drawn: list[Placed] = []
    for host in model.hosts:
        placed, y = _host(sheet, host, grid, y)
        drawn += placed
        y += 10
    for p in drawn:
        port_box(sheet, p.box, p.node, p.titles, node_style(_kind(p.node)))
    # Over the boxes, thin: a line that passed behind a box would seem to start from it.
    _links(sheet, model.links, zone_boxes, {p.node.name: p.box for p in drawn})
    legend(sheet, sheet.bottom + 10, _LEGEND)
    return FittedDrawing(sheet.drawing())


def _kind(node: Node) -> str:
    return "cde" if node.cde else "facing" if node.facing else "component"


def _zones(sheet: Sheet, zones: tuple[str, ...]) -> dict[str, Box]:
    n = len(zones)
    w = min(ZONE_W, (sheet.width - (n - 1) * 10) / max(n, 1))
    xs = row_xs(n, 0, n, w, 10)
    shift = (sheet.width - (n * w + (n - 1) * 10)) / 2
    boxes = {}
    style = node_style("zone")
    for zone, x in zip(zones, xs, strict=True):
        box = Box(x + shift, 0, w, ZONE_H)
        boxes[zone] = box
        sheet.rect(
            box.x,
            box.y,
            box.w,
            box.h,
            rx=9,
            ry=9,
            fillColor=style.fill,
            strokeColor=style.stroke,
            strokeWidth=style.stroke_width,
        )
        title = fit(
            zone_label(zone[len(ZONE_PREFIX) :]),
            sheet.fonts.bold,
            w - 8,
            size=7.5,
            floor=5.5,
            max_lines=2,
            fallbacks=sheet.fallbacks,
        )
        sheet.lines(box.x + w / 2, box.y + (ZONE_H - title.height) / 2, title, ZONE, "middle")
    return boxes


Group = tuple[tuple[str, int], list[Node], list[Node]]  # (("band"|"strip", i), outside, cde)


@dataclass(frozen=True)
class Placed:
    box: Box
    node: Node
    titles: list[str]  # the networks its place does not show, named in the box
    drops: list[int]  # and their bands, which a line from the box reaches


def _groups(host: HostGroup) -> list[Group]:
    """Row groups top to bottom: each band's own components, then those that bridge it and
    the next band."""
    index = {b.key: i for i, b in enumerate(host.bands)}
    placed: dict[tuple[str, int], list[Node]] = {}
    for node in host.nodes:
        at = sorted(index[n] for n in node.networks)
        where = ("strip", at[0]) if len(at) > 1 and at[1] == at[0] + 1 else ("band", at[0])
        placed.setdefault(where, []).append(node)
    groups: list[Group] = []
    for i in range(len(host.bands)):
        for where in (("band", i), ("strip", i)):
            members = sorted(placed.get(where, []), key=lambda n: (not n.facing, n.name))
            if members or where[0] == "band":
                groups.append(
                    (where, [n for n in members if not n.cde], [n for n in members if n.cde])
                )
    return groups


@dataclass
class _Stack:
    """One host's bands as they are laid out: where each starts and ends, and its boxes."""

    host: HostGroup
    starts: dict[int, float] = field(default_factory=dict)
    ends: dict[int, float] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)
    regions: list[Box] = field(default_factory=list)  # boxes inside the boundary


def _host(sheet: Sheet, host: HostGroup, grid: _Grid, top: float) -> tuple[list[Placed], float]:
    """One host's frame, bands and the places of its boxes; returns them and the bottom."""
    labels = {i: _band_label(sheet, b) for i, b in enumerate(host.bands)}
    stack = _Stack(host)
    y = top + 18  # the host's title bar
    label_end: dict[int, float] = {}
    for (kind, i), outside, cde in _groups(host):
        if kind == "band":
            stack.starts.setdefault(i, y)
            label_end[i] = stack.starts[i] + labels[i][1] + 6
            y += 5
        else:
            y = max(y, label_end[i]) + 2
        y, middles = _rows(sheet, stack, grid, (kind, i), outside, cde, y)
        if kind == "band":
            y = max(y, label_end[i])
            stack.ends[i] = y
        else:
            # Bridges straddle the border: the upper band ends at the middle of their last
            # row, the lower one starts at the middle of their first.
            stack.ends[i], stack.starts[i + 1] = middles[-1], middles[0]
            y += 2
    bottom = y + PAD
    dashed = {"strokeDashArray": DASHED} if host.host == NO_HOST else {}
    sheet.rect(
        0.5,
        top,
        sheet.width - 1,
        bottom - top,
        rx=5,
        ry=5,
        fillColor=FRAME_TINT,
        strokeColor=MUTED,
        strokeWidth=0.8,
        **dashed,
    )
    title = f"host {host.host}" if host.host != NO_HOST else "host not recorded"
    sheet.text(PAD, top + 12, title, sheet.fonts.bold, 8, HOST)
    for i, band in enumerate(host.bands):
        _band(sheet, band, i, stack.starts[i], stack.ends[i], labels[i][0])
    for p in stack.placed:
        _drops(sheet, p, stack)
    boundary(sheet, stack.regions, "Cardholder data environment")
    return stack.placed, bottom


def _rows(
    sheet: Sheet,
    stack: _Stack,
    grid: _Grid,
    where: tuple[str, int],
    outside: list[Node],
    cde: list[Node],
    y: float,
) -> tuple[float, list[float]]:
    """Place one row group's boxes from `y`; returns the y below and each row's middle."""
    host = stack.host
    index = {b.key: i for i, b in enumerate(host.bands)}
    out_rows = rows_of(outside, grid.left)
    cde_rows = rows_of(cde, COLUMNS - grid.left)
    middles = []
    for r in range(max(len(out_rows), len(cde_rows))):
        row = [(n, False) for n in (out_rows[r] if r < len(out_rows) else [])]
        row += [(n, True) for n in (cde_rows[r] if r < len(cde_rows) else [])]
        drops = {n.name: _extras(n, index, *where) for n, _ in row}
        titles = {k: [host.bands[j].title for j in v] for k, v in drops.items()}
        height = max(node_height(sheet, n, grid.box_w, titles[n.name]) for n, _ in row)
        for inside in (False, True):
            members = [n for n, c in row if c == inside]
            for n, x in zip(members, grid.xs(len(members), inside), strict=True):
                box = Box(x, y, grid.box_w, height)
                stack.placed.append(Placed(box, n, titles[n.name], drops[n.name]))
                if inside:
                    stack.regions.append(box)
        middles.append(y + height / 2)
        y += height + ROW_GAP
    return y, middles


def _extras(node: Node, index: dict[str, int], kind: str, i: int) -> list[int]:
    """The bands of the networks a component is on that its place does not show."""
    shown = {i, i + 1} if kind == "strip" else {i}
    return sorted(index[n] for n in node.networks if index[n] not in shown)


def _drops(sheet: Sheet, p: Placed, stack: _Stack) -> None:
    """A line from a box to each band it is on but not placed in, ending in a dot."""
    others = [q.box.grown(2) for q in stack.placed if q is not p]
    for k, band in enumerate(p.drops):
        below = stack.starts[band] > p.box.y
        start = p.box.bottom if below else p.box.y
        end = stack.starts[band] + 4 if below else stack.ends[band] - 4
        span = (min(start, end), max(start, end))
        # Down the middle, or nearer an edge where that passes behind fewer boxes.
        candidates = [p.box.center[0], p.box.x + 8 + 6 * k, p.box.x + p.box.w - 8 - 6 * k]
        x = min(
            candidates,
            key=lambda cx: sum(
                b.x <= cx <= b.x + b.w and b.y < span[1] and b.bottom > span[0] for b in others
            ),
        )
        color = NETWORK_EDGES[stack.host.bands[band].colour % len(NETWORK_EDGES)]
        sheet.line(x, start, x, end, strokeColor=color, strokeWidth=0.9)
        sheet.circle(x, end, 1.8, fillColor=color, strokeColor=color, strokeWidth=0.3)


def _band_label(sheet: Sheet, band: Band) -> tuple[list[tuple[Fitted, Any]], float]:
    fonts = sheet.fonts
    name = fit(
        band.title,
        fonts.bold,
        LABEL_W - 4,
        size=7,
        floor=5.5,
        max_lines=3,
        fallbacks=sheet.fallbacks,
    )
    parts: list[tuple[Fitted, Any]] = [(name, HOST)]
    height = name.height
    if band.detail:
        detail = fit(
            band.detail,
            fonts.regular,
            LABEL_W - 4,
            size=6,
            floor=5,
            max_lines=2,
            fallbacks=sheet.fallbacks,
        )
        parts.append((detail, RED if band.internal else MUTED))
        height += detail.height
    return parts, height


def _band(
    sheet: Sheet, band: Band, i: int, top: float, bottom: float, label: list[tuple[Fitted, Any]]
) -> None:
    tint = NETWORK_TINTS[band.colour % len(NETWORK_TINTS)] if not band.pseudo else WHITE
    edge = NETWORK_EDGES[band.colour % len(NETWORK_EDGES)] if not band.pseudo else MUTED
    dash = DASHED if band.internal or band.pseudo else None
    sheet.rect(
        PAD,
        top,
        sheet.width - 2 * PAD,
        bottom - top,
        rx=3,
        ry=3,
        fillColor=tint,
        fillOpacity=0.55,
        strokeColor=edge,
        strokeWidth=0.7,
        strokeDashArray=dash,
    )
    y = top + 3
    for fitted, color in label:
        y = sheet.lines(PAD + 4, y, fitted, color)


def _links(
    sheet: Sheet,
    links: tuple[tuple[str, str], ...],
    zones: dict[str, Box],
    boxes: dict[str, Box],
) -> None:
    for source, target in links:
        if source not in zones | boxes or target not in zones | boxes:
            continue
        a, b = (zones | boxes)[source], (zones | boxes)[target]
        start = (a.center[0], a.bottom if a.y < b.y else a.y)
        end = (b.center[0], b.y if a.y < b.y else b.bottom)
        sheet.arrow([start, end], ZONE, 0.6, head=4.5)


_LEGEND = (
    Swatch("box", "Zone", node_style("zone").stroke, node_style("zone").fill),
    Swatch("box", "Component", node_style("component").stroke, node_style("component").fill),
    Swatch(
        "box", "Internet-facing component", node_style("facing").stroke, node_style("facing").fill
    ),
    Swatch("box", "Holds cardholder data", node_style("cde").stroke, node_style("cde").fill),
    Swatch("rect", "Cardholder data environment (CDE)", RED, None, DASHED, 1.2),
    Swatch("rect", "Network (component on two: bridges them)", NETWORK_EDGES[0], NETWORK_TINTS[0]),
    Swatch("rect", "Internal network (no route out)", NETWORK_EDGES[1], NETWORK_TINTS[1], DASHED),
    Swatch("pill", "Published on every interface (0.0.0.0)", RED, RED),
    Swatch("pill", "Published on one address", HOST, WHITE),
)
