"""A picture of an evidence item for its preview: an image as it is, a PDF's first page rendered
(pypdfium2, PDFium's Python binding). Made on a worker thread (QImage, never QPixmap, is safe
there). Attachments are hostile: the decoders get size caps, and anything that cannot be drawn
is a note, never an error."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader

MAX_SIDE = 1400  # pixels: the preview's longest side
ALLOCATION_MB = 256  # Qt's decoder refuses an image that needs more
PAGE_POINTS_LIMIT = 14_400  # PDF's own maximum page side (200 in); a larger page is refused


@dataclass(frozen=True)
class Picture:
    image: QImage | None
    note: str = ""


def picture_of(data: bytes, media_type: str) -> Picture | None:
    """A picture when the type has one (None for text and other types)."""
    if media_type == "application/pdf" or data[:5] == b"%PDF-":
        return _pdf_first_page(data)
    if media_type.startswith("image/"):
        return _image(data)
    return None


def _image(data: bytes) -> Picture:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(ALLOCATION_MB)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > MAX_SIDE:
        reader.setScaledSize(
            size.scaled(QSize(MAX_SIDE, MAX_SIDE), Qt.AspectRatioMode.KeepAspectRatio)
        )
    image = reader.read()
    if image.isNull():
        return Picture(None, f"The image cannot be shown: {reader.errorString().rstrip('.')}.")
    return Picture(image)


def _pdf_first_page(data: bytes) -> Picture:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # loaded with the first PDF

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        return Picture(None, f"The PDF cannot be shown: {str(error).rstrip('.')}.")
    try:
        pages = len(document)
        if not pages:
            return Picture(None, "The PDF has no pages.")
        page = document[0]
        width, height = page.get_size()
        if not (0 < width <= PAGE_POINTS_LIMIT and 0 < height <= PAGE_POINTS_LIMIT):
            return Picture(
                None, f"The PDF's first page is {width:.0f}×{height:.0f} points: not drawn."
            )
        scale = min(MAX_SIDE / max(width, height), 3.0)
        rendered = page.render(scale=scale).to_pil()
        png = io.BytesIO()
        rendered.save(png, format="PNG")
        image = QImage.fromData(png.getvalue())  # PNG, recognised by its signature
    except pdfium.PdfiumError as error:
        return Picture(None, f"The PDF's first page cannot be drawn: {str(error).rstrip('.')}.")
    finally:
        document.close()
    more = f"page 1 of {pages}" if pages > 1 else "its only page"
    return Picture(image, f"The PDF's first page ({more}); open it externally to read it all.")
