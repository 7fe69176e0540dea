"""The executive summary's chart: item statuses per checklist section as stacked horizontal
bars, drawn as vector graphics."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from auditapp.report.model import SectionRow
from auditapp.report.pdf.fonts import SANS, fit, runs
from auditapp.report.pdf.styles import FRAME_WIDTH, INK, MUTED, STATUS_COLOURS
from auditapp.report.pdf.words import STATUS_ORDER, status_label

_LABEL_WIDTH = 190.0
_BAR = 16.0


def status_counts(section: SectionRow) -> dict[str | None, int]:
    counts: dict[str | None, int] = dict.fromkeys(STATUS_ORDER, 0)
    for item in section.items:
        counts[item.status if item.status in counts else None] += 1
    return counts


def status_chart(sections: tuple[SectionRow, ...]) -> Drawing:
    rows = list(sections)
    height = len(rows) * (_BAR + 8) + 60
    drawing = Drawing(FRAME_WIDTH, height)
    drawing.initialFontName = SANS  # the renderer's first state, else Helvetica is referenced
    chart = HorizontalBarChart()
    chart.x = _LABEL_WIDTH
    chart.y = 40
    chart.width = FRAME_WIDTH - _LABEL_WIDTH - 10
    chart.height = len(rows) * (_BAR + 8)
    # The first section on top, as in the table below it.
    ordered = list(reversed(rows))
    chart.data = [[status_counts(s)[status] for s in ordered] for status in STATUS_ORDER]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = ["" for _ in ordered]
    chart.categoryAxis.visibleTicks = False
    chart.categoryAxis.labels.fontName = SANS  # empty, but drawn: keep Helvetica out
    chart.barLabels.fontName = SANS
    chart.categoryAxis.strokeColor = MUTED
    chart.barWidth = _BAR
    chart.groupSpacing = 8
    chart.barSpacing = 0
    chart.valueAxis.valueMin = 0
    total = max((len(s.items) for s in rows), default=1) or 1
    step = max(1, -(-total // 5))
    chart.valueAxis.valueMax = step * -(-total // step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.strokeColor = MUTED
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = MUTED
    chart.valueAxis.gridStrokeWidth = 0.2
    for i, status in enumerate(STATUS_ORDER):
        chart.bars[i].fillColor = STATUS_COLOURS[status]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    # Labels drawn by hand: a category label cannot switch fonts for names in other scripts.
    step = chart.height / max(len(ordered), 1)
    for i, section in enumerate(ordered):
        y = chart.y + step * i + step / 2 - 3
        label = fit(f"{section.number}. {section.title}", SANS, 7.5, _LABEL_WIDTH - 8)
        x = 0.0
        for run in runs(label, SANS):
            drawing.add(String(x, y, run.text, fontName=run.font, fontSize=7.5, fillColor=INK))
            x += stringWidth(run.text, run.font, 7.5)
    legend = Legend()
    legend.x = _LABEL_WIDTH
    legend.y = 12
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = SANS
    legend.fontSize = 7
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 4
    legend.deltax = (FRAME_WIDTH - _LABEL_WIDTH) / len(STATUS_ORDER)
    legend.autoXPadding = 4
    legend.colorNamePairs = [(STATUS_COLOURS[s], status_label(s)) for s in STATUS_ORDER]
    drawing.add(legend)
    return drawing
