"""Node boxes, arrow labels, the cardholder-data boundary and the empty-diagram notice: the
pieces the network, data-flow and blast-path diagrams draw alike, so they look alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditapp.report.pdf.diagram_layout import Box, LabelPlacer, Segment
from auditapp.report.pdf.diagram_shapes import (
    DASHED,
    HOST,
    HOST_TINT,
    INK,
    MUTED,
    ORANGE,
    ORANGE_TINT,
    RED,
    RED_TINT,
    WHITE,
    ZONE,
    ZONE_TINT,
    Sheet,
)
from auditapp.report.pdf.diagram_text import fit, width


@dataclass(frozen=True)
class NodeStyle:
    stroke: Any
    fill: Any
    dash: tuple[float, float] | None = None
    stroke_width: float = 0.8
    radius: float = 3.0


_STYLES = {
    "zone": NodeStyle(ZONE, ZONE_TINT, radius=9.0),
    "pseudo": NodeStyle(MUTED, WHITE, (2, 2), radius=9.0),
    "component": NodeStyle(INK, WHITE),
    "facing": NodeStyle(ORANGE, ORANGE_TINT, stroke_width=1.1),
    "cde": NodeStyle(RED, RED_TINT, stroke_width=1.1),
    "host": NodeStyle(HOST, HOST_TINT, stroke_width=1.1, radius=0.0),
}


def node_style(kind: str) -> NodeStyle:
    return _STYLES[kind]


def node_box(
    sheet: Sheet, box: Box, title: str, detail: str, style: NodeStyle, title_size: float = 7.5
) -> None:
    """A box with its name (bold, up to two lines, shrunk or cut to fit) and a detail line."""
    sheet.rect(
        box.x,
        box.y,
        box.w,
        box.h,
        rx=style.radius,
        ry=style.radius,
        fillColor=style.fill,
        strokeColor=style.stroke,
        strokeWidth=style.stroke_width,
        strokeDashArray=style.dash,
    )
    room = box.w - 6
    fonts = sheet.fonts
    name = fit(
        title, fonts.bold, room, size=title_size, floor=5.5, max_lines=3, fallbacks=sheet.fallbacks
    )
    note = (
        fit(detail, fonts.regular, room, size=6, floor=5, max_lines=1, fallbacks=sheet.fallbacks)
        if detail
        else None
    )
    total = name.height + (note.height if note else 0)
    cx = box.x + box.w / 2
    y = sheet.lines(cx, box.y + (box.h - total) / 2, name, INK, "middle")
    if note is not None:
        sheet.lines(cx, y, note, MUTED, "middle")


def flow_label(
    sheet: Sheet,
    placer: LabelPlacer,
    segment: Segment,
    lines: Sequence[str],
    color: Any,
    *,
    warn: bool = False,
    max_width: float = 96.0,
) -> Box:
    """A small white label on an arrow, placed where it hides no box and no other label."""
    fonts = sheet.fonts
    fitted = [
        fit(
            line,
            fonts.bold if warn and i == len(lines) - 1 else fonts.regular,
            max_width,
            size=6,
            floor=5,
            max_lines=1,
            fallbacks=sheet.fallbacks,
        )
        for i, line in enumerate(lines)
    ]
    w = max(width(f.lines[0], f.font, f.size, sheet.fallbacks) for f in fitted) + 6
    h = sum(f.height for f in fitted) + 3
    box = placer.place(segment, w, h)
    sheet.rect(
        box.x,
        box.y,
        box.w,
        box.h,
        rx=2,
        ry=2,
        fillColor=WHITE,
        strokeColor=RED if warn else color,
        strokeWidth=1.0 if warn else 0.4,
    )
    y = box.y + 1.5
    for i, f in enumerate(fitted):
        last_warn = warn and i == len(fitted) - 1
        y = sheet.lines(box.x + box.w / 2, y, f, RED if last_warn else INK, "middle")
    return box


def boundary(sheet: Sheet, regions: Sequence[Box], label: str) -> list[Box]:
    """The dashed red cardholder-data boundary around `regions` (the cardholder-data side of
    each row that has one); returns the box of its label, for other labels to avoid."""
    if not regions:
        return []
    left = max(0.5, min(r.x for r in regions) - 7)
    right = min(sheet.width - 0.5, max(r.x + r.w for r in regions) + 7)
    top = min(r.y for r in regions) - 17
    bottom = max(r.bottom for r in regions) + 6
    sheet.rect(
        left,
        top,
        right - left,
        bottom - top,
        rx=6,
        ry=6,
        fillColor=None,
        strokeColor=RED,
        strokeWidth=1.2,
        strokeDashArray=DASHED,
    )
    room = right - left - 10
    if width(label, sheet.fonts.bold, 6, sheet.fallbacks) > room:
        label = "CDE"  # the legend spells it out
    fitted = fit(
        label, sheet.fonts.bold, room, size=6.5, floor=5, max_lines=1, fallbacks=sheet.fallbacks
    )
    sheet.lines(left + 5, top + 3, fitted, RED)
    drawn = width(fitted.lines[0], fitted.font, fitted.size, sheet.fallbacks)
    return [Box(left + 3, top + 1, drawn + 4, fitted.height + 2)]


def empty(sheet: Sheet, message: str) -> None:
    """The whole diagram when there is nothing to draw: a small box that says so."""
    w, h = 260.0, 34.0
    x = (sheet.width - w) / 2
    sheet.rect(
        x,
        2,
        w,
        h,
        rx=4,
        ry=4,
        fillColor=HOST_TINT,
        strokeColor=MUTED,
        strokeWidth=0.6,
        strokeDashArray=(3, 2),
    )
    fitted = fit(
        message,
        sheet.fonts.regular,
        w - 12,
        size=7.5,
        floor=6,
        max_lines=2,
        fallbacks=sheet.fallbacks,
    )
    sheet.lines(sheet.width / 2, 2 + (h - fitted.height) / 2, fitted, MUTED, "middle")
