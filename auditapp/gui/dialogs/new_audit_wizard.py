"""The New audit wizard: the audit (name, entity, scope), its cardholder-data environment,
and its team (you first, as the officer). Finish creates it all off the UI thread."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from auditapp.errors import AuditappError
from auditapp.gui.errors import describe_error
from auditapp.gui.models.choices import role_choices
from auditapp.gui.tasks import TaskRunner
from auditapp.services import audits, members
from auditapp.services.audits import AuditSummary
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

CDE_HEADING = "Cardholder-data environment:"


@dataclass(frozen=True)
class NewAudit:
    name: str
    entity: str
    scope: str
    cde: str
    officer: str
    others: tuple[tuple[str, Role], ...]

    def description(self) -> str:
        """Scope, then the CDE as its own paragraph: the report prints both under Scope."""
        parts = [self.scope.strip()]
        if self.cde.strip():
            parts.append(f"{CDE_HEADING} {self.cde.strip()}")
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Created:
    audit: AuditSummary
    problems: tuple[str, ...]  # members who could not be added, each with the reason


def create(ws: Workspace, plan: NewAudit) -> Created:
    """The audit with you as its officer (one transaction: all or nothing), then the rest of
    the team, one by one: a name refused there is reported, and the audit opens anyway."""
    created = audits.create_audit(
        ws,
        plan.name,
        entity=plan.entity,
        description=plan.description(),
        first_member=(plan.officer, Role.OFFICER),
    )
    officer = Caller(audit=created.name, member=plan.officer)
    problems = []
    for name, role in plan.others:
        try:
            members.add_member(ws, officer, name, role)
        except AuditappError as error:
            problems.append(f"{name} was not added: {error}")
    return Created(created, tuple(problems))


def _text_box(name: str, placeholder: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class AuditPage(QWizardPage):
    def __init__(self, taken: set[str]) -> None:
        super().__init__()
        self.setTitle("The audit")
        self.setSubTitle("Name the audit and say what it covers.")
        self._taken = taken
        self.name = QLineEdit()
        self.name.setObjectName("auditName")
        self.name.setAccessibleName("Audit name")
        self.name.setPlaceholderText("e.g. Checkout service 2026")
        self.entity = QLineEdit()
        self.entity.setObjectName("auditEntity")
        self.entity.setAccessibleName("Assessed entity")
        self.entity.setPlaceholderText("The company or unit being assessed")
        self.scope = _text_box(
            "auditScope", "Which application, which environments, the assessment period", 5
        )
        self.scope.setAccessibleName("Scope")
        self.problem = QLabel()
        self.problem.setObjectName("auditProblem")
        self.problem.setStyleSheet("color: #d32f2f")
        self.problem.setWordWrap(True)
        self.registerField("name*", self.name)
        self.name.textChanged.connect(lambda _text: self.problem.clear())
        form = QFormLayout(self)
        form.addRow("Audit &name", self.name)
        form.addRow("Assessed &entity", self.entity)
        form.addRow("&Scope", self.scope)
        form.addRow(self.problem)

    def validatePage(self) -> bool:
        name = self.name.text().strip()
        if name in self._taken:
            self.problem.setText(f"An audit named {name!r} already exists: choose another name")
            return False
        return True


class EnvironmentPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Cardholder-data environment")
        self.setSubTitle(
            "Which systems store, process or transmit cardholder data, and what can reach them. "
            "The report prints it in its scope section, after the audit's scope."
        )
        self.cde = _text_box(
            "auditCde",
            "e.g. The payments API and the orders database store and process card data; the "
            "storefront and the edge proxy connect to them. Everything runs on one Docker host.",
            8,
        )
        self.cde.setAccessibleName("Cardholder-data environment")
        layout = QVBoxLayout(self)
        label = QLabel("&Description")
        label.setBuddy(self.cde)
        layout.addWidget(label)
        layout.addWidget(self.cde)


class TeamPage(QWizardPage):
    """You first, as the officer (who adds members and signs off); then anyone else."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("The team")
        self.setSubTitle(
            "You join as the audit's officer: you manage members, set statuses and sign off. "
            "Add developers (draft answers, attach evidence) and auditors (review, comment, "
            "sign off) now or later."
        )
        self.your_name = QLineEdit(_login_name())
        self.your_name.setObjectName("memberName")
        self.your_name.setAccessibleName("Your name")
        self.your_name.textChanged.connect(self.completeChanged)
        self.other_name = QLineEdit()
        self.other_name.setObjectName("otherName")
        self.other_name.setAccessibleName("Another member's name")
        self.other_name.setPlaceholderText("Name")
        self._roles = role_choices(self)
        self.other_role = QComboBox()
        self.other_role.setObjectName("otherRole")
        self.other_role.setAccessibleName("Their role")
        self.other_role.setModel(self._roles)
        self.other_role.setCurrentIndex(self._roles.row_of(Role.DEVELOPER))
        self.add_button = QPushButton("&Add")
        self.add_button.setObjectName("addMember")
        self.add_button.setAccessibleName("Add the member")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setObjectName("removeMember")
        self.remove_button.setAccessibleName("Remove the selected member")
        self.team = QStandardItemModel(0, 2, self)
        self.team.setHorizontalHeaderLabels(["Member", "Role"])
        self.table = QTableView()
        self.table.setObjectName("teamTable")
        self.table.setAccessibleName("Other members")
        self.table.setModel(self.team)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.problem = QLabel()
        self.problem.setObjectName("teamProblem")
        self.problem.setStyleSheet("color: #d32f2f")
        self.problem.setWordWrap(True)
        self.add_button.clicked.connect(self.add_other)
        self.other_name.returnPressed.connect(self.add_other)
        self.remove_button.clicked.connect(self.remove_selected)
        self._layout()

    def _layout(self) -> None:
        adding = QHBoxLayout()
        adding.addWidget(self.other_name, 2)
        adding.addWidget(self.other_role, 1)
        adding.addWidget(self.add_button)
        another = QLabel("A&nother member")
        another.setBuddy(self.other_name)
        form = QFormLayout()
        form.addRow("Your na&me (officer)", self.your_name)
        form.addRow(another, adding)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.problem, 1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)

    def add_other(self) -> None:
        name = self.other_name.text().strip()
        if not name:
            return
        if name in self._names():
            self.problem.setText(f"{name} is already in the team")
            return
        role = self._roles.value_at(max(self.other_role.currentIndex(), 0))
        assert isinstance(role, Role)
        role_item = QStandardItem(role.value.capitalize())
        role_item.setData(role.value, Qt.ItemDataRole.UserRole)
        self.team.appendRow([QStandardItem(name), role_item])
        self.other_name.clear()
        self.problem.clear()
        self.other_name.setFocus()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.team.removeRow(row)

    def others(self) -> tuple[tuple[str, Role], ...]:
        found = []
        for row in range(self.team.rowCount()):
            # stored as its text: Qt hands a str enum back as a plain str
            role = Role(str(self.team.item(row, 1).data(Qt.ItemDataRole.UserRole)))
            found.append((self.team.item(row, 0).text(), role))
        return tuple(found)

    def _names(self) -> set[str]:
        return {self.your_name.text().strip(), *(name for name, _role in self.others())}

    def isComplete(self) -> bool:  # a mandatory field would refuse the login name it starts with
        return bool(self.your_name.text().strip())

    def validatePage(self) -> bool:
        if self.your_name.text().strip() in {name for name, _role in self.others()}:
            self.problem.setText("You are already the officer: remove your second entry")
            return False
        return True


class NewAuditWizard(QWizard):
    """On Finish creates the audit and its team on `runner`; `created` and `member_name` are
    set before `accepted`. A refusal is shown on the last page, which stays open."""

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newAuditWizard")
        self.setWindowTitle("New audit")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self._ws = ws
        self._runner = runner
        self.created: AuditSummary | None = None
        self.member_name: str | None = None
        self.problems: tuple[str, ...] = ()
        self.creating = False
        self._taken: set[str] = set()
        self.audit_page = AuditPage(self._taken)
        self.environment_page = EnvironmentPage()
        self.team_page = TeamPage()
        for page in (self.audit_page, self.environment_page, self.team_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Create audit")
        self.resize(640, 520)
        runner.start(
            "Reading the audit names",
            lambda: [a.name for a in audits.list_audits(ws)],
            on_success=self._names_read,
            on_failure=lambda _error: None,  # Finish still refuses a taken name
        )

    def plan(self) -> NewAudit:
        return NewAudit(
            name=self.audit_page.name.text().strip(),
            entity=self.audit_page.entity.text().strip(),
            scope=self.audit_page.scope.toPlainText(),
            cde=self.environment_page.cde.toPlainText(),
            officer=self.team_page.your_name.text().strip(),
            others=self.team_page.others(),
        )

    def accept(self) -> None:
        if self.creating or not self.validateCurrentPage():
            return
        plan = self.plan()
        ws = self._ws
        self.creating = True
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        self.team_page.problem.setText("Creating the audit…")
        self._runner.start(
            "Creating the audit",
            lambda: create(ws, plan),
            on_success=lambda result: self._created(result, plan),
            on_failure=self._failed,
        )

    def _created(self, result: object, plan: NewAudit) -> None:
        assert isinstance(result, Created)
        self.creating = False
        self.created = result.audit
        self.problems = result.problems
        self.member_name = plan.officer
        super().accept()

    def _failed(self, error: Exception) -> None:
        """Nothing was stored (the audit is one transaction): say why and stay open."""
        self.creating = False
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        self.team_page.problem.setText(describe_error(error))

    def _names_read(self, result: object) -> None:
        assert isinstance(result, list)
        self._taken.update(str(name) for name in result)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
