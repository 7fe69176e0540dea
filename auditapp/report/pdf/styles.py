"""The look of the package: page geometry, colours and paragraph styles, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from auditapp.report.pdf.fonts import MONO, SANS, SANS_BOLD, register_fonts

PAGE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5f6368")
RULE = colors.HexColor("#b0b7c0")
HEAD_FILL = colors.HexColor("#1f3a5f")  # table header rows and section bars
BAND = colors.HexColor("#eef2f6")  # alternate table rows
LABEL_FILL = colors.HexColor("#e4e9ef")  # the label column of key/value tables
DRAFT_COLOUR = colors.HexColor("#b3261e")
FINAL_COLOUR = colors.HexColor("#1e6b35")

# One colour per checklist status, used by the chart, the legend and the status cells.
STATUS_COLOURS = {
    "in_place": colors.HexColor("#2e7d32"),
    "not_applicable": colors.HexColor("#78909c"),
    "not_tested": colors.HexColor("#f9a825"),
    "not_in_place": colors.HexColor("#c62828"),
    None: colors.HexColor("#d0d4d9"),
}
SEVERITY_COLOURS = {
    "critical": colors.HexColor("#8e0000"),
    "high": colors.HexColor("#c62828"),
    "medium": colors.HexColor("#ef6c00"),
    "low": colors.HexColor("#f9a825"),
    "info": colors.HexColor("#78909c"),
    "unknown": colors.HexColor("#9e9e9e"),
}
# Tables set a default font even where every cell is a Paragraph: make it ours, so no
# unembedded standard font is ever referenced.
TABLE_FONT = ("FONTNAME", (0, 0), (-1, -1), SANS)
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info", "unknown")


def severity_rank(severity: str) -> int:
    s = severity.lower()
    return SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else len(SEVERITY_ORDER)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    cell_mono: ParagraphStyle
    mono: ParagraphStyle
    h0: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    label: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    centre: ParagraphStyle
    right: ParagraphStyle
    toc0: ParagraphStyle
    toc1: ParagraphStyle


@cache
def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=13, textColor=INK)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=MUTED),
        cell=cell,
        cell_head=ParagraphStyle(
            "cell_head", parent=cell, fontName=SANS_BOLD, textColor=colors.white
        ),
        cell_mono=ParagraphStyle("cell_mono", parent=cell, fontName=MONO, fontSize=7, leading=9),
        mono=ParagraphStyle("mono", parent=body, fontName=MONO, fontSize=7.5, leading=9.5),
        h0=ParagraphStyle(
            "h0",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=16,
            leading=20,
            textColor=HEAD_FILL,
            spaceAfter=8,
            keepWithNext=True,
        ),
        h1=ParagraphStyle(
            "h1",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=12,
            leading=15,
            textColor=HEAD_FILL,
            spaceBefore=10,
            spaceAfter=5,
            keepWithNext=True,
        ),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=9.5,
            leading=12.5,
            spaceBefore=9,
            spaceAfter=3,
            keepWithNext=True,
        ),
        label=ParagraphStyle("label", parent=cell, fontName=SANS_BOLD),
        title=ParagraphStyle(
            "title", parent=body, fontName=SANS_BOLD, fontSize=22, leading=27, textColor=HEAD_FILL
        ),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=13, leading=17, textColor=MUTED),
        centre=ParagraphStyle("centre", parent=body, alignment=TA_CENTER),
        right=ParagraphStyle("right", parent=cell, alignment=TA_RIGHT),
        h3=ParagraphStyle(
            "h3", parent=body, fontName=SANS_BOLD, spaceBefore=4, spaceAfter=2, keepWithNext=True
        ),
        toc0=ParagraphStyle(
            "toc0", parent=body, fontName=SANS_BOLD, fontSize=9.5, leading=12, spaceBefore=5
        ),
        toc1=ParagraphStyle("toc1", parent=body, fontSize=8.5, leading=11, leftIndent=16),
    )
