"""The members of the open audit, for the acting-member combo ("name — role")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from auditapp.services.members import MemberView

AnyIndex = QModelIndex | QPersistentModelIndex


class MemberListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MemberView] = []

    def set_rows(self, rows: Sequence[MemberView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def name_at(self, row: int) -> str | None:
        return self._rows[row].name if 0 <= row < len(self._rows) else None

    def row_of(self, name: str | None) -> int:
        for row, member in enumerate(self._rows):
            if member.name == name:
                return row
        return -1

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        member = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{member.name} — {member.role.value}"
        if role == Qt.ItemDataRole.ToolTipRole:
            default = " (the audit's default member)" if member.is_default else ""
            return f"Act as {member.name}, {member.role.value}{default}"
        return None
