"""The audits in the database, for the Open audit dialog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from auditapp.gui.formatting import local_time
from auditapp.services.audits import AuditSummary

AnyIndex = QModelIndex | QPersistentModelIndex

_HEADERS = ("Audit", "Entity", "Members", "Created")


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditSummary] = []

    def set_rows(self, rows: Sequence[AuditSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def name_at(self, row: int) -> str | None:
        return self._rows[row].name if 0 <= row < len(self._rows) else None

    def current_row(self) -> int:
        return next((r for r, audit in enumerate(self._rows) if audit.current), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        audit = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (audit.name, audit.entity, str(audit.members), local_time(audit.created_at))[
                index.column()
            ]
        if role == Qt.ItemDataRole.ToolTipRole:
            return audit.description or audit.name
        if role == Qt.ItemDataRole.FontRole and audit.current:
            font = QFont()
            font.setBold(True)
            return font
        return None
