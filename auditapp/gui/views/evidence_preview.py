"""Showing an evidence item's bytes: text and JSON (pretty-printed) in a read-only pane, cut
with a note when big; images and a PDF's first page as a picture; anything else is described.
Every item can be opened externally (written to a temporary file and handed to the desktop)."""

from __future__ import annotations

import json
import re
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import show_error
from auditapp.gui.formatting import human_size
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.evidence_picture import Picture, picture_of
from auditapp.services.errors import NotFoundError
from auditapp.services.evidence import EvidenceView, list_evidence, read_evidence_bytes
from auditapp.services.workspace import Caller, Workspace

PREVIEW_LIMIT = 200_000  # characters shown; a plain-text widget slows down past this
_TEXT_TYPES = ("application/json", "application/xml", "application/yaml", "application/x-yaml")
_EXTENSIONS = {
    "application/json": ".json",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
    "text/html": ".html",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/xml": ".xml",
    "text/csv": ".csv",
}


@dataclass(frozen=True)
class EvidenceContent:
    evidence: EvidenceView
    data: bytes
    picture: Picture | None = None  # drawn on the worker for images and PDFs


def preview_text(data: bytes, media_type: str, limit: int = PREVIEW_LIMIT) -> tuple[str, str]:
    """(text to show, a note about it: cut, binary, ...) for evidence bytes."""
    textual = media_type.startswith("text/") or media_type in _TEXT_TYPES
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if textual:
            text = data.decode("latin-1")
        else:
            return "", f"Binary content ({media_type or 'unknown type'}): open it externally."
    if media_type == "application/json" or (not textual and text.lstrip()[:1] in "{["):
        with suppress(ValueError):  # not JSON after all: show it as it is
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    if "\0" in text[:4096]:
        return "", f"Binary content ({media_type or 'unknown type'}): open it externally."
    if len(text) > limit:
        cut = len(text) - limit
        return text[:limit], f"Showing the first {limit:,} characters; {cut:,} more are cut."
    return text, ""


def read_content(ws: Workspace, caller: Caller, evidence_id: int) -> EvidenceContent:
    for evidence in list_evidence(ws, caller):
        if evidence.id == evidence_id:
            data = read_evidence_bytes(ws, caller, evidence_id)
            return EvidenceContent(evidence, data, picture_of(data, evidence.media_type))
    raise NotFoundError(f"no evidence #{evidence_id} in this audit")


def write_temporary(content: EvidenceContent) -> Path:
    """A copy of the bytes in a fresh temporary folder, named after the title, for the desktop
    to open (the folder stays: the other program may read the file after we return)."""
    evidence = content.evidence
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", evidence.title).strip("-.")[:80] or "evidence"
    suffix = _EXTENSIONS.get(evidence.media_type, "")
    if Path(stem).suffix.lower() == suffix:
        suffix = ""
    folder = Path(tempfile.mkdtemp(prefix=f"auditapp-evidence-{evidence.id}-"))
    path = folder / f"{stem}{suffix}"
    path.write_bytes(content.data)
    return path


def open_externally(content: EvidenceContent) -> Path | None:
    path = write_temporary(content)
    return path if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))) else None


class EvidencePreview(QWidget):
    """A heading, a note (cut, binary) and the text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setObjectName("previewHeading")
        self.heading.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("previewNote")
        self.note.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("evidencePreview")
        self.text.setAccessibleName("Evidence preview")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.picture = QLabel()
        self.picture.setObjectName("evidencePicture")
        self.picture.setAccessibleName("Evidence picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture_area = QScrollArea()
        self.picture_area.setWidget(self.picture)
        self.picture_area.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.picture_area, 1)
        self.show_content(None)

    def show_content(self, content: EvidenceContent | None, placeholder: str = "") -> None:
        self.picture.clear()
        self.picture_area.hide()
        self.text.show()
        if content is None:
            self.heading.setText(placeholder or "Select an evidence item to preview it.")
            self.note.hide()
            self.text.setPlainText("")
            return
        evidence = content.evidence
        self.heading.setText(
            f"<b>{escape(evidence.title)}</b> · {evidence.media_type} · {human_size(evidence.size)}"
        )
        picture = content.picture
        if picture is not None and picture.image is not None:
            self.picture.setPixmap(QPixmap.fromImage(picture.image))
            self.picture_area.show()
            self.text.hide()
            self.text.setPlainText("")
            text, note = "", picture.note
        else:
            text, note = preview_text(content.data, evidence.media_type)
            if picture is not None:
                note = picture.note
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.text.setPlainText(text)


class EvidencePreviewDialog(QDialog):
    def __init__(self, content: EvidenceContent, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidencePreviewDialog")
        self.setWindowTitle(f"Evidence: {content.evidence.title}")
        self.content = content
        self.preview = EvidencePreview()
        self.preview.show_content(content)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("&Open externally")
        self.open_button.setObjectName("openExternallyButton")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(lambda: open_externally(self.content))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)


def open_evidence(parent: QWidget, acting: ActingAs, runner: TaskRunner, evidence_id: int) -> None:
    """Read the item on the worker, then show it in a preview dialog (not blocking)."""
    ws, caller = acting.ws, acting.caller()

    def show(result: object) -> None:
        assert isinstance(result, EvidenceContent)
        dialog = EvidencePreviewDialog(result, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    runner.start(
        "Reading the evidence",
        lambda: read_content(ws, caller, evidence_id),
        on_success=show,
        on_failure=partial(_failed, parent),
    )


def _failed(parent: QWidget, error: Exception) -> None:
    show_error(parent, "Cannot read the evidence", error)
