"""The delta report's document template: the package's page furniture (marking, audit, status,
page X of Y) and bookmarks, with the monitor run's status and the baseline's digest."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from auditapp.report.delta_model import COULD_NOT_CHECK, DELTA_MARKING, NEW_RISK, DeltaData
from auditapp.report.pdf.fonts import MONO, SANS, SANS_BOLD, draw_text, fit
from auditapp.report.pdf.page import KeepHeading, canvas_class
from auditapp.report.pdf.styles import (
    DRAFT_COLOUR,
    FINAL_COLOUR,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
)

INCOMPLETE_COLOUR = colors.HexColor("#a15c00")


def status_colour(status: int) -> Any:
    if status == NEW_RISK:
        return DRAFT_COLOUR
    if status == COULD_NOT_CHECK:
        return INCOMPLETE_COLOUR
    return FINAL_COLOUR


def identity(data: DeltaData) -> str:
    """What seeds the file's /ID: the baseline and the run, so it names this report."""
    return f"monitoring {data.baseline.sha256} run {data.run.id}"


class DeltaDocument(BaseDocTemplate):  # type: ignore[misc]
    """Two passes at least (multiBuild), each printing the page count the previous one ended
    with; the renderer lays out once more when the last pass printed a stale count."""

    def __init__(self, buffer: Any, data: DeltaData) -> None:
        super().__init__(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{data.audit}: what changed since sign-off (monitor run {data.run.id})",
            author=data.entity,
            subject=DELTA_MARKING,
            creator="auditapp",
            keywords=f"PCI DSS monitoring; baseline {data.baseline.sha256}",
            invariant=1,
            initialFontName=SANS,
            keepTogetherClass=KeepHeading,
        )
        self.data = data
        self.known_pages: int | None = None
        self.drawn_with: int | None = None
        frame = Frame(
            self.leftMargin, self.bottomMargin, self.width, self.height, id="body", showBoundary=0
        )
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._furnish)])

    def build(self, flowables: list[Flowable], **kwargs: Any) -> None:
        self.drawn_with = self.known_pages
        kwargs.setdefault("canvasmaker", canvas_class(self.data.as_of, identity(self.data)))
        super().build(flowables, **kwargs)
        self.known_pages = self.page

    def afterFlowable(self, flowable: Flowable) -> None:
        entry = getattr(flowable, "outline_entry", None)
        if entry is None:
            return
        top = self.frame._y + getattr(flowable, "height", 0) + 6
        self.canv.bookmarkPage(entry.key, fit="XYZ", left=0, top=top)
        self.canv.addOutlineEntry(entry.title, entry.key, level=entry.level, closed=False)

    def _furnish(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = PAGE
        data = self.data
        canvas.saveState()
        top = height - MARGIN_TOP + 24
        canvas.setFillColor(MUTED)
        draw_text(canvas, MARGIN_X, top, fit(DELTA_MARKING, SANS, 7.5, width - 200), SANS, 7.5)
        canvas.setFillColor(status_colour(data.run.status))
        draw_text(canvas, width - MARGIN_X, top, data.status_label, SANS_BOLD, 9, align="right")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top - 5, width - MARGIN_X, top - 5)
        bottom = MARGIN_BOTTOM - 24
        canvas.line(MARGIN_X, bottom + 10, width - MARGIN_X, bottom + 10)
        canvas.setFillColor(MUTED)
        total = self.drawn_with if self.drawn_with is not None else "?"
        page = f"page {canvas.getPageNumber()} of {total}"
        name = fit(
            f"{data.audit} · monitor run {data.run.id}", SANS, 7.5, width / 2 - MARGIN_X - 10
        )
        draw_text(canvas, MARGIN_X, bottom, name, SANS, 7.5)
        draw_text(canvas, width / 2 + 40, bottom, f"baseline {data.baseline.sha256[:16]}", MONO, 7)
        draw_text(canvas, width - MARGIN_X, bottom, page, SANS, 7.5, align="right")
        canvas.restoreState()
