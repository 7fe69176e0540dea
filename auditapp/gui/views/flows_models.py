"""The flow report beyond the declared flows, as tables: observed exposure, and the drift
between what is declared and what the deployment does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from auditapp.analysis.network import Exposure, FlowReport
from auditapp.gui.models.flows_table import end_label

AnyIndex = QModelIndex | QPersistentModelIndex


class Drift(StrEnum):
    UNJUSTIFIED = "Unjustified exposure"
    NOT_CARRIED = "Flow not carried"
    UNDECLARED_SHARING = "Undeclared shared network"


# Translucent tints read on light and dark palettes alike.
_TINTS = {
    Drift.UNJUSTIFIED: QColor(230, 120, 0, 60),
    Drift.NOT_CARRIED: QColor(198, 40, 40, 60),
    Drift.UNDECLARED_SHARING: QColor(200, 170, 0, 60),
}
_ICONS = {
    Drift.UNJUSTIFIED: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Drift.NOT_CARRIED: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Drift.UNDECLARED_SHARING: QStyle.StandardPixmap.SP_MessageBoxWarning,
}


@dataclass(frozen=True)
class DriftEntry:
    kind: Drift
    subject: str
    reason: str
    component: str  # the component to look at first (for the topology and the findings)


def drift_entries(report: FlowReport) -> list[DriftEntry]:
    """Everything the report says is declared but not so, or so but not declared."""
    entries = [
        DriftEntry(
            Drift.UNJUSTIFIED,
            e.label,
            f"{e.describe()}; no declared flow justifies it",
            e.component,
        )
        for e in report.unjustified
    ]
    entries += [
        DriftEntry(
            Drift.NOT_CARRIED,
            f"flow {c.flow.id}: {end_label(c.flow.source)} → {end_label(c.flow.destination)} "
            f"{c.flow.port}/{c.flow.protocol}",
            c.reason,
            c.flow.destination,
        )
        for c in report.not_carried
    ]
    entries += [
        DriftEntry(
            Drift.UNDECLARED_SHARING,
            f"{s.components[0]} and {s.components[1]}",
            f"share network{'s' if len(s.networks) > 1 else ''} {', '.join(s.networks)} "
            "with no flow declared between them",
            s.components[0],
        )
        for s in report.undeclared_sharing
    ]
    return entries


class DriftTableModel(QAbstractTableModel):
    HEADERS = ("Drift", "Where", "Why")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DriftEntry] = []

    def set_rows(self, rows: Sequence[DriftEntry]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[DriftEntry]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.kind.value, row.subject, row.reason)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.kind.value}: {row.subject}\n{row.reason}"
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return _icon(row.kind)
        if role == Qt.ItemDataRole.BackgroundRole:
            return _TINTS[row.kind]
        return None


def _icon(kind: Drift) -> QIcon:
    return QApplication.style().standardIcon(_ICONS[kind])


class ExposureTableModel(QAbstractTableModel):
    """Every way into a workload the evidence shows; the ones no flow justifies are marked."""

    HEADERS = ("Component", "Workload", "Port", "Open on", "Reached by", "Declared")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Exposure] = []
        self._unjustified: set[Exposure] = set()

    def set_report(self, report: FlowReport | None) -> None:
        self.beginResetModel()
        self._rows = list(report.exposures) if report is not None else []
        self._unjustified = set(report.unjustified) if report is not None else set()
        self.endResetModel()

    def rows(self) -> list[Exposure]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self._rows[index.row()]
        column = index.column()
        flagged = e in self._unjustified
        if role == Qt.ItemDataRole.DisplayRole:
            declared = "no flow" if flagged else "yes" if e.published else "—"
            return (e.component, e.label, e.port_text, e.where, e.audience, declared)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.describe()
        if role == Qt.ItemDataRole.BackgroundRole and flagged:
            return _TINTS[Drift.UNJUSTIFIED]
        if role == Qt.ItemDataRole.DecorationRole and column == 5 and flagged:
            return _icon(Drift.UNJUSTIFIED)
        return None
