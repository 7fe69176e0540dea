"""How each checklist status looks: a colour, a dot icon and a label."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from auditapp.checklist import UNANSWERED_LABEL, Status

_COLOURS: dict[Status | None, str] = {
    Status.IN_PLACE: "#2e7d32",
    Status.NOT_APPLICABLE: "#546e7a",
    Status.NOT_TESTED: "#a15c00",
    Status.NOT_IN_PLACE: "#c62828",
    None: "#8a8a8a",
}


def status_label(status: Status | None) -> str:
    return status.label if status is not None else UNANSWERED_LABEL


def status_colour(status: Status | None) -> QColor:
    return QColor(_COLOURS[status])


@cache
def status_icon(status: Status | None, size: int = 14) -> QIcon:
    """A filled dot in the status colour; unanswered items get a hollow ring."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = status_colour(status)
    rect = QRectF(2.0, 2.0, size - 4.0, size - 4.0)
    if status is None:
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    else:
        painter.setPen(QPen(QColor("#ffffff"), 1.2))  # a light rim keeps it visible when selected
        painter.setBrush(colour)
    painter.drawEllipse(rect)
    painter.end()
    return QIcon(pixmap)
