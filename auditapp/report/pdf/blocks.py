"""The building blocks every section uses: headings that feed the outline and the table of
contents, paragraphs of user text, tables that repeat their header, and excerpts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle, XPreformatted

from auditapp.report.pdf.fonts import MONO, SANS_BOLD, markup
from auditapp.report.pdf.styles import (
    BAND,
    FRAME_WIDTH,
    HEAD_FILL,
    INK,
    LABEL_FILL,
    RULE,
    TABLE_FONT,
    styles,
)

Cell: TypeAlias = "str | Flowable"
# A table cell taller than a page cannot be laid out, so cell text is capped by column width;
# the full text lives in the companions.
_CHARS_PER_POINT = 8


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


def _cell(value: Cell, width: float, mono: bool) -> Flowable:
    if not isinstance(value, str):
        return value
    style = styles().cell_mono if mono else styles().cell
    text = clip(value, int(width * _CHARS_PER_POINT))
    return Paragraph("<br/>".join(markup(line, style.fontName) for line in text.split("\n")), style)


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
    data: list[list[Flowable]] = []
    for start in range(0, len(pairs), per_row):
        row: list[Flowable] = []
        for label, value in pairs[start : start + per_row]:
            row.append(Paragraph(markup(label, SANS_BOLD), styles().label))
            row.append(_cell(value, points[1], label in mono))
        row += [Paragraph("", styles().cell)] * (2 * per_row - len(row))
        data.append(row)
    t = Table(data, colWidths=points)
    label_columns = [("BACKGROUND", (2 * i, 0), (2 * i, -1), LABEL_FILL) for i in range(per_row)]
    t.setStyle(
        TableStyle(
            [
                TABLE_FONT,
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
    shown = [clip(line, width) for line in all_lines[:lines]]
    # Preformatted keeps the indentation of JSON and command output.
    flowables: list[Flowable] = [
        XPreformatted("\n".join(markup(x, MONO) for x in shown), styles().mono)
    ]
    more = len(all_lines) - len(shown)
    tail = f"{more} more lines; " if more > 0 else ""
    flowables.append(note(f"({tail}complete in the attachment {attachment})"))
    return flowables


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def joined(values: Sequence[str], empty: str = "–") -> str:
    return ", ".join(values) if values else empty


def coloured(text: str, colour: Any = None, *, bold: bool = True) -> Paragraph:
    """A table cell in colour, for severities and statuses."""
    colour = colour or INK
    inner = f"<b>{markup(text)}</b>" if bold else markup(text)
    return Paragraph(f'<font color="#{colour.hexval()[2:]}">{inner}</font>', styles().cell)
