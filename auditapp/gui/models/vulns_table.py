"""Known vulnerabilities of the audit's packages as a table, and the filters people apply to it
(search, component, ecosystem, "critical with a fix", images at end of life)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from auditapp.services.vulns import VulnView

AnyIndex = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 10  # a value that sorts as people expect
ROW_ROLE = Qt.ItemDataRole.UserRole + 11  # the service value behind a row

SEVERITY_ORDER = ("critical", "high", "medium", "low", "none", "unknown")
SEVERITY_COLOURS = {
    "critical": "#b71c1c",
    "high": "#d84315",
    "medium": "#a86b00",
    "low": "#2e7d32",
    "none": "#607d8b",
    "unknown": "#607d8b",
}
DISPOSITION_LABELS = {
    "": "not decided",
    "affected": "affected",
    "not_affected": "not affected",
    "fixed": "fixed",
    "under_investigation": "under investigation",
}

Row = TypeVar("Row")


def purl_type(purl: str) -> str:
    """'pypi' for pkg:pypi/urllib3@1.26.4: the packages' own ecosystem names."""
    return purl.removeprefix("pkg:").split("/", 1)[0].lower()


def severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    """A read-only table over a list of service values; subclasses say what each column shows."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        return self.cell(row, index.column(), role)

    def cell(self, row: Row, column: int, role: int) -> Any:
        raise NotImplementedError


class VulnsTableModel(RowsTableModel[VulnView]):
    headers = ("Severity", "Score", "Vulnerability", "Package", "Version", "Fixed in", "Used by",
               "Decision")  # fmt: skip

    def cell(self, row: VulnView, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (
                row.severity,
                f"{row.score:.1f}" if row.score is not None else "",
                row.id,
                row.package,
                row.version,
                ", ".join(row.fixed_versions) or "no fix",
                ", ".join(row.components) or row.image,
                DISPOSITION_LABELS.get(row.disposition, row.disposition),
            )[column]
        if role == SORT_ROLE:
            return (
                severity_rank(row.severity),
                -(row.score or 0.0),
                row.id,
                row.package.lower(),
                row.version,
                ", ".join(row.fixed_versions),
                ", ".join(row.components),
                row.disposition,
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 0:
                return QColor(SEVERITY_COLOURS.get(row.severity, "#607d8b"))
            if column == 5 and not row.fix_available:
                return QColor("#8a8a8a")
        if role == Qt.ItemDataRole.FontRole and column == 0 and severity_rank(row.severity) < 2:
            return bold_font()
        if role == Qt.ItemDataRole.ToolTipRole:
            return _vuln_tooltip(row)
        return None


class RowFilterProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE and keeps the rows a predicate accepts (set again when filters
    change); `search` matches case-insensitively against each row's `haystack`."""

    def __init__(self, haystack: Callable[[Any], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._haystack = haystack
        self._predicate: Callable[[Any], bool] = lambda row: True
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, predicate: Callable[[Any], bool], search: str) -> None:
        self.beginFilterChange()
        self._predicate = predicate
        self._words = search.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def row_at(self, proxy_row: int) -> Any:
        return self.index(proxy_row, 0).data(ROW_ROLE)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        row = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if row is None or not self._predicate(row):
            return False
        if not self._words:
            return True
        text = self._haystack(row).lower()
        return all(word in text for word in self._words)


def vuln_haystack(row: VulnView) -> str:
    return " ".join(
        (row.id, *row.aliases, row.package, row.version, row.summary, row.purl, *row.components)
    )


def _vuln_tooltip(row: VulnView) -> str:
    lines = [f"{row.id}: {row.summary}" if row.summary else row.id]
    if row.aliases:
        lines.append("Also known as " + ", ".join(row.aliases))
    if row.vector:
        lines.append(row.vector)
    lines.append(f"{row.purl} in {row.image}" + (f" ({row.path})" if row.path else ""))
    if row.data_age_days is not None:
        lines.append(f"Vulnerability data {row.data_age_days} days old")
    return "\n".join(lines)


@cache
def bold_font() -> QFont:
    """Made on first use: a QFont wants the application to exist."""
    font = QFont()
    font.setBold(True)
    return font
