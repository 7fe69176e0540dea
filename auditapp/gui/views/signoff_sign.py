"""Signing the audit off as the acting member, the sign-offs so far, and who still has to sign."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.formatting import local_time, short_text
from auditapp.gui.models.vulns_table import RowsTableModel
from auditapp.services.members import MemberView
from auditapp.services.roles import Action, Role
from auditapp.services.signoff import SignOffView

SIGNING_ROLES = (Role.OFFICER, Role.AUDITOR)  # each attests the audit as their role


class SignoffsTableModel(RowsTableModel[SignOffView]):
    headers = ("Signed by", "Role", "When", "Statement")

    def cell(self, row: SignOffView, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (
                row.member,
                row.role,
                local_time(row.signed_at),
                short_text(row.statement, 120),
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.statement}\n\nSeals the journal at {row.journal_head[:16]}…"
        return None


def still_to_sign(signoffs: Sequence[SignOffView], members: Sequence[MemberView]) -> str:
    signed = {s.role for s in signoffs}
    missing = []
    for role in SIGNING_ROLES:
        if role.value in signed:
            continue
        names = [m.name for m in members if m.role is role]
        who = ", ".join(names) if names else "no member has this role yet"
        missing.append(f"an {role.value} ({who})")
    if not missing:
        return "Signed off by an officer and an auditor."
    return "Still to sign: " + " and ".join(missing) + "."


class SignPanel(QWidget):
    """Emits `sign_requested(statement)` once the person confirmed; the view signs."""

    sign_requested = Signal(str)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.acting = acting
        self.open_things = 0  # what the readiness list still holds
        self.confirm: QMessageBox | None = None
        self.statement = QPlainTextEdit()
        self.statement.setObjectName("signoffStatement")
        self.statement.setAccessibleName("Sign-off statement")
        self.statement.setPlaceholderText(
            "What you attest, e.g. “I have reviewed the checklist, the evidence and the open "
            "findings of this audit, and they describe the environment as assessed.”"
        )
        self.statement.setTabChangesFocus(True)
        self.statement.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.sign = QPushButton("Sign off")
        self.sign.setObjectName("signOff")
        self.sign.setShortcut("Ctrl+Shift+S")
        self.waiting = QLabel()
        self.waiting.setObjectName("stillToSign")
        self.waiting.setWordWrap(True)
        self.model = SignoffsTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("signoffTable")
        self.table.setAccessibleName("Sign-offs")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)

        top = QHBoxLayout()
        top.addWidget(self.statement, 1)
        top.addWidget(self.sign, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.waiting)
        layout.addWidget(self.table, 1)
        self.statement.textChanged.connect(self.apply_permissions)
        self.sign.clicked.connect(self._sign_clicked)
        acting.changed.connect(self.apply_permissions)
        self.apply_permissions()

    def show_signoffs(
        self, signoffs: Sequence[SignOffView], members: Sequence[MemberView], open_things: int
    ) -> None:
        self.model.set_rows(signoffs)
        self.open_things = open_things
        self.waiting.setText(still_to_sign(signoffs, members))
        self.apply_permissions()

    def apply_permissions(self) -> None:
        identity = self.acting.identity
        member = identity.member if identity else None
        self.sign.setText(
            f"Sign off as {member.name} ({member.role.value})" if member else "Sign off"
        )
        refusal = self.acting.refusal(Action.SIGN_OFF)
        typed = bool(self.statement.toPlainText().strip())
        self.sign.setEnabled(not refusal and typed)
        self.sign.setToolTip(
            refusal or ("Sign the audit off (Ctrl+Shift+S)" if typed else "Write a statement first")
        )
        self.statement.setReadOnly(bool(refusal))

    def _sign_clicked(self) -> None:
        statement = self.statement.toPlainText().strip()
        if not statement:
            return
        if not self.open_things:
            self.sign_requested.emit(statement)
            return
        box = self.confirm = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign off with work left?",
            f"{self.open_things} things are still open in the readiness list. "
            "A sign-off cannot be taken back. Sign off anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("confirmSignoff")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText("Sign off")
        yes.clicked.connect(lambda: self.sign_requested.emit(statement))
        box.open()

    def signed(self) -> None:
        self.statement.clear()
