"""The audit's declared flows as a table, each with whether the deployment as collected can
carry it (the flow report's check)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QStyle

from auditapp.analysis.model import ZONE_PREFIX
from auditapp.services.flows import FlowView

AnyIndex = QModelIndex | QPersistentModelIndex

HEADERS = (
    "ID",
    "Source",
    "Destination",
    "Port",
    "Protocol",
    "Carried",  # early: the view is narrow and this is what needs attention
    "Data classes",
    "Encrypted",
    "Authenticated",
    "Justification",
)
CARRIED_COLUMN = HEADERS.index("Carried")
JUSTIFICATION_COLUMN = HEADERS.index("Justification")
NOT_CARRIED = QColor("#c62828")
UNKNOWN = QColor("#8a6d00")
# Sorting by the ID column must be numeric, not by the text "10" < "9".
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class FlowRow:
    """A declared flow and the deployment's verdict on it: `carried` None when the evidence
    cannot tell (an end never collected)."""

    flow: FlowView
    carried: bool | None
    reason: str


def end_label(end: str) -> str:
    """ "internet (zone)" for "zone:internet"; component names as they are."""
    return f"{end.removeprefix(ZONE_PREFIX)} (zone)" if end.startswith(ZONE_PREFIX) else end


def carried_text(carried: bool | None) -> str:
    return {True: "yes", False: "no", None: "cannot tell"}[carried]


class FlowsTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FlowRow] = []

    def set_rows(self, rows: Sequence[FlowRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> FlowRow:
        return self._rows[row]

    def rows(self) -> list[FlowRow]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        f, column = row.flow, index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts(row)[column]
        if role == SORT_ROLE:
            return f.id if column == 0 else f.port if column == 3 else self._texts(row)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CARRIED_COLUMN or (column == 0 and row.carried is False):
                return row.reason
            if column == JUSTIFICATION_COLUMN and f.justification:
                return f.justification
            return f"Declared by {f.created_by}"
        if role == Qt.ItemDataRole.ForegroundRole and column == CARRIED_COLUMN:
            return NOT_CARRIED if row.carried is False else UNKNOWN if row.carried is None else None
        if role == Qt.ItemDataRole.DecorationRole and column == CARRIED_COLUMN:
            critical = QStyle.StandardPixmap.SP_MessageBoxCritical
            return QApplication.style().standardIcon(critical) if row.carried is False else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _texts(row: FlowRow) -> tuple[str | int, ...]:
        f = row.flow
        return (
            f.id,
            end_label(f.source),
            end_label(f.destination),
            f.port,
            f.protocol,
            carried_text(row.carried),
            ", ".join(f.data_classes) or "—",
            "yes" if f.encrypted else "no",
            "yes" if f.authenticated else "no",
            " ".join(f.justification.split()),
        )
