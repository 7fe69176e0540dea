"""Deciding what one vulnerability means for one package (a VEX statement): status,
justification when it does not affect us, and the detail an assessor will read."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditapp.services.vex import MAX_DETAIL, Justification, VexStatus, VexView
from auditapp.services.vulns import VulnView

STATUS_LABELS = {
    VexStatus.UNDER_INVESTIGATION: "Under investigation",
    VexStatus.AFFECTED: "Affected: we are exposed",
    VexStatus.NOT_AFFECTED: "Not affected (say why)",
    VexStatus.FIXED: "Fixed",
}
JUSTIFICATION_LABELS = {
    Justification.COMPONENT_NOT_PRESENT: "The vulnerable component is not present",
    Justification.VULNERABLE_CODE_NOT_PRESENT: "The vulnerable code is not present",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: "The vulnerable code is never run",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: (
        "An attacker cannot reach or control the vulnerable code"
    ),
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST: "Mitigations already in place",
}


class VexDialog(QDialog):
    """Opened with `open()`; on accept, `status()`, `justification()` and `detail()` hold the
    decision, `vuln_id` the id it is stored under and `expected_version` what it was based on."""

    def __init__(
        self, vuln: VulnView, current: VexView | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vexDialog")
        self.setWindowTitle(f"Decide {vuln.id}")
        self.vuln = vuln
        # a decision stored under an alias stays under it: changing it must not add a second one
        self.vuln_id = current.vuln_id if current else vuln.id
        self.expected_version = current.version if current else 0

        heading = QLabel(f"<b>{vuln.id}</b> in <b>{vuln.package} {vuln.version}</b>")
        heading.setObjectName("vexHeading")
        about = QLabel(_about(vuln))
        about.setWordWrap(True)
        about.setEnabled(False)
        self.status_box = QComboBox()
        self.status_box.setObjectName("vexStatus")
        self.status_box.setAccessibleName("Status")
        for status, label in STATUS_LABELS.items():
            self.status_box.addItem(label, status.value)
        self.justification_box = QComboBox()
        self.justification_box.setObjectName("vexJustification")
        self.justification_box.setAccessibleName("Justification")
        self.justification_box.addItem("Choose why it does not affect us…", "")
        for reason, label in JUSTIFICATION_LABELS.items():
            self.justification_box.addItem(label, reason.value)
        self.detail_box = QPlainTextEdit()
        self.detail_box.setObjectName("vexDetail")
        self.detail_box.setAccessibleName("Detail")
        self.detail_box.setPlaceholderText(
            "What was checked and what was seen, for the assessor (optional)"
        )
        self.detail_box.setTabChangesFocus(True)
        self.detail_box.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 14)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save decision")
        self.save_button.setObjectName("saveVex")
        self.problem = QLabel()
        self.problem.setObjectName("vexProblem")
        self.problem.setStyleSheet("color: #c62828")
        self.problem.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Status", self.status_box)
        form.addRow("&Justification", self.justification_box)
        form.addRow("&Detail", self.detail_box)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        if current is not None:
            self.status_box.setCurrentIndex(self.status_box.findData(current.status.value))
            if current.justification is not None:
                found = self.justification_box.findData(current.justification.value)
                self.justification_box.setCurrentIndex(found)
            self.detail_box.setPlainText(current.detail)
        self.status_box.currentIndexChanged.connect(self._validate)
        self.justification_box.currentIndexChanged.connect(self._validate)
        self.detail_box.textChanged.connect(self._validate)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._validate()
        self.resize(560, self.sizeHint().height())

    def status(self) -> str:
        return str(self.status_box.currentData())

    def justification(self) -> str:
        if self.status() != VexStatus.NOT_AFFECTED.value:
            return ""
        return str(self.justification_box.currentData())

    def detail(self) -> str:
        return self.detail_box.toPlainText().strip()

    def _validate(self) -> None:
        not_affected = self.status() == VexStatus.NOT_AFFECTED.value
        self.justification_box.setEnabled(not_affected)
        self.justification_box.setToolTip(
            "" if not_affected else "Only a 'not affected' decision carries a justification"
        )
        problem = ""
        if not_affected and not self.justification():
            problem = "Say why it does not affect us."
        elif len(self.detail()) > MAX_DETAIL:
            problem = f"The detail is longer than {MAX_DETAIL:,} characters."
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.save_button.setEnabled(not problem)


def _about(vuln: VulnView) -> str:
    score = f", score {vuln.score:.1f}" if vuln.score is not None else ""
    fixed = ", ".join(vuln.fixed_versions) or "no fixed version known"
    used = ", ".join(vuln.components) or vuln.image
    summary = f"{vuln.summary}\n" if vuln.summary else ""
    return f"{summary}Severity {vuln.severity}{score}; fixed in {fixed}. Used by {used}."
