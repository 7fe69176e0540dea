"""How the GUI tells people that something failed: one clear sentence, never a traceback."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from auditapp.errors import AuditappError

log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """The sentence to show. Our own errors say what failed and what to do next."""
    if isinstance(error, AuditappError):
        text = str(error)
    else:  # a bug or an OS error we did not translate: keep the details in the log
        log.error("unexpected error", exc_info=error)
        text = f"Unexpected error: {error.__class__.__name__}: {error}"
    text = text.strip() or error.__class__.__name__
    first = text.split(maxsplit=1)[0]
    if "://" in first or first.startswith(("/", "~")):  # a URL or a path, as it is written
        return text
    return text[0].upper() + text[1:]


def show_error(parent: QWidget | None, title: str, error: BaseException) -> QMessageBox:
    """A window-modal message that does not block the caller (work may go on behind it)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, describe_error(error), parent=parent)
    box.setObjectName("errorMessage")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
