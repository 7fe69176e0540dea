"""The shipped fonts, and text made safe for them: escaped Paragraph markup whose runs of
characters the main font lacks (Chinese, Japanese, Korean) are set in the fallback font.

The fonts ship in resources/fonts, so every machine embeds the same glyphs and the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from auditapp.resources import resource_path

# The names the diagrams look for too, so each font is loaded and embedded once.
SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"
FALLBACK = "DroidSansFallback"  # CJK, which DejaVu lacks

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
    FALLBACK: "DroidSansFallbackFull.ttf",
}
# Control characters other than tab and newline mean nothing on paper and upset the
# Paragraph parser; they become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Run:
    font: str
    text: str


@cache
def register_fonts() -> tuple[str, ...]:
    """Register the shipped fonts with reportlab once per process; returns their names."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file_name in _FILES.items():
        if name not in registered:  # the diagrams may have loaded it, from the same file
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
    # <b> inside Paragraph markup picks the bold face through these mappings.
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)
    addMapping(SANS_BOLD, 0, 0, SANS_BOLD)
    addMapping(SANS_BOLD, 1, 0, SANS_BOLD)
    for face in (MONO, FALLBACK):
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(face, bold, italic, face)
    return tuple(_FILES)


@cache
def _coverage(font: str) -> frozenset[int]:
    register_fonts()
    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph)


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def runs(text: str, font: str = SANS) -> list[Run]:
    """`text` cut into runs, each in `font` or, where `font` has no glyph for a character and
    the fallback has, in the fallback. Characters neither has stay in `font`."""
    main, fallback = _coverage(font), _coverage(FALLBACK)
    text = clean(text)
    if frozenset(map(ord, text)) <= main:  # the usual case, decided at C speed
        return [Run(font, text)] if text else []
    found: list[Run] = []
    for ch in text:
        code = ord(ch)
        face = FALLBACK if code not in main and code in fallback else font
        if found and found[-1].font == face:
            found[-1] = Run(face, found[-1].text + ch)
        else:
            found.append(Run(face, ch))
    return found


def markup(text: str, font: str = SANS) -> str:
    """Escaped Paragraph markup for user text, with fallback runs wrapped in <font>."""
    parts = []
    for run in runs(text, font):
        escaped = escape(run.text)
        parts.append(escaped if run.font == font else f'<font face="{run.font}">{escaped}</font>')
    return "".join(parts)


def text_width(text: str, font: str, size: float) -> float:
    return float(sum(stringWidth(r.text, r.font, size) for r in runs(text, font)))


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` shortened with an ellipsis until it fits `width` (for one-line page furniture)."""
    if text_width(text, font, size) <= width:
        return text
    # No glyph is narrower than a quarter em: what cannot fit is cut at once, not char by char.
    text = text[: int(width / (size * 0.25)) + 1]
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` (one font, no newlines) broken into lines no wider than `width`: at spaces, and
    inside a word only when the word alone is too wide (hashes, digests, long paths)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while stringWidth(word, font, size) > width and len(word) > 1:
            cut = _longest_prefix(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    lines.append(line)
    return lines


def _longest_prefix(word: str, font: str, size: float, width: float) -> int:
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(word[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left"
) -> None:
    """Draw one line straight on the canvas, switching fonts per run (for headers and footers,
    which are not Paragraphs). `align` is left, right or centre about `x`."""
    width = text_width(text, font, size)
    if align == "right":
        x -= width
    elif align == "centre":
        x -= width / 2
    for run in runs(text, font):
        canvas.setFont(run.font, size)
        canvas.drawString(x, y, run.text)
        x += stringWidth(run.text, run.font, size)
