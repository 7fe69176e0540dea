"""Drawing primitives shared by the diagrams: the palette, a sheet laid out top-down (the
diagrams grow downwards as they are laid out; reportlab counts y upwards), arrows, text in
boxes, legends, and the flowable that scales a drawing to fit the page frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Circle, Drawing, Line, Path, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.platypus import Flowable

from auditapp.report.pdf.diagram_text import Fitted, Fonts, fit, runs, width

# 17 cm of A4 portrait less the frame's own padding: the widest a diagram is drawn.
DIAGRAM_WIDTH = 468.0
# Taller drawings are scaled down so that one always fits on a page below the running header.
MAX_HEIGHT = 600.0

INK = colors.HexColor("#1F2937")
MUTED = colors.HexColor("#6B7280")
FAINT = colors.HexColor("#D1D5DB")
WHITE = colors.white
RED = colors.HexColor("#DC2626")
DARK_RED = colors.HexColor("#991B1B")
RED_TINT = colors.HexColor("#FEF2F2")
ORANGE = colors.HexColor("#C2410C")
ORANGE_TINT = colors.HexColor("#FFF7ED")
BLUE = colors.HexColor("#1D4ED8")
ZONE = colors.HexColor("#4338CA")
ZONE_TINT = colors.HexColor("#EEF2FF")
HOST = colors.HexColor("#374151")
HOST_TINT = colors.HexColor("#F3F4F6")
FRAME_TINT = colors.HexColor("#FAFAFA")
NETWORK_TINTS = tuple(
    colors.HexColor(c) for c in ("#E0F2FE", "#DCFCE7", "#EDE9FE", "#FEF9C3", "#FCE7F3", "#E2E8F0")
)
NETWORK_EDGES = tuple(
    colors.HexColor(c) for c in ("#0369A1", "#15803D", "#6D28D9", "#A16207", "#BE185D", "#475569")
)

DASHED = (4, 2)
DOTTED = (1, 2)

Op = Callable[[float], Any]  # draws itself once the sheet's height is known


class Sheet:
    """Shapes placed with y measured down from the top; `drawing()` flips them into a reportlab
    Drawing once the total height is known."""

    def __init__(self, fonts: Fonts, width: float = DIAGRAM_WIDTH) -> None:
        self.fonts = fonts
        self.fallbacks = fonts.usable_fallbacks()
        self.width = width
        self.bottom = 0.0
        self._ops: list[Op] = []

    def _reach(self, y: float) -> None:
        self.bottom = max(self.bottom, y)

    def rect(self, x: float, y: float, w: float, h: float, **style: Any) -> None:
        self._reach(y + h)
        self._ops.append(lambda hh: Rect(x, hh - y - h, w, h, **style))

    def line(self, x1: float, y1: float, x2: float, y2: float, **style: Any) -> None:
        self._reach(max(y1, y2))
        self._ops.append(lambda hh: Line(x1, hh - y1, x2, hh - y2, **style))

    def circle(self, x: float, y: float, r: float, **style: Any) -> None:
        self._reach(y + r)
        self._ops.append(lambda hh: Circle(x, hh - y, r, **style))

    def polygon(self, points: Sequence[tuple[float, float]], **style: Any) -> None:
        self._reach(max(p[1] for p in points))
        flat = [v for p in points for v in p]
        self._ops.append(
            lambda hh: Polygon([v if i % 2 == 0 else hh - v for i, v in enumerate(flat)], **style)
        )

    def curve(
        self,
        start: tuple[float, float],
        control: tuple[float, float],
        end: tuple[float, float],
        **style: Any,
    ) -> None:
        """A quadratic curve, drawn as the cubic Bézier reportlab knows."""
        (x0, y0), (cx, cy), (x1, y1) = start, control, end
        c1 = (x0 + 2 / 3 * (cx - x0), y0 + 2 / 3 * (cy - y0))
        c2 = (x1 + 2 / 3 * (cx - x1), y1 + 2 / 3 * (cy - y1))
        self._reach(max(y0, y1, cy))

        def make(hh: float) -> Path:
            p = Path(fillColor=None, **style)
            p.moveTo(x0, hh - y0)
            p.curveTo(c1[0], hh - c1[1], c2[0], hh - c2[1], x1, hh - y1)
            return p

        self._ops.append(make)

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        font: str,
        size: float,
        color: Any = INK,
        anchor: str = "start",
    ) -> float:
        """One line of text, each glyph in a font that has it; returns its width."""
        pieces = list(runs(text, font, self.fallbacks))
        total = width(text, font, size, self.fallbacks)
        start = {"start": x, "middle": x - total / 2, "end": x - total}[anchor]
        self._reach(baseline + size * 0.3)
        for piece, f in pieces:
            at = start

            def make(hh: float, at: float = at, piece: str = piece, f: str = f) -> String:
                return String(at, hh - baseline, piece, fontName=f, fontSize=size, fillColor=color)

            self._ops.append(make)
            start += width(piece, f, size)
        return total

    def lines(
        self, x: float, top: float, fitted: Fitted, color: Any = INK, anchor: str = "start"
    ) -> float:
        """Fitted lines from `top` down; returns the y below the last."""
        y = top
        for line in fitted.lines:
            y += fitted.leading
            self.text(x, y - fitted.leading * 0.25, line, fitted.font, fitted.size, color, anchor)
        return y

    def arrow(
        self,
        points: Sequence[tuple[float, float]],
        color: Any,
        stroke: float = 0.8,
        dash: tuple[float, float] | None = None,
        head: float = 5.0,
    ) -> None:
        """A polyline ending in a filled arrowhead at the last point."""
        (xa, ya), (xb, yb) = points[-2], points[-1]
        angle = math.atan2(yb - ya, xb - xa)
        # The shaft stops at the head's base, so a thick line does not poke through its tip.
        base = (xb - head * 0.8 * math.cos(angle), yb - head * 0.8 * math.sin(angle))
        shaft = [*points[:-1], base]
        for (x1, y1), (x2, y2) in pairwise(shaft):
            self.line(x1, y1, x2, y2, strokeColor=color, strokeWidth=stroke, strokeDashArray=dash)
        self.head(points[-1], angle, color, head)

    def head(self, tip: tuple[float, float], angle: float, color: Any, size: float = 5.0) -> None:
        xb, yb = tip
        spread = 0.42
        left = (xb - size * math.cos(angle - spread), yb - size * math.sin(angle - spread))
        right = (xb - size * math.cos(angle + spread), yb - size * math.sin(angle + spread))
        self.polygon([tip, left, right], fillColor=color, strokeColor=color, strokeWidth=0.3)

    def drawing(self, pad: float = 2.0) -> Drawing:
        height = self.bottom + pad
        d = Drawing(self.width, height)
        for op in self._ops:
            d.add(op(height))
        return d


class FittedDrawing(Flowable):  # type: ignore[misc]
    """A drawing as a flowable, scaled down (never up) to the frame's width and to
    `max_height`, so a big deployment shrinks instead of running off the page."""

    def __init__(self, drawing: Drawing, max_height: float = MAX_HEIGHT) -> None:
        super().__init__()
        # reportlab opens every drawing with Helvetica selected, which would put an
        # unembedded font in the PDF; start with the embedded sans instead
        drawing.initialFontName = "DejaVuSans"
        self.drawing = drawing
        self.max_height = max_height
        self.hAlign = "CENTER"
        self.scale = 1.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        w, h = float(self.drawing.width), float(self.drawing.height)
        self.scale = min(1.0, avail_width / w, self.max_height / h)
        self.width, self.height = w * self.scale, h * self.scale
        return self.width, self.height

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.scale(self.scale, self.scale)
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        self.canv.restoreState()


@dataclass(frozen=True)
class Swatch:
    """A legend entry: how it is drawn ("box", "line", "pill", "band") and what it means."""

    kind: str
    label: str
    stroke: Any = INK
    fill: Any = WHITE
    dash: tuple[float, float] | None = None
    stroke_width: float = 0.8


def legend(sheet: Sheet, top: float, swatches: Sequence[Swatch], title: str = "Legend") -> float:
    """Legend entries in columns under `top`; returns the y below them."""
    size = 6.5
    sheet.text(0, top + 8, title, sheet.fonts.bold, 7, MUTED)
    columns = 3
    col_w = sheet.width / columns
    row_h = 12.0
    y0 = top + 12
    for i, s in enumerate(swatches):
        x = (i % columns) * col_w
        y = y0 + (i // columns) * row_h
        _swatch(sheet, x, y, s)
        label = fit(
            s.label,
            sheet.fonts.regular,
            col_w - 30,
            size=size,
            floor=5,
            max_lines=2,
            fallbacks=sheet.fallbacks,
        )
        sheet.lines(x + 26, y + 5 - label.height / 2, label, INK)
    rows = math.ceil(len(swatches) / columns)
    return y0 + rows * row_h


def _swatch(sheet: Sheet, x: float, y: float, s: Swatch) -> None:
    match s.kind:
        case "line":
            sheet.arrow([(x, y + 5), (x + 21, y + 5)], s.stroke, s.stroke_width, s.dash, head=4)
        case "pill":
            sheet.rect(
                x, y + 1, 21, 8, rx=4, ry=4, fillColor=s.fill, strokeColor=s.stroke, strokeWidth=0.6
            )
        case _:
            sheet.rect(
                x,
                y,
                21,
                10,
                fillColor=s.fill,
                strokeColor=s.stroke,
                strokeWidth=s.stroke_width,
                strokeDashArray=s.dash,
                rx=2 if s.kind == "box" else 0,
                ry=2 if s.kind == "box" else 0,
            )
