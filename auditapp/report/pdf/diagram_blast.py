"""The blast radius of one beachhead: its ranked paths to cardholder data drawn as node chains
read left to right, each step labelled with how it is taken (strong steps, which hand over a
host or other containers, in red) and each node's weaknesses listed under it.

Each target's best path comes first, then the alternatives, up to `limit` paths; the rest are
in the threat-model table beside the drawing.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable

from auditapp.analysis.blast import Beachhead, Path, Target
from auditapp.analysis.blast_graph import HOST_PREFIX, STRONG_KINDS
from auditapp.report.pdf.diagram_layout import Box
from auditapp.report.pdf.diagram_nodes import node_box, node_style
from auditapp.report.pdf.diagram_shapes import (
    DARK_RED,
    FAINT,
    INK,
    MUTED,
    ORANGE,
    RED,
    WHITE,
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
    width,
)

NODE_W, NODE_H = 78.0, 32.0
STEP_W = 52.0  # the arrow between two nodes, with its label above
PER_LINE = 4  # 4 nodes and 3 steps fill the width; longer paths carry on below
MAX_WEAKNESSES = 4
SEVERITY = {"critical": DARK_RED, "high": RED, "medium": ORANGE, "low": MUTED}


def draw_blast_paths(
    beachhead: Beachhead,
    *,
    font: str = REGULAR,
    bold: str = BOLD,
    fallback: str = FALLBACK,
    limit: int = 6,
) -> Flowable:
    register_diagram_fonts()
    sheet = Sheet(Fonts(font, bold, (fallback,)))
    b = beachhead
    chd = {r.node for r in b.reachable if r.holds_cardholder_data}
    chd |= {t.component for t in b.targets} | ({b.component} if b.holds_cardholder_data else set())
    chosen, hidden = _selected(b.targets, limit)
    facing = "internet-facing " if b.internet_facing else ""
    summary = (
        f"If {facing}{b.component} is taken over: {_count(len(b.reachable), 'component')} and "
        f"{_count(len(b.hosts), 'host')} within reach, "
        f"{_count(sum(len(t.paths) for t in b.targets), 'ranked path')} to cardholder data."
    )
    y = _caption(sheet, summary, 0)
    if not chosen:
        _node(sheet, Box(0, y + 6, NODE_W, NODE_H), b.component, b, chd)
        note = "No path to cardholder data within the step limit."
        sheet.text(NODE_W + 12, y + 6 + NODE_H / 2 + 2.5, note, sheet.fonts.regular, 7.5, MUTED)
        y = _weaknesses(sheet, 0, y + 6 + NODE_H, [w.text for w in b.weaknesses]) + 6
    for n, (target, path) in enumerate(chosen, start=1):
        if n > 1:
            sheet.line(0, y + 4, sheet.width, y + 4, strokeColor=FAINT, strokeWidth=0.5)
        y = _path(sheet, n, target, path, b, chd, y + 10)
    if hidden:
        more = f"{_count(hidden, 'more ranked path')} not drawn: see the table."
        y = _caption(sheet, more, y + 4, MUTED)
    legend(sheet, y + 8, _LEGEND)
    return FittedDrawing(sheet.drawing())


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _selected(targets: tuple[Target, ...], limit: int) -> tuple[list[tuple[Target, Path]], int]:
    """Every target's best path first (targets ranked), then the second best, and so on."""
    rounds = max((len(t.paths) for t in targets), default=0)
    ordered = [(t, t.paths[r]) for r in range(rounds) for t in targets if r < len(t.paths)]
    return ordered[:limit], max(0, len(ordered) - limit)


def _caption(sheet: Sheet, text: str, y: float, color: Any = INK) -> float:
    fitted = fit(
        text,
        sheet.fonts.regular,
        sheet.width,
        size=7.5,
        floor=6,
        max_lines=2,
        fallbacks=sheet.fallbacks,
    )
    return sheet.lines(0, y, fitted, color)


def _path(
    sheet: Sheet, n: int, target: Target, path: Path, b: Beachhead, chd: set[str], top: float
) -> float:
    """One path from `top`: its heading, then its chain over as many lines as it needs."""
    steps = f"{path.length} step{'s' if path.length != 1 else ''}"
    heading = f"Path {n} to {target.component} · {steps}"
    fitted = fit(
        heading,
        sheet.fonts.bold,
        sheet.width - 60,
        size=7.5,
        floor=6,
        max_lines=1,
        fallbacks=sheet.fallbacks,
    )
    w = sheet.text(0, top + 7, fitted.lines[0], fitted.font, fitted.size, INK)
    _severity(sheet, w + 6, top, path.severity)
    y = top + 12
    weak: dict[str, list[str]] = {}
    for wk in path.weaknesses:
        weak.setdefault(wk.component, []).append(wk.text)
    slots = _slots(len(path.nodes))
    for line in sorted({ln for ln, _ in slots}):
        on_line = [i for i, (ln, _) in enumerate(slots) if ln == line]
        labels = [_via(sheet, path, i) for i in on_line if i > 0]
        lift = max((lb.height for lb in labels), default=0) - NODE_H / 2 + 4
        row_top = y + max(lift, 2)
        bottom = row_top + NODE_H
        for i in on_line:
            x = slots[i][1] * (NODE_W + STEP_W)
            box = Box(x, row_top, NODE_W, NODE_H)
            _node(sheet, box, path.nodes[i], b, chd)
            bottom = max(bottom, _weaknesses(sheet, x, box.bottom, weak.get(path.nodes[i], [])))
            if i > 0:
                _step(sheet, path, i, x, row_top + NODE_H / 2, continued=i == on_line[0])
        y = bottom + 6
    return y


def _slots(count: int) -> list[tuple[int, int]]:
    """(line, column) of each node: four on the first line, then three after a leading step."""
    slots, line, column = [], 0, 0
    for _ in range(count):
        if column == PER_LINE:
            line, column = line + 1, 1
        slots.append((line, column))
        column += 1
    return slots


def _node(sheet: Sheet, box: Box, name: str, b: Beachhead, chd: set[str]) -> None:
    if name.startswith(HOST_PREFIX):
        node_box(
            sheet,
            box,
            f"host {name[len(HOST_PREFIX) :]}",
            "control of the host",
            node_style("host"),
        )
        return
    if name in chd:
        kind, detail = "cde", "cardholder data"
    elif name == b.component:
        kind, detail = ("facing", "internet-facing") if b.internet_facing else ("component", "")
    else:
        kind, detail = "component", ""
    node_box(sheet, box, name, detail, node_style(kind))


def _via(sheet: Sheet, path: Path, i: int) -> Fitted:
    step = path.steps[i - 1]
    strong = step.kind in STRONG_KINDS
    return fit(
        step.via,
        sheet.fonts.bold if strong else sheet.fonts.regular,
        STEP_W - 4,
        size=6,
        floor=4.5,
        max_lines=3,
        fallbacks=sheet.fallbacks,
    )


def _step(sheet: Sheet, path: Path, i: int, x: float, mid: float, *, continued: bool) -> None:
    """The arrow into node `i`, ending at its left edge, with its `via` above it."""
    step = path.steps[i - 1]
    strong = step.kind in STRONG_KINDS
    color = RED if strong else INK
    start = x - STEP_W + 3
    if continued:
        # The path carries on from the line above: a dot marks where it picks up.
        sheet.circle(start, mid, 2, fillColor=color, strokeColor=color)
    sheet.arrow([(start, mid), (x - 1, mid)], color, 1.7 if strong else 0.9)
    label = _via(sheet, path, i)
    sheet.lines(x - STEP_W / 2, mid - 3 - label.height, label, color, "middle")


def _weaknesses(sheet: Sheet, x: float, top: float, texts: list[str]) -> float:
    """The weaknesses of a node under its box, in the room up to the next box."""
    shown = texts[:MAX_WEAKNESSES]
    if len(texts) > MAX_WEAKNESSES:
        shown[-1] = f"+{len(texts) - MAX_WEAKNESSES + 1} more weaknesses"
    y = top + 1.5
    for text in shown:
        fitted = fit(
            f"• {text}",
            sheet.fonts.regular,
            NODE_W + STEP_W - 8,
            size=6,
            floor=5,
            max_lines=2,
            fallbacks=sheet.fallbacks,
        )
        y = sheet.lines(x + 1, y, fitted, DARK_RED)
    return y


def _severity(sheet: Sheet, x: float, top: float, severity: str) -> None:
    color = SEVERITY.get(severity, MUTED)
    w = width(severity, sheet.fonts.bold, 6) + 8
    sheet.rect(x, top, w, 9, rx=4.5, ry=4.5, fillColor=color, strokeColor=color)
    sheet.text(x + w / 2, top + 6.6, severity, sheet.fonts.bold, 6, WHITE, "middle")


_LEGEND = (
    Swatch(
        "box", "Beachhead (internet-facing)", node_style("facing").stroke, node_style("facing").fill
    ),
    Swatch("box", "Holds cardholder data", node_style("cde").stroke, node_style("cde").fill),
    Swatch("box", "Host", node_style("host").stroke, node_style("host").fill),
    Swatch("line", "Step over a network or port", INK),
    Swatch(
        "line",
        "Step that takes control (runtime socket, privileged, host namespaces)",
        RED,
        stroke_width=1.7,
    ),
    Swatch("box", "Component", node_style("component").stroke, node_style("component").fill),
)
