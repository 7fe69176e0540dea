"""Pictures in evidence previews: an image as it is, a PDF's first page rendered, and hostile
files (a broken PDF, a PNG that claims to be enormous, junk) described in a note, never a crash.
Opened from the item editor's evidence list with a double click."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot
from reportlab.pdfgen.canvas import Canvas

from auditapp.gui.main_window import MainWindow
from auditapp.gui.views.evidence_picture import picture_of
from auditapp.gui.views.evidence_preview import EvidencePreviewDialog
from auditapp.services import evidence
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, OFFICER

pytestmark = pytest.mark.gui


def two_page_pdf(path: Path) -> Path:
    canvas = Canvas(str(path))
    canvas.setFont("Helvetica-Bold", 40)
    canvas.drawString(72, 700, "Hardening standard v1.3")
    canvas.showPage()
    canvas.drawString(72, 700, "Page two")
    canvas.save()
    return path


def png(width: int, height: int, *, body: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = (
        body
        if body is not None
        else zlib.compress(b"".join(b"\0" + b"\xc0\x20\x20" * width for _ in range(height)))
    )
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_pdf_shows_its_first_page(tmp_path: Path) -> None:
    picture = picture_of(two_page_pdf(tmp_path / "s.pdf").read_bytes(), "application/pdf")
    assert picture is not None and picture.image is not None
    assert picture.note == "The PDF's first page (page 1 of 2); open it externally to read it all."
    image = picture.image
    assert image.height() > image.width() > 500  # A4 portrait, drawn large enough to read
    dark = sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(0, image.height() // 3, 4)
        if QColor(image.pixel(x, y)).lightness() < 100
    )
    assert dark > 50  # the heading's ink, not a blank page


def test_an_image_is_shown_as_it_is_and_a_big_one_scaled() -> None:
    small = picture_of(png(40, 30), "image/png")
    assert small is not None and small.image is not None and small.image.size().width() == 40
    assert QColor(small.image.pixel(5, 5)).red() == 0xC0
    wide = picture_of(png(3000, 10), "image/png")
    assert wide is not None and wide.image is not None and wide.image.width() == 1400


@pytest.mark.parametrize(
    ("data", "media_type", "note"),
    [
        (b"%PDF-1.7\n1 0 obj <<", "application/pdf", "The PDF cannot be shown:"),
        (b"\x89PNG\r\n\x1a\nnot really", "image/png", "The image cannot be shown:"),
        (
            png(60_000, 60_000, body=zlib.compress(b"\0" * 1000)),
            "image/png",
            "The image cannot be shown:",
        ),
    ],
    ids=["broken pdf", "junk png", "a png claiming 3.6 gigapixels"],
)
def test_hostile_pictures_are_a_note(data: bytes, media_type: str, note: str) -> None:
    picture = picture_of(data, media_type)
    assert picture is not None and picture.image is None
    assert picture.note.startswith(note)


def test_text_has_no_picture() -> None:
    assert picture_of(b'{"a": 1}', "application/json") is None


def test_double_clicking_an_items_evidence_previews_it(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow], tmp_path: Path
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    key = window.editor.key
    assert key is not None
    pdf = two_page_pdf(tmp_path / "hardening-standard.pdf")
    evidence.attach_file(team, Caller(member=OFFICER), pdf, item_key=key)
    window.editor.load(key)
    table = window.editor.evidence.table
    assert window.editor.evidence.model.rowCount() == 1
    where = table.visualRect(table.model().index(0, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)

    qtbot.waitUntil(lambda: window.editor.findChild(EvidencePreviewDialog) is not None)
    dialog = window.editor.findChild(EvidencePreviewDialog)
    assert dialog is not None
    preview = dialog.preview
    assert preview.picture_area.isVisibleTo(dialog) and not preview.text.isVisibleTo(dialog)
    assert not preview.picture.pixmap().isNull()
    assert "page 1 of 2" in preview.note.text()
    shot = tmp_path / "pdf-preview.png"
    assert dialog.grab().save(str(shot))
    image = QImage(str(shot))
    assert (
        len(
            {
                image.pixel(x, y)
                for x in range(0, image.width(), 5)
                for y in range(0, image.height(), 5)
            }
        )
        > 10
    )
    dialog.close()
