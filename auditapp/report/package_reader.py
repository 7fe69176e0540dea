"""Reading a package PDF that may come from anywhere: its embedded files, its revisions and the
text of its cover page, each failure turned into data that names what could not be read.

pypdf caps every decompressed stream (75 MB by default), so a compressed bomb inside a PDF
becomes an unreadable attachment rather than exhausted memory.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from pypdf import PdfReader

# A hostile or damaged file can make pypdf raise nearly anything (unsupported filters,
# recursion, bad zlib data, type confusion); at this boundary every failure is "unreadable".
_READ_ERRORS = (Exception,)


class UnreadablePdfError(Exception):
    """The bytes are not a PDF pypdf can open."""


@dataclass(frozen=True)
class Attachment:
    name: str  # the Unicode name (/UF), else /F, else the name-tree key
    data: bytes | None  # None: could not be read
    problem: str = ""


@contextlib.contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs every oddity of a damaged file; verify reports what matters in its own
    words instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def open_pdf(source: bytes | IO[bytes]) -> PdfReader:
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        reader = PdfReader(stream, strict=False)
        _ = reader.trailer["/Root"]
    except _READ_ERRORS as error:
        raise UnreadablePdfError(str(error) or error.__class__.__name__) from error
    return reader


def read_attachments(source: bytes | IO[bytes] | PdfReader) -> Iterator[Attachment]:
    reader = source if isinstance(source, PdfReader) else open_pdf(source)
    try:
        entries = list(reader.attachment_list)
    except _READ_ERRORS as error:
        raise UnreadablePdfError(f"its embedded files cannot be listed: {error}") from error
    for entry in entries:
        try:
            name = str(entry.alternative_name or entry.name)
        except _READ_ERRORS:
            name = str(entry.name)
        try:
            yield Attachment(name, bytes(entry.content))
        except _READ_ERRORS as error:
            yield Attachment(name, None, f"cannot be read: {error}")


def page_count(source: bytes | IO[bytes] | PdfReader) -> int:
    reader = source if isinstance(source, PdfReader) else open_pdf(source)
    try:
        return len(reader.pages)
    except _READ_ERRORS as error:
        raise UnreadablePdfError(f"its pages cannot be counted: {error}") from error


def cover_text(reader: PdfReader) -> str:
    """The text of page 1 with all white space removed, so a fingerprint broken over lines or
    into groups still reads as one string."""
    try:
        text = reader.pages[0].extract_text()
    except _READ_ERRORS as error:
        raise UnreadablePdfError(f"its cover page cannot be read: {error}") from error
    return "".join(text.split())
