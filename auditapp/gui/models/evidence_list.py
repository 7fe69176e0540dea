"""Every evidence item of the audit as a table (the Evidence view), named as the audit package
names them (SYS-n collected, DOC-n attached), with a proxy that filters by kind and text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from auditapp.gui.formatting import human_size, local_time
from auditapp.services.evidence import EvidenceView

AnyIndex = QModelIndex | QPersistentModelIndex

EVIDENCE_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
HEADERS = (
    "Ref",
    "Title",
    "Kind",
    "Source",
    "Collected by",
    "Collected at",
    "Size",
    "SHA-256",
    "Linked items",
)
REF, TITLE, KIND, SOURCE, BY, AT, SIZE, SHA256, LINKED = range(len(HEADERS))


class EvidenceListModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EvidenceView] = []
        self._refs: dict[int, str] = {}

    def set_rows(self, rows: Sequence[EvidenceView], refs: Mapping[int, str]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._refs = dict(refs)
        self.endResetModel()

    def replace(self, evidence: EvidenceView) -> None:
        for row, existing in enumerate(self._rows):
            if existing.id == evidence.id:
                self._rows[row] = evidence
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def rows(self) -> list[EvidenceView]:
        return list(self._rows)

    def ref_of(self, evidence_id: int) -> str:
        return self._refs.get(evidence_id, f"#{evidence_id}")

    def kinds(self) -> list[str]:
        return sorted({e.kind for e in self._rows})

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
        evidence = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(evidence, column)
        if role == EVIDENCE_ROLE:
            return evidence
        if role == SORT_ROLE:
            if column in (REF, SIZE, AT):
                return (evidence.id, evidence.size, evidence.collected_at.timestamp())[
                    (REF, SIZE, AT).index(column)
                ]
            return self._display(evidence, column).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{self.ref_of(evidence.id)} {evidence.title}\n{evidence.media_type}\n"
                f"from {evidence.source}\nSHA-256 {evidence.sha256}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, evidence: EvidenceView, column: int) -> str:
        return (
            self.ref_of(evidence.id),
            evidence.title,
            evidence.kind,
            evidence.source,
            evidence.collected_by,
            local_time(evidence.collected_at),
            human_size(evidence.size),
            evidence.sha256[:12] + "…",
            ", ".join(evidence.items),
        )[column]


class EvidenceProxy(QSortFilterProxyModel):
    """Rows of one kind (None: any) whose text has every word of the search."""

    def __init__(self, source: EvidenceListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._kind: str | None = None
        self._words: tuple[str, ...] = ()
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)

    def set_kind(self, kind: str | None) -> None:
        self.beginFilterChange()
        self._kind = kind
        self.endFilterChange()

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = tuple(text.casefold().split())
        self.endFilterChange()

    def evidence_at(self, index: QModelIndex) -> EvidenceView | None:
        value = index.data(EVIDENCE_ROLE) if index.isValid() else None
        return value if isinstance(value, EvidenceView) else None

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        evidence = self._source.index(source_row, 0, source_parent).data(EVIDENCE_ROLE)
        if not isinstance(evidence, EvidenceView):
            return False
        if self._kind and evidence.kind != self._kind:
            return False
        if not self._words:
            return True
        haystack = " ".join(
            (
                self._source.ref_of(evidence.id),
                evidence.title,
                evidence.kind,
                evidence.source,
                evidence.collected_by,
                evidence.sha256,
                " ".join(evidence.items),
            )
        ).casefold()
        return all(word in haystack for word in self._words)
