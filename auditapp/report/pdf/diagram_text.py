"""Text for the diagrams: the fonts they draw with, and names fitted into boxes (wrapped, shrunk
down to a floor, then cut with an ellipsis), in any script.

Boxes have fixed sizes, so every label is measured before it is drawn; a glyph the main font
lacks (東京 in DejaVu) is drawn in the first fallback font that has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from auditapp.resources import resource_path

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FALLBACK = "DroidSansFallback"  # CJK and other scripts DejaVu does not cover
ELLIPSIS = "…"
_FILES = {
    REGULAR: ("DejaVuSans.ttf",),
    BOLD: ("DejaVuSans-Bold.ttf",),
    FALLBACK: ("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"),
}
# Where fonts are found when the package ships none yet: Debian's and Fedora's font packages.
_SYSTEM_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/truetype/droid"),
    Path("/usr/share/fonts/google-droid-sans-fonts"),
)
# Where a line may break inside a name: after separators, so "payment-gateway" splits at "-".
_TOKENS = re.compile(r"\s+|[^\s\-_./:@,]+[\-_./:@,]*|[\-_./:@,]+")


def register_diagram_fonts() -> tuple[str, ...]:
    """Register the diagrams' fonts with reportlab unless already registered (by the PDF's own
    font set-up, say); returns the names available. Safe to call any number of times."""
    available = []
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, files in _FILES.items():
        if name not in registered:
            path = _find(files)
            if path is None:
                continue
            pdfmetrics.registerFont(TTFont(name, str(path)))
        available.append(name)
    return tuple(available)


def _find(files: tuple[str, ...]) -> Path | None:
    for folder in (resource_path("fonts"), *_SYSTEM_DIRS):
        for file in files:
            if (folder / file).is_file():
                return folder / file
    return None


@dataclass(frozen=True)
class Fonts:
    regular: str = REGULAR
    bold: str = BOLD
    fallbacks: tuple[str, ...] = (FALLBACK,)

    def usable_fallbacks(self) -> tuple[str, ...]:
        registered = set(pdfmetrics.getRegisteredFontNames())
        return tuple(f for f in self.fallbacks if f in registered)


@cache
def _glyphs(font: str) -> frozenset[int] | None:
    """The code points a TrueType font has; None for a standard font (no table to ask)."""
    face = getattr(pdfmetrics.getFont(font), "face", None)
    table = getattr(face, "charToGlyph", None)
    return frozenset(table) if isinstance(table, dict) else None


def _has(font: str, char: str) -> bool:
    glyphs = _glyphs(font)
    return glyphs is None or ord(char) in glyphs or char.isspace()


def runs(text: str, font: str, fallbacks: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """`text` cut into (piece, font) runs: each character in the first font that has it."""
    current, piece = font, ""
    for char in text:
        chosen = font
        if not _has(font, char):
            chosen = next((f for f in fallbacks if _has(f, char)), font)
        if chosen != current and piece:
            yield piece, current
            piece = ""
        current = chosen
        piece += char
    if piece:
        yield piece, current


def width(text: str, font: str, size: float, fallbacks: tuple[str, ...] = ()) -> float:
    total = 0.0
    for piece, f in runs(text, font, fallbacks):
        total += pdfmetrics.stringWidth(piece, f, size)
    return float(total)


@dataclass(frozen=True)
class Fitted:
    """Lines of text and the size they fit at."""

    lines: tuple[str, ...]
    size: float
    font: str

    @property
    def leading(self) -> float:
        return self.size * 1.18

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def fit(
    text: str,
    font: str,
    room: float,
    *,
    size: float,
    floor: float,
    max_lines: int = 2,
    fallbacks: tuple[str, ...] = (),
) -> Fitted:
    """Wrap `text` into at most `max_lines` lines no wider than `room`, shrinking the font by
    half points from `size` to `floor`; what still does not fit at the floor is cut with …"""
    text = " ".join(text.split())
    # Shrinking beats breaking a word in two: whole words first, then any place at all.
    for whole_words in (True, False):
        s = size
        while s >= floor:
            lines = _wrap(text, font, s, room, fallbacks, whole_words)
            if lines is not None and len(lines) <= max_lines:
                return Fitted(tuple(lines), s, font)
            s -= 0.5
    lines = _wrap(text, font, floor, room, fallbacks, False) or [text]
    kept = lines[:max_lines]
    if len(lines) > max_lines:
        kept[-1] = _cut(kept[-1] + ELLIPSIS, font, floor, room, fallbacks)
    return Fitted(tuple(kept), floor, font)


def _wrap(
    text: str, font: str, size: float, room: float, fallbacks: tuple[str, ...], whole_words: bool
) -> list[str] | None:
    """Greedy lines; None when `whole_words` and a single word is wider than `room`."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if width(line + token, font, size, fallbacks) <= room:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        if whole_words and width(line, font, size, fallbacks) > room:
            return None
        while line and width(line, font, size, fallbacks) > room:
            head = _longest_prefix(line, font, size, room, fallbacks)
            lines.append(head)
            line = line[len(head) :]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _longest_prefix(
    text: str, font: str, size: float, room: float, fallbacks: tuple[str, ...]
) -> str:
    for end in range(len(text), 0, -1):
        if width(text[:end], font, size, fallbacks) <= room:
            return text[:end]
    return text[:1]  # a single glyph wider than the box still has to go somewhere


def _cut(text: str, font: str, size: float, room: float, fallbacks: tuple[str, ...]) -> str:
    """`text` (ending in …) shortened until it fits, keeping the ellipsis."""
    body = text[: -len(ELLIPSIS)].rstrip()
    while body and width(body + ELLIPSIS, font, size, fallbacks) > room:
        body = body[:-1].rstrip()
    return body + ELLIPSIS
