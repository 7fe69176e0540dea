"""The New audit dialog: names the audit and its first member, then creates both."""

from __future__ import annotations

import getpass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditapp.errors import AuditappError
from auditapp.gui.errors import describe_error
from auditapp.gui.models.choices import role_choices
from auditapp.services import audits
from auditapp.services.audits import AuditSummary
from auditapp.services.roles import Role
from auditapp.services.workspace import Workspace


class NewAuditDialog(QDialog):
    """On OK creates the audit and adds you as its first member; `created` then holds it.

    A refusal (a name already taken) is shown inside the dialog, which stays open.
    """

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newAuditDialog")
        self.setWindowTitle("New audit")
        self._ws = ws
        self.created: AuditSummary | None = None
        self.member_name: str | None = None

        self.name = QLineEdit()
        self.name.setObjectName("auditName")
        self.name.setAccessibleName("Audit name")
        self.name.setPlaceholderText("e.g. Checkout service 2026")
        self.entity = QLineEdit()
        self.entity.setObjectName("auditEntity")
        self.entity.setAccessibleName("Entity")
        self.entity.setPlaceholderText("The company or unit being assessed")
        self.description = QPlainTextEdit()
        self.description.setObjectName("auditDescription")
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("Scope: which application, environments, dates")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.your_name = QLineEdit(_login_name())
        self.your_name.setObjectName("memberName")
        self.your_name.setAccessibleName("Your name")
        self.your_name.setToolTip("You become the audit's first member")
        self._roles = role_choices(self)
        self.role = QComboBox()
        self.role.setObjectName("memberRole")
        self.role.setAccessibleName("Your role")
        self.role.setModel(self._roles)
        self.role.setCurrentIndex(self._roles.row_of(Role.OFFICER))
        self.error = QLabel()
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create audit")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._validate)
        self.your_name.textChanged.connect(self._validate)

        form = QFormLayout()
        form.addRow("Audit &name", self.name)
        form.addRow("&Entity", self.entity)
        form.addRow("&Description", self.description)
        form.addRow(QLabel("<b>You</b>"))
        form.addRow("Your na&me", self.your_name)
        form.addRow("Your &role", self.role)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._validate()

    def selected_role(self) -> Role:
        role = self._roles.value_at(max(self.role.currentIndex(), 0))
        assert isinstance(role, Role)
        return role

    def accept(self) -> None:
        name = self.name.text().strip()
        member = self.your_name.text().strip()
        try:
            created = audits.create_audit(
                self._ws,
                name,
                entity=self.entity.text(),
                description=self.description.toPlainText(),
                first_member=(member, self.selected_role()),
            )
        except AuditappError as error:
            self.error.setText(describe_error(error))
            self.error.show()
            return
        self.created = created
        self.member_name = member
        super().accept()

    def _validate(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ready = bool(self.name.text().strip()) and bool(self.your_name.text().strip())
        ok.setEnabled(ready)
        ok.setToolTip("" if ready else "An audit needs a name, and you need one too")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
