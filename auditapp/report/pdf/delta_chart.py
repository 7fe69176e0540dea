"""The delta report's trend: new risk per week as vertical bars, drawn as vector graphics.

Drawn by hand rather than with a reportlab chart: weeks without a run must look different from
weeks whose runs found nothing new, and every label must be in the embedded font.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, Line, Rect, String

from auditapp.report.delta_model import DeltaWeek
from auditapp.report.pdf.fonts import SANS
from auditapp.report.pdf.styles import FRAME_WIDTH, INK, MUTED, RULE, SEVERITY_COLOURS

_HEIGHT = 150.0
_LEFT = 28.0  # room for the value axis
_BOTTOM = 30.0  # room for the week labels and the legend
_TOP = 12.0
_BAR = SEVERITY_COLOURS["high"]


def nice_top(largest: int) -> tuple[int, int]:
    """The axis's top and step: a whole number of steps, at most five, covering `largest`."""
    if largest <= 0:
        return 1, 1
    step = max(1, -(-largest // 4))
    return step * -(-largest // step), step


def trend_chart(weeks: Sequence[DeltaWeek]) -> Drawing:
    drawing = Drawing(FRAME_WIDTH, _HEIGHT)
    drawing.initialFontName = SANS  # else the renderer's first state references Helvetica
    plot_w = FRAME_WIDTH - _LEFT - 4
    plot_h = _HEIGHT - _BOTTOM - _TOP
    top, step = nice_top(max((w.new for w in weeks), default=0))
    for value in range(0, top + 1, step):
        y = _BOTTOM + plot_h * value / top
        drawing.add(Line(_LEFT, y, _LEFT + plot_w, y, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(
            String(_LEFT - 4, y - 2.5, str(value), fontName=SANS, fontSize=7,
                   fillColor=MUTED, textAnchor="end")
        )  # fmt: skip
    drawing.add(Line(_LEFT, _BOTTOM, _LEFT + plot_w, _BOTTOM, strokeColor=MUTED, strokeWidth=0.6))
    slot = plot_w / max(len(weeks), 1)
    bar_w = min(28.0, slot * 0.6)
    for i, week in enumerate(weeks):
        x = _LEFT + slot * i + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if week.runs == 0:  # no run that week: a hollow outline, not a zero
            drawing.add(
                Rect(x, _BOTTOM, bar_w, 3, fillColor=None, strokeColor=MUTED, strokeWidth=0.4,
                     strokeDashArray=[1.5, 1.5])
            )  # fmt: skip
        elif week.new:
            height = plot_h * week.new / top
            drawing.add(Rect(x, _BOTTOM, bar_w, height, fillColor=_BAR, strokeColor=None))
            drawing.add(
                String(centre, _BOTTOM + height + 2, str(week.new), fontName=SANS, fontSize=7,
                       fillColor=INK, textAnchor="middle")
            )  # fmt: skip
        else:  # runs that found nothing new: a zero that can be seen on the axis
            drawing.add(Rect(x, _BOTTOM, bar_w, 1.6, fillColor=INK, strokeColor=None))
            drawing.add(
                String(centre, _BOTTOM + 4, "0", fontName=SANS, fontSize=7, fillColor=INK,
                       textAnchor="middle")
            )  # fmt: skip
        drawing.add(
            String(centre, _BOTTOM - 10, week.week.strftime("%d %b"), fontName=SANS,
                   fontSize=6.5, fillColor=MUTED, textAnchor="middle")
        )  # fmt: skip
    drawing.add(Rect(_LEFT, 3, 8, 6, fillColor=_BAR, strokeColor=None))
    drawing.add(
        String(_LEFT + 12, 3.5, "changes first found that week (week starting Monday)",
               fontName=SANS, fontSize=6.5, fillColor=MUTED)
    )  # fmt: skip
    drawing.add(
        Rect(_LEFT + 230, 3, 8, 6, fillColor=None, strokeColor=MUTED, strokeWidth=0.4,
             strokeDashArray=[1.5, 1.5])
    )  # fmt: skip
    drawing.add(
        String(_LEFT + 242, 3.5, "no run that week", fontName=SANS, fontSize=6.5, fillColor=MUTED)
    )
    return drawing
