"""The comments on one item, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from auditapp.gui.formatting import local_time
from auditapp.services.comments import CommentView

AnyIndex = QModelIndex | QPersistentModelIndex


class CommentListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CommentView] = []

    def set_rows(self, rows: Sequence[CommentView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[CommentView]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        comment = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = local_time(comment.created_at)
            return f"{comment.author} ({comment.role}) · {when}\n{comment.body}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Comment by {comment.author}, {comment.role}: {comment.body}"
        return None
