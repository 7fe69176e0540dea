"""The building blocks every section uses: headings that feed the outline and the table of
contents, paragraphs of user text, tables that repeat their header, and excerpts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle, XPreformatted

from auditapp.report.pdf.fonts import MONO, SANS_BOLD, clean, markup, runs, wrap_lines
from auditapp.report.pdf.styles import (
    BAND,
    FRAME_WIDTH,
    HEAD_FILL,
    INK,
    LABEL_FILL,
    MUTED,
    RULE,
    TABLE_FONT,
    styles,
)

Cell: TypeAlias = "str | Flowable"
# A table cell taller than a page cannot be laid out, so cell text is capped by column width;
# the full text lives in the companions.
_CHARS_PER_POINT = 8
_PADDING = 6.5  # left and right cell padding, with a hair to spare


@dataclass(frozen=True)
class OutlineEntry:
    key: str  # the bookmark name, unique in the document
    title: str  # plain text, as the PDF viewer's outline shows it
    level: int  # 0 numbered section, 1 sub-part, 2 checklist item
    toc: bool  # also listed in the table of contents


class Heading(Paragraph):  # type: ignore[misc]
    """A heading paragraph that the document template bookmarks and lists in the contents."""

    def __init__(
        self, number: str, title: str, level: int, *, toc: bool = True, outline: str = ""
    ) -> None:
        text = f"{number}  {title}" if number else title
        style = (styles().h0, styles().h1, styles().h2)[min(level, 2)]
        super().__init__(markup(text, style.fontName), style)
        plain = f"{number} {title}" if number else title
        self.outline_entry = OutlineEntry(f"h:{number or title}", outline or plain, level, toc)


class Mark(Flowable):  # type: ignore[misc]
    """An invisible outline entry, for a part whose page shows its title another way (the
    cover)."""

    def __init__(self, key: str, title: str, level: int, *, toc: bool = True) -> None:
        super().__init__()
        self.outline_entry = OutlineEntry(key, title, level, toc)
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


def para(text: str, style: Any = None) -> list[Flowable]:
    """User text as paragraphs: blank lines part paragraphs, single newlines break lines."""
    style = style or styles().body
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [
        Paragraph("<br/>".join(markup(line, style.fontName) for line in b.split("\n")), style)
        for b in blocks
        if b
    ]


def p(text: str, style: Any = None) -> Paragraph:
    """One paragraph of plain text (escaped)."""
    style = style or styles().body
    return Paragraph(markup(text, style.fontName), style)


def rich(fragments: Sequence[tuple[str, bool]], style: Any = None) -> Paragraph:
    """One paragraph of (text, bold) fragments, for "Label: value" lines."""
    style = style or styles().body
    parts = [f"<b>{markup(t)}</b>" if bold else markup(t) for t, bold in fragments]
    return Paragraph("".join(parts), style)


def subhead(text: str) -> Paragraph:
    """A bold line that stays with what follows it (a table's caption)."""
    return p(text, styles().h3)


def note(text: str) -> Paragraph:
    return p(text, styles().small)


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(value: Cell, width: float, mono: bool) -> Cell:
    if not isinstance(value, str):
        return value
    style = styles().cell_mono if mono else styles().cell
    text = clip(value, int(width * _CHARS_PER_POINT))
    # Plain lines lay out many times faster than a Paragraph, and a big audit has thousands of
    # cells: wrapped here, they stay strings unless a run needs the fallback font. The
    # table's style sets the same font for strings as the cell styles do.
    text = clean(text)
    if len(runs(text, style.fontName)) <= 1:
        lines = [
            wrapped
            for line in text.split("\n")
            for wrapped in wrap_lines(line, style.fontName, style.fontSize, width - _PADDING)
        ]
        return "\n".join(lines)
    return Paragraph("<br/>".join(markup(line, style.fontName) for line in text.split("\n")), style)


def _label(text: str, width: float) -> Cell:
    style = styles().label
    if _fits(text, style.fontName, style.fontSize, width - _PADDING):
        return clean(text)
    return Paragraph(markup(text, style.fontName), style)


def _fits(text: str, font: str, size: float, width: float) -> bool:
    found = runs(text, font)
    return len(found) <= 1 and stringWidth(text, font, size) <= width


def _cell_fonts(columns: Sequence[int], start_row: int) -> list[tuple[Any, ...]]:
    """Table style commands that set plain-string cells as the cell styles set Paragraphs."""
    cell, mono = styles().cell, styles().cell_mono
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, start_row), (-1, -1), cell.fontName),
        ("FONTSIZE", (0, start_row), (-1, -1), cell.fontSize),
        ("LEADING", (0, start_row), (-1, -1), cell.leading),
        ("TEXTCOLOR", (0, start_row), (-1, -1), INK),
    ]
    for c in columns:
        commands += [
            ("FONTNAME", (c, start_row), (c, -1), mono.fontName),
            ("FONTSIZE", (c, start_row), (c, -1), mono.fontSize),
            ("LEADING", (c, start_row), (c, -1), mono.leading),
        ]
    return commands


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    mono: Sequence[int] = (),
    empty: str = "None recorded.",
    extra: Sequence[tuple[Any, ...]] = (),
) -> Flowable:
    """A banded table whose header row repeats on every page it runs over. `widths` are
    fractions of the frame; `mono` lists the columns set in the monospaced font."""
    if not rows:
        return note(empty)
    points = [w * FRAME_WIDTH for w in widths]
    head = [Paragraph(markup(h, SANS_BOLD), styles().cell_head) for h in header]
    body = [[_cell(v, points[i], i in mono) for i, v in enumerate(row)] for row in rows]
    t = Table([head, *body], colWidths=points, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        TABLE_FONT,
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
        *_cell_fonts(mono, 1),
        *extra,
    ]
    t.setStyle(TableStyle(commands))
    return t


def kv_table(
    pairs: Sequence[tuple[str, Cell]],
    label_width: float = 0.24,
    *,
    per_row: int = 1,
    mono: Sequence[str] = (),
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """Label/value cells, labels shaded, `per_row` pairs to a row, for facts about one thing;
    `mono` names the labels whose values are set in the monospaced font (hashes, digests)."""
    value_width = 1 / per_row - label_width
    points = [label_width * FRAME_WIDTH, value_width * FRAME_WIDTH] * per_row
    data: list[list[Cell]] = []
    fonts = _cell_fonts((), 0)
    for start in range(0, len(pairs), per_row):
        row: list[Cell] = []
        for label, value in pairs[start : start + per_row]:
            row.append(_label(label, points[0]))
            row.append(_cell(value, points[1], label in mono))
            if label in mono:
                at = (len(row) - 1, len(data))
                mono_style = styles().cell_mono
                fonts += [
                    ("FONTNAME", at, at, mono_style.fontName),
                    ("FONTSIZE", at, at, mono_style.fontSize),
                    ("LEADING", at, at, mono_style.leading),
                ]
        row += [""] * (2 * per_row - len(row))
        data.append(row)
    t = Table(data, colWidths=points)
    label_columns = [("BACKGROUND", (2 * i, 0), (2 * i, -1), LABEL_FILL) for i in range(per_row)]
    label_columns += [("FONTNAME", (2 * i, 0), (2 * i, -1), SANS_BOLD) for i in range(per_row)]
    t.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                *fonts,
                *label_columns,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                *extra,
            ]
        )
    )
    return t


def excerpt(text: str, attachment: str, lines: int = 6, width: int = 104) -> list[Flowable]:
    """The first lines of a long text in the body, pointing to the attachment with all of it."""
    all_lines = text.replace("\r\n", "\n").split("\n")
    shown = [clean(clip(line, width)) for line in all_lines[:lines]]
    mono, small = styles().mono, styles().small
    # Set as they are, to keep the indentation of JSON and command output.
    body = lines_or_none("\n".join(shown), mono, INK, FRAME_WIDTH)
    more = len(all_lines) - len(shown)
    tail = f"({more} more lines; " if more > 0 else "("
    tail += f"complete in the attachment {attachment})"
    return [
        body or XPreformatted("\n".join(markup(x, MONO) for x in shown), mono),
        lines_or_none(tail, small, MUTED, FRAME_WIDTH) or note(tail),
    ]


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def joined(values: Sequence[str], empty: str = "–") -> str:
    return ", ".join(values) if values else empty


class Lines(Flowable):  # type: ignore[misc]
    """Lines set as they are, in one font and colour, spaces kept: severity cells, evidence
    excerpts. A big audit has thousands of them, and a Paragraph costs many times more."""

    def __init__(
        self, lines: Sequence[str], font: str, size: float, leading: float, colour: Any
    ) -> None:
        super().__init__()
        self.lines = tuple(lines)
        self.font, self.size, self.leading, self.colour = font, size, leading, colour

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = max((stringWidth(x, self.font, self.size) for x in self.lines), default=0)
        self.height = self.leading * len(self.lines)
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFont(self.font, self.size)
        self.canv.setFillColor(self.colour)
        for n, line in enumerate(self.lines, 1):
            # The baseline where a Paragraph of the same style puts the line.
            self.canv.drawString(0, self.height - n * self.leading + self.leading - self.size, line)


def lines_or_none(text: str, style: Any, colour: Any, width: float) -> Lines | None:
    """`text` as Lines in `style`'s font if that font has every glyph and each line fits."""
    lines = text.split("\n")
    if len(runs(text, style.fontName)) > 1:
        return None
    if any(stringWidth(x, style.fontName, style.fontSize) > width for x in lines):
        return None
    return Lines(lines, style.fontName, style.fontSize, style.leading, colour)


def coloured(text: str, colour: Any = None, *, bold: bool = True, width: float = 45) -> Flowable:
    """A table cell in colour, for severities and statuses; wraps only if wider than `width`."""
    colour = colour or INK
    style = styles().cell
    font = SANS_BOLD if bold else style.fontName
    lines = clean(text).split("\n")
    if all(_fits(line, font, style.fontSize, width - _PADDING) for line in lines):
        return Lines(lines, font, style.fontSize, style.leading, colour)
    inner = "<br/>".join(markup(line) for line in text.split("\n"))
    inner = f"<b>{inner}</b>" if bold else inner
    return Paragraph(f'<font color="#{colour.hexval()[2:]}">{inner}</font>', style)
