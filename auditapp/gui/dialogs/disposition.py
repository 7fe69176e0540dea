"""Deciding one or more findings: accept the risk (with a justification and an expiry date),
call it a false positive (with a justification), mark it remediated, or reopen it.

The dialog checks what the service would refuse (a missing justification, an expiry date that
is not in the future) before it lets the person press OK, and says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.services.findings import JUSTIFICATION_LIMIT, FindingView

DEFAULT_EXPIRY_DAYS = 90  # a quarter: the usual review cycle for an accepted risk

_CHOICES = (
    ("accepted-risk", "&Accept the risk", "Known and tolerated until the expiry date"),
    ("false-positive", "&False positive", "The rule is wrong about this place"),
    ("remediated", "&Remediated", "Fixed; the next analysis reopens it if it is still there"),
    ("open", "Re&open", "Undecided again"),
)
_NEEDS_JUSTIFICATION = ("accepted-risk", "false-positive")


@dataclass(frozen=True)
class Disposition:
    status: str
    justification: str
    expires: date | None


class DispositionDialog(QDialog):
    """For one finding the form starts from its current decision; for many it starts empty.
    `status` pre-selects a decision."""

    def __init__(
        self,
        findings: list[FindingView],
        parent: QWidget | None = None,
        status: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispositionDialog")
        count = len(findings)
        one = findings[0] if count == 1 else None
        self.setWindowTitle("Decide the finding" if one else f"Decide {count} findings")
        heading = QLabel(
            f"<b>{escape(one.title)}</b><br>{escape(one.component)} · {escape(one.location)}"
            if one
            else f"The same decision for <b>{count}</b> selected findings."
        )
        heading.setWordWrap(True)

        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        choices = QVBoxLayout()
        for value, label, tip in _CHOICES:
            button = QRadioButton(label)
            button.setObjectName(f"disposition-{value}")
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
            self.group.addButton(button)
            self.buttons[value] = button
            choices.addWidget(button)

        self.justification = QPlainTextEdit()
        self.justification.setObjectName("justification")
        self.justification.setAccessibleName("Justification")
        self.justification.setPlaceholderText(
            "Why this is acceptable or wrong: the compensating control, the ticket, who agreed"
        )
        self.justification.setTabChangesFocus(True)
        self.expires = QDateEdit()
        self.expires.setObjectName("expires")
        self.expires.setAccessibleName("Risk accepted until")
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.expires.setMinimumDate(_qdate(date.today() + timedelta(days=1)))
        self.expires.setDate(_qdate(date.today() + timedelta(days=DEFAULT_EXPIRY_DAYS)))
        self.problem = QLabel()
        self.problem.setObjectName("dispositionProblem")
        self.problem.setStyleSheet("color: #c62828")
        self.problem.setWordWrap(True)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Decision", choices)
        self.justification_label = QLabel("&Justification")
        self.justification_label.setBuddy(self.justification)
        form.addRow(self.justification_label, self.justification)
        self.expires_label = QLabel("&Until")
        self.expires_label.setBuddy(self.expires)
        form.addRow(self.expires_label, self.expires)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.box)

        if one is not None:
            self.justification.setPlainText(one.justification)
            if one.expires is not None and one.expires > date.today():
                self.expires.setDate(_qdate(one.expires))
        wanted = status or (one.status if one and one.status != "open" else "accepted-risk")
        self.buttons.get(wanted, self.buttons["accepted-risk"]).setChecked(True)
        self.group.buttonToggled.connect(self._update)
        self.justification.textChanged.connect(self._update)
        self.expires.dateChanged.connect(self._update)
        self._update()
        self.resize(520, 380)

    def chosen_status(self) -> str:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return "open"

    def disposition(self) -> Disposition:
        status = self.chosen_status()
        needs = status in _NEEDS_JUSTIFICATION
        return Disposition(
            status=status,
            justification=self.justification.toPlainText().strip() if needs else "",
            expires=self.expiry_date() if status == "accepted-risk" else None,
        )

    def expiry_date(self) -> date:
        chosen = self.expires.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def problem_text(self) -> str:
        """What stops the decision, in the service's terms; '' when it may be made."""
        status = self.chosen_status()
        text = self.justification.toPlainText().strip()
        if status in _NEEDS_JUSTIFICATION and not text:
            label = "An accepted risk" if status == "accepted-risk" else "A false positive"
            return f"{label} needs a justification."
        if len(text) > JUSTIFICATION_LIMIT:
            return f"The justification is longer than {JUSTIFICATION_LIMIT} characters."
        if status == "accepted-risk" and self.expiry_date() <= date.today():
            return "The expiry date must be in the future."
        return ""

    def _update(self) -> None:
        status = self.chosen_status()
        needs = status in _NEEDS_JUSTIFICATION
        self.justification.setEnabled(needs)
        self.justification_label.setEnabled(needs)
        self.expires.setEnabled(status == "accepted-risk")
        self.expires_label.setEnabled(status == "accepted-risk")
        problem = self.problem_text()
        self.problem.setText(problem)
        ok = self.box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problem)
        ok.setToolTip(problem)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)
