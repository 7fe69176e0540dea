"""The audit's threats as a two-level tree: each element (a component, a flow, a zone, a host),
then its threats with STRIDE category, title, likelihood and impact, status and actors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from auditapp.services.threats import ThreatView

AnyIndex = QModelIndex | QPersistentModelIndex

# Status early: the tree shares the view's width with the detail pane.
HEADERS = ("Element / threat", "S", "Status", "Likelihood / impact", "Actors")
STATUS_COLOURS = {
    "unchecked": QColor("#8a8a8a"),
    "in-discussion": QColor("#a15c00"),
    "accepted": QColor("#6a1b9a"),
    "in-progress": QColor("#1565c0"),
    "mitigated": QColor("#2e7d32"),
    "false-positive": QColor("#546e7a"),
}
OPEN = ("unchecked", "in-discussion", "in-progress")
THREAT_ROLE = Qt.ItemDataRole.UserRole + 1  # the ThreatView on a threat's row
_NO_PARENT = 0xFFFFFFFF  # internal id of an element row


@dataclass(frozen=True)
class Element:
    name: str
    kind: str
    threats: tuple[ThreatView, ...]

    @property
    def open(self) -> int:
        return sum(t.status in OPEN for t in self.threats)


def group(threats: Sequence[ThreatView]) -> list[Element]:
    """Threats by element, in the order the services list them (element, then STRIDE)."""
    found: dict[str, list[ThreatView]] = {}
    for t in threats:
        found.setdefault(t.element, []).append(t)
    return [Element(name, ts[0].element_kind, tuple(ts)) for name, ts in found.items()]


class ThreatsTreeModel(QAbstractItemModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._elements: list[Element] = []

    def set_threats(self, threats: Sequence[ThreatView]) -> None:
        self.beginResetModel()
        self._elements = group(threats)
        self.endResetModel()

    def elements(self) -> list[Element]:
        return list(self._elements)

    def index_of(self, threat_id: int) -> QModelIndex:
        for e_row, element in enumerate(self._elements):
            for t_row, t in enumerate(element.threats):
                if t.id == threat_id:
                    return self.index(t_row, 0, self.index(e_row, 0))
        return QModelIndex()

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _NO_PARENT)
        return self.createIndex(row, column, parent.row())

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _NO_PARENT:
            return QModelIndex()
        return self.createIndex(child.internalId(), 0, _NO_PARENT)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._elements)
        if parent.internalId() == _NO_PARENT and parent.column() == 0:
            return len(self._elements[parent.row()].threats)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def threat(self, index: AnyIndex) -> ThreatView | None:
        if not index.isValid() or index.internalId() == _NO_PARENT:
            return None
        return self._elements[index.internalId()].threats[index.row()]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        t = self.threat(index)
        if t is None:
            e = self._elements[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                if column == 0:
                    return f"{e.name} ({e.kind})"
                return f"{e.open} open of {len(e.threats)}" if column == 2 else None
            if role == Qt.ItemDataRole.FontRole and column == 0:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == THREAT_ROLE:
            return t
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"#{t.id} {t.title}",
                t.category[:1].upper(),
                t.status,
                f"{t.likelihood} / {t.impact}",
                ", ".join(t.actors),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = [t.title, t.category, t.description]
            tip += [f"mitigation: {t.mitigation}"] if t.mitigation else []
            tip += [f"linked items: {', '.join(t.items)}"] if t.items else []
            tip += [f"{t.origin} · updated by {t.updated_by or 'analysis'}"]
            return "\n".join(x for x in tip if x)
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return STATUS_COLOURS.get(t.status)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return _dot(t.status)
        return None


@cache
def _dot(status: str, size: int = 12) -> QIcon:
    """A dot in the status colour, so the status shows even when its column is scrolled away."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(STATUS_COLOURS.get(status, QColor("#8a8a8a")))
    painter.drawEllipse(QRectF(2.0, 2.0, size - 4.0, size - 4.0))
    painter.end()
    return QIcon(pixmap)


class ThreatsFilter(QSortFilterProxyModel):
    """Text in any column (an element matches with all its threats), and one status or all."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self.status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ThreatsTreeModel)
        if not source_parent.isValid():
            return False  # an element shows when one of its threats does (recursive)
        t = model.threat(model.index(source_row, 0, source_parent))
        if t is None or (self.status is not None and t.status != self.status):
            return False
        text = self.filterRegularExpression().pattern()
        if not text:
            return True
        element = model.data(source_parent)
        row = [str(model.data(model.index(source_row, c, source_parent))) for c in range(5)]
        return self.filterRegularExpression().match(" ".join([element, *row])).hasMatch()
