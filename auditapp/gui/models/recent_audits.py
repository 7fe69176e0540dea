"""The audits of this database for the start page: most recent first, with their progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from auditapp.checklist import Progress
from auditapp.errors import AuditappError
from auditapp.gui.formatting import local_time
from auditapp.gui.models.checklist_tree import PROGRESS_ROLE
from auditapp.services import audits, items
from auditapp.services.audits import AuditSummary
from auditapp.services.workspace import Caller, Workspace

AnyIndex = QModelIndex | QPersistentModelIndex

NAME, ENTITY, PROGRESS, MEMBERS, CREATED = range(5)
_HEADERS = ("Audit", "Entity", "Complete", "Members", "Created")


@dataclass(frozen=True)
class RecentAudit:
    audit: AuditSummary
    progress: Progress | None  # None when the audit's answers could not be read


def read_recent(ws: Workspace) -> list[RecentAudit]:
    """Every audit, newest first; one roll-up each (a few dozen rows: cheap beside opening)."""
    found = []
    for audit in sorted(audits.list_audits(ws), key=lambda a: a.created_at, reverse=True):
        try:
            progress: Progress | None = items.roll_up(ws, Caller(audit=audit.name)).overall
        except AuditappError:  # one damaged audit must not hide the others
            progress = None
        found.append(RecentAudit(audit, progress))
    return found


class RecentAuditsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RecentAudit] = []

    def set_rows(self, rows: Sequence[RecentAudit]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def name_at(self, row: int) -> str | None:
        return self._rows[row].audit.name if 0 <= row < len(self._rows) else None

    def names(self) -> list[str]:
        return [r.audit.name for r in self._rows]

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
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        audit, progress, column = row.audit, row.progress, index.column()
        if role == PROGRESS_ROLE and column == PROGRESS and progress is not None:
            return (progress.complete, progress.total)
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == PROGRESS and progress is not None:
                return (
                    f"{progress.complete} of {progress.total} items complete; "
                    f"{progress.answered} answered"
                )
            return audit.description or audit.name
        if role == Qt.ItemDataRole.FontRole and audit.current and column == NAME:
            font = QFont()
            font.setBold(True)  # the audit that opens by default
            return font
        return None


def _display(row: RecentAudit, column: int) -> str:
    audit = row.audit
    if column == NAME:
        return audit.name
    if column == ENTITY:
        return audit.entity
    if column == PROGRESS:
        return "" if row.progress is not None else "cannot read"
    if column == MEMBERS:
        return str(audit.members)
    return local_time(audit.created_at)
