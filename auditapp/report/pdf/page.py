"""The document template: page furniture on every page (the marking, audit, status, page X of
Y), bookmarks and contents entries for headings, and a creation date taken from the data."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
)

from auditapp.report.model import MARKING, ReportData
from auditapp.report.pdf.fonts import MONO, SANS, SANS_BOLD, draw_text, fit, markup
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


def _stamp(at: datetime) -> TimeStamp:
    """reportlab's time stamp, set to `at` (UTC) instead of the clock or its invariant 2000."""
    utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    stamp = TimeStamp(invariant=1)
    stamp.t = utc.timestamp()
    stamp.lt = utc.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


def canvas_class(at: datetime, fingerprint: str) -> type[Canvas]:
    class PackageCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _stamp(at)
            # The file /ID grows from this digest: seed it from the package, so it names the
            # package rather than reportlab's fixed invariant stamp.
            self._doc.signature = hashlib.md5(
                f"auditapp {fingerprint}".encode(), usedforsecurity=False
            )

    return PackageCanvas


def _skip_drawing(*args: Any, **kwargs: Any) -> None:
    return None


class LayoutFrame(Frame):  # type: ignore[misc]
    """A frame that, on a layout-only pass, places flowables without drawing them: the first
    pass only finds where pages break and on which page each heading lands, and drawing a big
    audit's tables is most of a pass's time."""

    def add(self, flowable: Flowable, canv: Canvas, trySplit: int = 0) -> int:
        if not getattr(canv, "layout_only", False):
            return int(super().add(flowable, canv, trySplit))
        # This instance only, for this placement; through __dict__, as Drawings refuse
        # attributes they do not declare.
        flowable.__dict__["drawOn"] = _skip_drawing
        try:
            return int(super().add(flowable, canv, trySplit))
        finally:
            del flowable.__dict__["drawOn"]

    _add = add


class KeepHeading(KeepTogether):  # type: ignore[misc]
    """A heading kept with what follows it. When that is a table or text that runs over pages
    anyway, it starts where it is if at least `ROOM` is left, rather than leaving half a page
    empty; a drawing, which cannot split, still moves to the next page with its heading."""

    ROOM = 180

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (avail_width, avail_height):
            self.wrap(avail_width, avail_height)
        splits = isinstance(self._content[-1], Table | Paragraph)
        if splits and self._H > avail_height >= self.ROOM:
            return list(self._content)
        return list(super().split(avail_width, avail_height))


class PackageDocument(BaseDocTemplate):  # type: ignore[misc]
    """Page X of Y needs Y before any page is drawn: multiBuild runs at least two passes (the
    contents need them too), and each pass draws with the count the one before ended with."""

    def __init__(self, buffer: Any, data: ReportData, fingerprint: str) -> None:
        audit = data.audit
        super().__init__(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{audit.name}: pre-assessment evidence package",
            author=audit.entity,
            subject=MARKING,
            creator="auditapp",
            keywords=f"PCI DSS {audit.pci_dss_version}; package {fingerprint}",
            invariant=1,
            initialFontName=SANS,
            keepTogetherClass=KeepHeading,
        )
        self.data = data
        self.fingerprint = fingerprint
        self.known_pages: int | None = None  # from the previous pass
        self.drawn_with: int | None = None  # what this pass printed as Y
        self.passes = 0
        frame = LayoutFrame(
            self.leftMargin, self.bottomMargin, self.width, self.height, id="body", showBoundary=0
        )
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._furnish)])

    def build(self, flowables: list[Flowable], **kwargs: Any) -> None:
        """One pass. The first of a multiBuild only lays out (the contents always need a
        second pass, which draws): its canvas is thrown away."""
        self.drawn_with = self.known_pages
        self.passes += 1
        maker = canvas_class(self.data.audit.as_of, self.fingerprint)
        layout_only = self.passes == 1

        def canvas(*args: Any, **kw: Any) -> Canvas:
            made = maker(*args, **kw)
            made.layout_only = layout_only
            return made

        kwargs.setdefault("canvasmaker", canvas)
        super().build(flowables, **kwargs)
        self.known_pages = self.page

    def _allSatisfied(self) -> bool:
        # A layout-only pass drew nothing: never the last.
        return self.passes > 1 and bool(super()._allSatisfied())

    def afterFlowable(self, flowable: Flowable) -> None:
        entry = getattr(flowable, "outline_entry", None)
        if entry is None:
            return
        canvas = self.canv
        top = self.frame._y + getattr(flowable, "height", 0) + 6
        canvas.bookmarkPage(entry.key, fit="XYZ", left=0, top=top)
        canvas.addOutlineEntry(entry.title, entry.key, level=entry.level, closed=entry.level >= 1)
        if entry.toc:
            self.notify("TOCEntry", (entry.level, markup(entry.title), self.page, entry.key))

    def _furnish(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """Header and footer, drawn before the page's content. A draft says so in red at the
        top of every page; no diagonal watermark, which would break copied and searched text."""
        if getattr(canvas, "layout_only", False):
            return
        width, height = PAGE
        status = self.data.status_label
        colour = FINAL_COLOUR if status == "FINAL" else DRAFT_COLOUR
        canvas.saveState()
        top = height - MARGIN_TOP + 24
        canvas.setFillColor(MUTED)
        marking = fit(MARKING, SANS, 7.5, width - 2 * MARGIN_X - 60)
        draw_text(canvas, MARGIN_X, top, marking, SANS, 7.5)
        canvas.setFillColor(colour)
        draw_text(canvas, width - MARGIN_X, top, status, SANS_BOLD, 9, align="right")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top - 5, width - MARGIN_X, top - 5)
        bottom = MARGIN_BOTTOM - 24
        canvas.line(MARGIN_X, bottom + 10, width - MARGIN_X, bottom + 10)
        canvas.setFillColor(MUTED)
        total = self.drawn_with if self.drawn_with is not None else "?"
        page = f"page {canvas.getPageNumber()} of {total}"
        name = fit(f"{self.data.audit.name} · {status}", SANS, 7.5, width / 2 - MARGIN_X - 10)
        draw_text(canvas, MARGIN_X, bottom, name, SANS, 7.5)
        draw_text(canvas, width / 2 + 40, bottom, f"package {self.fingerprint[:16]}", MONO, 7)
        draw_text(canvas, width - MARGIN_X, bottom, page, SANS, 7.5, align="right")
        canvas.restoreState()
