"""What is left before the audit can be signed off, as a list people work down: unanswered
items, answers without a rationale or without the evidence they need, and open critical or
high findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from auditapp.checklist.progress import NEEDS_EVIDENCE
from auditapp.gui.formatting import short_text
from auditapp.services.findings import FindingView
from auditapp.services.items import ItemView

AnyIndex = QModelIndex | QPersistentModelIndex
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1

UNANSWERED, NO_RATIONALE, NO_EVIDENCE, FINDING = "unanswered", "rationale", "evidence", "finding"
KIND_LABELS = {
    UNANSWERED: "Unanswered",
    NO_RATIONALE: "No rationale",
    NO_EVIDENCE: "No evidence",
    FINDING: "Open finding",
}
_KIND_COLOURS = {
    UNANSWERED: "#8a8a8a",
    NO_RATIONALE: "#a86b00",
    NO_EVIDENCE: "#a86b00",
    FINDING: "#b71c1c",
}
BLOCKING_SEVERITIES = ("critical", "high")


@dataclass(frozen=True)
class ReadinessEntry:
    kind: str
    key: str  # the item's key, or the finding's rule id
    text: str
    finding_id: int | None = None


def readiness_entries(
    items: Sequence[ItemView], findings: Sequence[FindingView]
) -> list[ReadinessEntry]:
    """In checklist order, then the findings (most severe first, as the service sorts them)."""
    entries: list[ReadinessEntry] = []
    for view in items:
        question = short_text(view.item.question, 110)
        if view.status is None:
            entries.append(ReadinessEntry(UNANSWERED, view.key, question))
        elif not view.rationale.strip():
            entries.append(ReadinessEntry(NO_RATIONALE, view.key, question))
        elif (
            view.item.expects_evidence
            and view.status in NEEDS_EVIDENCE
            and view.evidence_count == 0
        ):
            wanted = short_text("; ".join(view.item.evidence), 110)
            entries.append(ReadinessEntry(NO_EVIDENCE, view.key, f"expects: {wanted}"))
    for finding in findings:
        if finding.active and finding.status == "open" and finding.severity in BLOCKING_SEVERITIES:
            where = f" on {finding.component}" if finding.component else ""
            text = f"{finding.severity}{where}: {short_text(finding.title, 100)}"
            entries.append(ReadinessEntry(FINDING, finding.rule_id, text, finding.id))
    return entries


class ReadinessListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[ReadinessEntry] = []

    def set_entries(self, entries: Sequence[ReadinessEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[ReadinessEntry]:
        return list(self._entries)

    def count(self, kind: str) -> int:
        return sum(1 for e in self._entries if e.kind == kind)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{KIND_LABELS[entry.kind]} · {entry.key} — {entry.text}"
        if role == Qt.ItemDataRole.ForegroundRole and entry.kind == FINDING:
            return QColor(_KIND_COLOURS[FINDING])
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(entry.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            what = "finding" if entry.kind == FINDING else "item"
            return f"{entry.key}: {entry.text}\nDouble-click or Enter to open the {what}"
        return None


@cache
def kind_icon(kind: str, size: int = 14) -> QIcon:
    """A dot in the kind's colour; unanswered items get a hollow ring, as in the navigator."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(_KIND_COLOURS[kind])
    if kind == UNANSWERED:
        painter.setPen(QPen(colour, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
    painter.drawEllipse(2, 2, size - 4, size - 4)
    painter.end()
    return QIcon(pixmap)
