"""The stages a long job went through, one row each with its own progress bar.

A job reports stages one after the other (`Progress.start`); the model keeps each one, so the
person sees what was done, what is running and where a cancel or a failure stopped it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Slot,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

AnyIndex = QModelIndex | QPersistentModelIndex
STAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the Stage of a row, for the delegate

RUNNING, DONE, CANCELLED, FAILED = "running", "done", "cancelled", "failed"
_HEADERS = ("Stage", "Progress")


@dataclass
class Stage:
    label: str
    total: int  # 0: not known
    done: int = 0
    state: str = RUNNING


class StageTableModel(QAbstractTableModel):
    """Fed by a ProgressBridge's `stage` and `advanced` signals (on the GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stages: list[Stage] = []

    def stages(self) -> list[Stage]:
        return list(self._stages)

    def clear(self) -> None:
        self.beginResetModel()
        self._stages = []
        self.endResetModel()

    @Slot(str, int)
    def begin(self, label: str, total: int) -> None:
        self.finish(DONE)
        row = len(self._stages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._stages.append(Stage(label[:1].upper() + label[1:], total))
        self.endInsertRows()

    @Slot(int, int)
    def advance(self, done: int, total: int) -> None:
        if self._stages and self._stages[-1].state == RUNNING:
            stage = self._stages[-1]
            stage.done, stage.total = done, total
            self._changed(len(self._stages) - 1)

    def finish(self, state: str) -> None:
        """End the running stage as done, cancelled or failed."""
        if self._stages and self._stages[-1].state == RUNNING:
            stage = self._stages[-1]
            stage.state = state
            if state == DONE:
                stage.done = stage.total
            self._changed(len(self._stages) - 1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._stages)

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
        stage = self._stages[index.row()]
        if role == STAGE_ROLE:
            return stage
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return stage.label if index.column() == 0 else describe(stage)
        return None

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(_HEADERS) - 1))


def describe(stage: Stage) -> str:
    if stage.state == RUNNING:
        return f"{stage.done}/{stage.total}" if stage.total else "working…"
    if stage.state == DONE:
        return f"done ({stage.total})" if stage.total > 1 else "done"
    stopped = stage.total and stage.done < stage.total
    return f"{stage.state} at {stage.done}/{stage.total}" if stopped else stage.state


class StageBarDelegate(QStyledItemDelegate):
    """Paints the progress column as a bar: full when done, the steps so far when running."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        stage = index.data(STAGE_ROLE)
        if index.column() != 1 or not isinstance(stage, Stage):
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 3, -4, -3)
        bar.minimum = 0
        if stage.state == DONE:
            bar.maximum, bar.progress = 1, 1
        else:
            bar.maximum, bar.progress = max(stage.total, 1), min(stage.done, max(stage.total, 1))
        bar.text = describe(stage)
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Horizontal
        if stage.state in (RUNNING, DONE):
            bar.state |= QStyle.StateFlag.State_Enabled  # stopped stages are drawn greyed out
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 160), max(size.height(), 22))
