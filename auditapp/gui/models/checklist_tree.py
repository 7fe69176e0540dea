"""The checklist as a two-level tree: sections with their progress, items with their status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from auditapp.checklist import Progress, Rollup
from auditapp.gui.formatting import short_text
from auditapp.gui.status_look import status_colour, status_icon, status_label
from auditapp.services.items import ItemView

AnyIndex = QModelIndex | QPersistentModelIndex

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # (complete, total) on section rows

ITEM_COLUMN, STATE_COLUMN = 0, 1
_HEADERS = ("Item", "Status")
_SECTION = 0  # internalId of a section row; an item row stores its section row + 1


@dataclass
class _SectionRow:
    number: int
    progress: Progress
    items: list[ItemView] = field(default_factory=list)


class ChecklistTreeModel(QAbstractItemModel):
    """Loaded from `items.list_items` and `items.roll_up`; reloaded after every change."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sections: list[_SectionRow] = []

    # -- loading ---------------------------------------------------------------------------

    def load(self, views: Sequence[ItemView], rollup: Rollup) -> None:
        """Show these answers; keeps selection and expansion when the items are the same."""
        rows = [_SectionRow(number, progress) for number, progress in rollup.sections]
        by_number = {row.number: row for row in rows}
        for view in views:
            by_number[view.item.section].items.append(view)
        if self._shape(rows) == self._shape(self._sections):
            old, self._sections = self._sections, rows
            self._changed_rows(old)
        else:
            self.beginResetModel()
            self._sections = rows
            self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._sections = []
        self.endResetModel()

    # -- lookups ---------------------------------------------------------------------------

    def item_keys(self) -> list[str]:
        return [view.key for section in self._sections for view in section.items]

    def item_index(self, key: str, column: int = ITEM_COLUMN) -> QModelIndex:
        for s, section in enumerate(self._sections):
            for r, view in enumerate(section.items):
                if view.key == key:
                    return self.createIndex(r, column, s + 1)
        return QModelIndex()

    def item_view(self, index: AnyIndex) -> ItemView | None:
        if not index.isValid() or index.internalId() == _SECTION:
            return None
        return self._sections[index.internalId() - 1].items[index.row()]

    def section_progress(self, number: int) -> Progress:
        for section in self._sections:
            if section.number == number:
                return section.progress
        raise KeyError(number)

    # -- QAbstractItemModel ----------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _SECTION)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _SECTION:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, _SECTION)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._sections)
        if parent.internalId() == _SECTION and parent.column() == 0:
            return len(self._sections[parent.row()].items)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == _SECTION:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _SECTION:
            return self._section_data(self._sections[index.row()], index.column(), role)
        view = self._sections[index.internalId() - 1].items[index.row()]
        return self._item_data(view, index.column(), role)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _section_data(section: _SectionRow, column: int, role: int) -> Any:
        progress = section.progress
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ITEM_COLUMN:
                return f"{section.number}. {progress.title}"
            return f"{progress.complete}/{progress.total}"
        if role == PROGRESS_ROLE:
            return (progress.complete, progress.total)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{progress.title}\n{progress.complete} of {progress.total} items complete, "
                f"{progress.answered} answered"
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (
                f"Section {section.number}, {progress.title}, "
                f"{progress.complete} of {progress.total} complete"
            )
        return None

    @staticmethod
    def _item_data(view: ItemView, column: int, role: int) -> Any:
        if role == KEY_ROLE:
            return view.key
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ITEM_COLUMN:
                return f"{view.key}  {short_text(view.item.question, 70)}"
            return status_label(view.status)
        if role == Qt.ItemDataRole.DecorationRole and column == ITEM_COLUMN:
            return status_icon(view.status)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE_COLUMN:
            return status_colour(view.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            done = "complete" if view.complete else "not complete yet"
            return f"{view.key}: {view.item.question}\n{status_label(view.status)}, {done}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{view.key}, {status_label(view.status)}"
        return None

    @staticmethod
    def _shape(rows: Sequence[_SectionRow]) -> list[tuple[int, list[str]]]:
        return [(row.number, [view.key for view in row.items]) for row in rows]

    def _changed_rows(self, old: Sequence[_SectionRow]) -> None:
        """Repaint only the rows whose answer or progress changed: a re-read after a change
        usually finds one or two, and repainting the whole tree each time cost the window
        about 20 ms."""
        last = len(_HEADERS) - 1
        for s, (before, section) in enumerate(zip(old, self._sections, strict=True)):
            if before.progress != section.progress:
                self.dataChanged.emit(self.index(s, 0), self.index(s, last))
            for r, (was, now) in enumerate(zip(before.items, section.items, strict=True)):
                if was != now:
                    self.dataChanged.emit(
                        self.createIndex(r, 0, s + 1), self.createIndex(r, last, s + 1)
                    )
