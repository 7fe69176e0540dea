"""The audit's findings as a table, and the proxy that filters and sorts it for the Findings
view (severity, rule, component, checklist section, status, text, no-longer-seen)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from auditapp.gui.formatting import local_time
from auditapp.services.findings import FindingView

AnyIndex = QModelIndex | QPersistentModelIndex

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1  # the FindingView of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # what a column sorts by (severity by rank, dates)

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}
_SEVERITY_COLOURS = {
    "critical": "#b71c1c",
    "high": "#e65100",
    "medium": "#f9a825",
    "low": "#1565c0",
    "info": "#78909c",
}
STATUS_LABELS = {
    "open": "Open",
    "accepted-risk": "Accepted risk",
    "false-positive": "False positive",
    "remediated": "Remediated",
}
HEADERS = (
    "ID",
    "Severity",
    "Rule",
    "Component",
    "Title",
    "Location",
    "CIS",
    "PCI DSS",
    "Status",
    "First seen",
    "Last seen",
)
TITLE_COLUMN = HEADERS.index("Title")
STATUS_COLUMN = HEADERS.index("Status")


def finding_label(finding_id: int) -> str:
    """How the audit package names a finding, so people can find it in the report."""
    return f"F-{finding_id}"


def status_text(finding: FindingView) -> str:
    text = STATUS_LABELS.get(finding.status, finding.status)
    if finding.status == "accepted-risk" and finding.expires is not None:
        text += " (expired)" if finding.risk_expired else f" until {finding.expires.isoformat()}"
    return text


@cache
def severity_icon(severity: str, size: int = 14) -> QIcon:
    """A rounded square in the severity's colour (a shape unlike the checklist status dots)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#ffffff"))
    painter.setBrush(QColor(_SEVERITY_COLOURS.get(severity, "#8a8a8a")))
    painter.drawRoundedRect(QRectF(1.5, 1.5, size - 3.0, size - 3.0), 3.0, 3.0)
    painter.end()
    return QIcon(pixmap)


class FindingsTableModel(QAbstractTableModel):
    """Rows of FindingView (active and inactive); `sections` maps a rule to the checklist
    sections whose items name it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FindingView] = []
        self._sections: dict[str, tuple[str, ...]] = {}
        self._haystacks: dict[int, str] = {}  # made once per finding, not once per keystroke

    def set_rows(
        self, rows: Sequence[FindingView], sections: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._haystacks.clear()
        if sections is not None:
            self._sections = {rule: tuple(titles) for rule, titles in sections.items()}
        self.endResetModel()

    def replace(self, finding: FindingView) -> None:
        """Show a finding's new state (after its status changed) without a reload."""
        for row, existing in enumerate(self._rows):
            if existing.id == finding.id:
                self._rows[row] = finding
                self._haystacks.pop(finding.id, None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def findings(self) -> list[FindingView]:
        return list(self._rows)

    def sections_of(self, rule_id: str) -> tuple[str, ...]:
        return self._sections.get(rule_id, ())

    def haystack(self, finding: FindingView) -> str:
        text = self._haystacks.get(finding.id)
        if text is None:
            text = self._haystacks[finding.id] = search_text(finding)
        return text

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
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        finding = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(finding, column)
        if role == SORT_ROLE:
            return self._sort_key(finding, column)
        if role == FINDING_ROLE:
            return finding
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return severity_icon(finding.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            seen = "" if finding.active else "\nNo longer seen by the last analysis"
            return f"{finding.title}\n{finding.location}{seen}"
        if role == Qt.ItemDataRole.FontRole and not finding.active:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and not finding.active:
            return QColor("#8a8a8a")
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS_COLUMN:
            return QColor("#c62828") if finding.risk_expired else None
        return None

    @staticmethod
    def _display(finding: FindingView, column: int) -> str:
        return (
            finding_label(finding.id),
            finding.severity.capitalize(),
            finding.rule_id,
            finding.component,
            finding.title,
            finding.location,
            ", ".join(finding.cis),
            ", ".join(finding.pci),
            status_text(finding),
            local_time(finding.first_seen),
            local_time(finding.last_seen),
        )[column]

    @staticmethod
    def _sort_key(finding: FindingView, column: int) -> Any:
        if column == 0:
            return finding.id
        if column == 1:
            return _RANK.get(finding.severity, 9) * 1_000_000 + finding.id  # stable in a severity
        if column == 9:
            return finding.first_seen.timestamp()
        if column == 10:
            return finding.last_seen.timestamp()
        return FindingsTableModel._display(finding, column).casefold()


@dataclass(frozen=True)
class FindingsFilter:
    """What the person narrowed the table to; None or "" means any."""

    severity: str | None = None
    rule: str | None = None
    component: str | None = None
    section: str | None = None
    status: str | None = None
    text: str = ""
    show_inactive: bool = False

    def accepts(self, finding: FindingView, sections: Sequence[str], haystack: str = "") -> bool:
        """`haystack`: the finding's searchable text (see `search_text`), when already made."""
        if not finding.active and not self.show_inactive:
            return False
        if self.severity and finding.severity != self.severity:
            return False
        if self.rule and finding.rule_id != self.rule:
            return False
        if self.component and finding.component != self.component:
            return False
        if self.section and self.section not in sections:
            return False
        if self.status and finding.status != self.status:
            return False
        if not self.text:
            return True
        haystack = haystack or search_text(finding)
        return all(word in haystack for word in self.text.casefold().split())


def search_text(finding: FindingView) -> str:
    """What a search looks through: the row and its detail, case-folded."""
    return " ".join(
        (
            finding_label(finding.id),
            finding.rule_id,
            finding.component,
            finding.title,
            finding.location,
            " ".join(finding.pci),
            " ".join(finding.cis),
            finding.justification,
            json.dumps(finding.detail, default=str),
        )
    ).casefold()


class FindingsProxy(QSortFilterProxyModel):
    """Filters by a FindingsFilter and sorts by SORT_ROLE."""

    def __init__(self, source: FindingsTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._filter = FindingsFilter()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)

    @property
    def current_filter(self) -> FindingsFilter:
        return self._filter

    def set_filter(self, wanted: FindingsFilter) -> None:
        if wanted != self._filter:
            self.beginFilterChange()
            self._filter = wanted
            self.endFilterChange()

    def finding_at(self, index: QModelIndex) -> FindingView | None:
        value = index.data(FINDING_ROLE) if index.isValid() else None
        return value if isinstance(value, FindingView) else None

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        finding = self._source.index(source_row, 0, source_parent).data(FINDING_ROLE)
        if not isinstance(finding, FindingView):
            return False
        sections = self._source.sections_of(finding.rule_id)
        haystack = self._source.haystack(finding) if self._filter.text else ""
        return self._filter.accepts(finding, sections, haystack)
