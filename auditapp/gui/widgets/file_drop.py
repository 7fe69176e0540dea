"""Accepting files dragged from the desktop onto a widget and any of its text fields."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent


def local_files(mime: QMimeData | None) -> list[Path]:
    """The local files a drag carries; [] when it carries anything else (text, web links)."""
    if mime is None or not mime.hasUrls():
        return []
    urls = mime.urls()
    if not urls or not all(url.isLocalFile() for url in urls):
        return []
    return [Path(url.toLocalFile()) for url in urls]


class FileDropFilter(QObject):
    """Install on a widget (and on text fields inside it, which would otherwise take the drop
    as text); emits `files_dropped` with the paths while `enabled` is true."""

    files_dropped = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.enabled = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if self.enabled and local_files(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            return self.handle_drop(event)
        return False

    def handle_drop(self, event: QDropEvent) -> bool:
        files = local_files(event.mimeData())
        if not self.enabled or not files:
            return False
        event.acceptProposedAction()
        self.files_dropped.emit(files)
        return True
