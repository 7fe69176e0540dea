"""The Sign-off & export view: what is left before sign-off (each entry opens what it names),
signing off as one's role, and exporting the audit package."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QListView,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import show_error
from auditapp.gui.models.readiness_list import (
    ENTRY_ROLE,
    FINDING,
    NO_EVIDENCE,
    NO_RATIONALE,
    UNANSWERED,
    ReadinessEntry,
    ReadinessListModel,
    readiness_entries,
)
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.signoff_export import ExportPanel
from auditapp.gui.views.signoff_sign import SignPanel
from auditapp.services import findings, items, members, signoff
from auditapp.services.findings import FindingView
from auditapp.services.items import ItemView
from auditapp.services.members import MemberView
from auditapp.services.signoff import SignOffView
from auditapp.services.workspace import Caller, Workspace


@dataclass(frozen=True)
class SignoffData:
    items: list[ItemView]
    findings: list[FindingView]
    signoffs: list[SignOffView]
    members: list[MemberView]


def read_signoff(ws: Workspace, caller: Caller) -> SignoffData:
    return SignoffData(
        items.list_items(ws, caller),
        findings.list_findings(ws, caller, status="open"),
        signoff.list_signoffs(ws, caller),
        members.list_members(ws, caller),
    )


def readiness_summary(model: ReadinessListModel) -> str:
    if not model.rowCount():
        return (
            "Ready: every item is answered and explained, backed by the evidence it expects, "
            "and no critical or high finding is open."
        )
    counts = [
        (model.count(UNANSWERED), "unanswered"),
        (model.count(NO_RATIONALE), "without a rationale"),
        (model.count(NO_EVIDENCE), "without the evidence expected"),
    ]
    parts = [f"{n} item{'s' if n != 1 else ''} {what}" for n, what in counts if n]
    open_findings = model.count(FINDING)
    if open_findings:
        parts.append(f"{open_findings} open critical or high finding{'s' * (open_findings != 1)}")
    return "Left before sign-off: " + " · ".join(parts)


class SignoffView(AuditView):
    """Readiness, sign-offs and export; opening a readiness entry asks the window for the item
    or the finding (`item_requested`, `finding_requested`)."""

    key = "signoff"
    title = "Sign-off & export"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.data: SignoffData | None = None
        self.readiness = ReadinessListModel(self)
        self.summary = QLabel("Reading the checklist…")
        self.summary.setObjectName("readinessSummary")
        self.summary.setWordWrap(True)
        self.list = QListView()
        self.list.setObjectName("readinessList")
        self.list.setAccessibleName("What is left before sign-off")
        self.list.setModel(self.readiness)
        self.list.setUniformItemSizes(True)
        self.list.setAlternatingRowColors(True)
        self.list.activated.connect(self._entry_activated)
        self.opened = QLabel()
        self.opened.setObjectName("readinessOpened")
        self.sign_panel = SignPanel(acting)
        self.sign_panel.sign_requested.connect(self.sign)
        self.export_panel = ExportPanel(acting)
        self.export_panel.message.connect(self.message)

        ready_box = QGroupBox("&Readiness")
        ready = QVBoxLayout(ready_box)
        ready.addWidget(self.summary)
        ready.addWidget(self.list, 1)
        ready.addWidget(self.opened)
        sign_box = QGroupBox("&Sign off")
        QVBoxLayout(sign_box).addWidget(self.sign_panel)
        export_box = QGroupBox("E&xport the audit package")
        QVBoxLayout(export_box).addWidget(self.export_panel)
        # stacked: the view is narrow beside the navigator; people drag the splitter
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        for box in (ready_box, sign_box, export_box):
            self.splitter.addWidget(box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        QShortcut(QKeySequence("Ctrl+L"), self, self.list.setFocus)

    def stop(self) -> None:
        self.export_panel.stop()

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        self.export_panel.set_audit(self.acting.audit)
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the readiness", lambda: read_signoff(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, SignoffData)
        self.data = result
        self.readiness.set_entries(readiness_entries(result.items, result.findings))
        self.summary.setText(readiness_summary(self.readiness))
        self.summary.setStyleSheet("color: #1b5e20" if not self.readiness.rowCount() else "")
        self.sign_panel.show_signoffs(result.signoffs, result.members, self.readiness.rowCount())

    def sign(self, statement: str) -> None:
        """Sign off as the acting member (on the window's worker: it is a write)."""
        ws, caller = self.acting.ws, self.acting.caller()

        def signed(result: object) -> None:
            assert isinstance(result, SignOffView)
            self.sign_panel.signed()
            self.message.emit(f"Signed off by {result.member} as {result.role}")
            self.changed.emit()
            self.acting.refresh()  # a signed-off audit freezes what developers may change
            self.refresh()

        def failed(error: Exception) -> None:
            show_error(self, "Cannot sign off", error)

        self.runner.start(
            "Signing off",
            lambda: signoff.sign_off(ws, caller, statement),
            on_success=signed,
            on_failure=failed,
        )

    def _entry_activated(self, index: QModelIndex) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, ReadinessEntry):
            return
        if entry.finding_id is not None:
            self.opened.setText(f"Finding #{entry.finding_id} ({entry.key})")
            self.finding_requested.emit(entry.finding_id)
        else:
            self.opened.setText(f"Item {entry.key}")
            self.item_requested.emit(entry.key)
