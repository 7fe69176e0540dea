"""The Findings view's detail pane: what the rule checks and why it matters, what it found here
(the finding's detail, readably), the decision taken on it, and the evidence it came from."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.formatting import local_time
from auditapp.gui.models.findings_table import finding_label, status_text
from auditapp.services.findings import FindingView, RuleView

DETAIL_LIMIT = 20_000  # characters of detail JSON shown; the rest is cut with a note


class FindingDetail(QWidget):
    """Emits `evidence_requested(evidence_id)` when the person asks to see the evidence."""

    evidence_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rules: dict[str, RuleView] = {}
        self._evidence: dict[int, str] = {}
        self._finding: FindingView | None = None
        self.text = QTextBrowser()
        self.text.setObjectName("findingDetail")
        self.text.setAccessibleName("Finding details")
        self.text.setOpenLinks(False)
        self.evidence_label = QLabel()
        self.evidence_label.setObjectName("findingEvidence")
        self.show_evidence = QPushButton("Show &evidence")
        self.show_evidence.setObjectName("showEvidenceButton")
        self.show_evidence.setAccessibleName("Show the evidence of this finding")
        self.show_evidence.clicked.connect(self._request)
        bottom = QHBoxLayout()
        bottom.addWidget(self.evidence_label, 1)
        bottom.addWidget(self.show_evidence)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addLayout(bottom)
        self.show_finding(None)

    def set_context(self, rules: Sequence[RuleView], evidence: Mapping[int, str]) -> None:
        """The rule catalogue and how each evidence item is named ("SYS-1 compose project")."""
        self._rules = {r.id: r for r in rules}
        self._evidence = dict(evidence)
        self.show_finding(self._finding)

    @property
    def finding(self) -> FindingView | None:
        return self._finding

    def show_finding(self, finding: FindingView | None, selected: int = 1) -> None:
        self._finding = finding
        if finding is None:
            self.text.setHtml(
                f"<p><i>{selected} findings selected.</i></p>"
                if selected > 1
                else "<p><i>Select a finding to see what it means and where it came from.</i></p>"
            )
            self.evidence_label.setText("")
            self.show_evidence.setEnabled(False)
            self.show_evidence.setToolTip("")
            return
        self.text.setHtml(finding_html(finding, self._rules.get(finding.rule_id)))
        if finding.evidence_id is None:
            self.evidence_label.setText("Evidence: none recorded for this finding")
            self.show_evidence.setEnabled(False)
            self.show_evidence.setToolTip("The rule did not name the evidence it read")
        else:
            name = self._evidence.get(finding.evidence_id, f"#{finding.evidence_id}")
            self.evidence_label.setText(f"Evidence: {name}")
            self.show_evidence.setEnabled(True)
            self.show_evidence.setToolTip(f"Open {name} in the Evidence view")

    def _request(self) -> None:
        if self._finding is not None and self._finding.evidence_id is not None:
            self.evidence_requested.emit(self._finding.evidence_id)


def finding_html(finding: FindingView, rule: RuleView | None) -> str:
    parts = [
        f"<h3>{escape(finding_label(finding.id))} · {escape(finding.title)}</h3>",
        _table(
            [
                ("Severity", finding.severity.capitalize()),
                ("Rule", finding.rule_id + (f" — {rule.title}" if rule else "")),
                ("Component", finding.component),
                ("Location", finding.location),
                ("PCI DSS", ", ".join(finding.pci) or "—"),
                ("CIS", ", ".join(finding.cis) or "—"),
                ("Status", status_text(finding)),
                *_decision(finding),
                ("Seen", _seen(finding)),
            ]
        ),
    ]
    if rule is not None and rule.doc:
        paragraphs = [" ".join(p.split()) for p in rule.doc.split("\n\n")]
        parts.append("<h4>What the rule checks</h4>")
        parts.extend(f"<p>{escape(p)}</p>" for p in paragraphs if p)
    parts.append("<h4>What it found</h4>")
    parts.append(f"<pre>{escape(readable_detail(finding.detail))}</pre>")
    return "".join(parts)


def readable_detail(detail: Mapping[str, Any]) -> str:
    """The detail JSON indented, cut at DETAIL_LIMIT characters with a note."""
    if not detail:
        return "(no detail recorded)"
    text = json.dumps(detail, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) > DETAIL_LIMIT:
        return text[:DETAIL_LIMIT] + f"\n… cut: {len(text) - DETAIL_LIMIT:,} more characters"
    return text


def _decision(finding: FindingView) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if finding.justification:
        rows.append(("Justification", finding.justification))
    if finding.status_by:
        rows.append(("Decided by", finding.status_by))
    return rows


def _seen(finding: FindingView) -> str:
    seen = f"first {local_time(finding.first_seen)}, last {local_time(finding.last_seen)}"
    return seen if finding.active else seen + " (no longer seen)"


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td style='padding-right:12px'><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table cellspacing='0' cellpadding='1'>{cells}</table>"
