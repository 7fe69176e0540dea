"""The Since sign-off view's models: one run's changes as a tree (a row per kind, the most
urgent first, its changes under it, most severe first), a filter for it, and the runs."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from auditapp.gui.formatting import local_time
from auditapp.gui.models.vulns_table import SEVERITY_COLOURS
from auditapp.services.monitor_diff import KIND_TITLES, MonitorChange
from auditapp.services.monitor_history import MonitorRunView

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as the default parent (never changed)
CHANGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the MonitorChange behind a row; None on a group
SEVERITY, CHANGE, SUBJECT, MARKS = range(4)
HEADERS = ("Severity", "What changed", "About", "Marks")
STATUS_WORDS = {0: "nothing new", 1: "new risk", 2: "could not check"}
KEV_COLOUR = "#8e0000"
MARKS_TIP = (
    "known exploited: listed in CISA's Known Exploited Vulnerabilities catalogue; "
    "new: the run before this one did not find it"
)


class Group:
    def __init__(self, kind: str, changes: list[MonitorChange]) -> None:
        self.kind = kind
        self.title = KIND_TITLES.get(kind, kind)
        self.changes = changes
        self.new = sum(1 for c in changes if c.new_since_last_run)

    def label(self) -> str:
        new = f", {self.new} new since the last run" if self.new else ""
        return f"{self.title} — {len(self.changes)}{new}"


def marks(change: MonitorChange) -> str:
    words = ["known exploited"] if change.known_exploited else []
    if change.new_since_last_run:
        words.append("new")
    return " · ".join(words)


class ChangesTreeModel(QAbstractItemModel):
    """Two levels: kinds (in the monitor's order), then their changes. A child's internal id
    is its group's row + 1; a group's is 0."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.groups: list[Group] = []

    def set_changes(self, changes: Sequence[MonitorChange]) -> None:
        self.beginResetModel()
        # the monitor hands them grouped by kind and ordered: kept as they come
        self.groups = [
            Group(kind, list(found)) for kind, found in groupby(changes, lambda c: c.kind)
        ]
        self.endResetModel()

    def changes(self) -> list[MonitorChange]:
        return [c for g in self.groups for c in g.changes]

    # -- the tree ----------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: AnyIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(self.groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.groups[parent.row()].changes)
        return 0

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def change_at(self, index: AnyIndex) -> MonitorChange | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self.groups[index.internalId() - 1].changes[index.row()]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._group_data(self.groups[index.row()], index.column(), role)
        change = self.groups[index.internalId() - 1].changes[index.row()]
        return self._change_data(change, index.column(), role)

    def _group_data(self, group: Group, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return group.label()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return group.label()
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _change_data(self, change: MonitorChange, column: int, role: int) -> Any:
        if role == CHANGE_ROLE:
            return change
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (change.severity, change.title, change.subject, marks(change))[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CHANGE:
                return change.title
            if column == MARKS and marks(change):
                return MARKS_TIP
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == SEVERITY:
                return QColor(SEVERITY_COLOURS.get(change.severity, "#607d8b"))
            if column == MARKS and change.known_exploited:
                return QColor(KEV_COLOUR)
        if role == Qt.ItemDataRole.FontRole and (
            column == SEVERITY or (column == MARKS and change.known_exploited)
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None


class ChangesFilter(QSortFilterProxyModel):
    """Changes matching the search (and, when asked, only those new since the last run); a
    kind shows while one of its changes does."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.only_new = False
        self.words: list[str] = []

    def set_filter(self, text: str, only_new: bool) -> None:
        self.beginFilterChange()
        self.words = text.casefold().split()
        self.only_new = only_new
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        if not source_parent.isValid():
            return False  # a kind is shown through its changes (recursive filtering)
        model = self.sourceModel()
        change = model.data(model.index(source_row, 0, source_parent), CHANGE_ROLE)
        if not isinstance(change, MonitorChange):
            return False
        if self.only_new and not change.new_since_last_run:
            return False
        haystack = " ".join((change.severity, change.title, change.subject, marks(change)))
        haystack = haystack.casefold()
        return all(word in haystack for word in self.words)


class RunsListModel(QAbstractListModel):
    """The runs since the sign-off, newest first, for the run picker."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: list[MonitorRunView] = []

    def set_runs(self, runs: Sequence[MonitorRunView]) -> None:
        self.beginResetModel()
        self.runs = list(runs)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.runs)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"#{run.id} · {local_time(run.at)} · {STATUS_WORDS.get(run.status, '?')} "
                f"({len(run.changes)}, {run.new_since_last_run} new)"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            latest = "the latest run: " if index.row() == 0 else ""
            return (
                f"Run #{run.id}, {latest}{len(run.changes)} change(s) since sign-off, "
                f"{run.new_since_last_run} new since the run before, by {run.by}"
            )
        if role == Qt.ItemDataRole.UserRole:
            return run.id
        return None

    def row_of(self, run_id: int | None) -> int:
        return next((n for n, r in enumerate(self.runs) if r.id == run_id), -1)
