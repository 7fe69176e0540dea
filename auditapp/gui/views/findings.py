"""The Findings view: every finding of the analysis, filtered and sorted, with what each one
means, the evidence it came from, and the officers' decisions on it (one or many at a time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.errors import AuditappError
from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.disposition import Disposition, DispositionDialog
from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.models.findings_table import (
    STATUS_COLUMN,
    TITLE_COLUMN,
    FindingsProxy,
    FindingsTableModel,
    finding_label,
)
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.evidence_preview import open_evidence
from auditapp.gui.views.findings_analysis import AnalysisStrip
from auditapp.gui.views.findings_detail import FindingDetail
from auditapp.gui.views.findings_filters import FindingsFilterBar
from auditapp.gui.views.findings_loading import FindingsData, read_findings
from auditapp.services.findings import FindingView, set_finding_status
from auditapp.services.roles import Action


@dataclass(frozen=True)
class DecisionOutcome:
    decided: list[FindingView]
    failures: list[tuple[FindingView, Exception]]


class FindingsView(AuditView):
    key = "findings"
    title = "Findings"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.model = FindingsTableModel(self)
        self.proxy = FindingsProxy(self.model, self)
        self.filters = FindingsFilterBar()
        self.table = self._build_table()
        self.detail = FindingDetail()
        self.analysis = AnalysisStrip(acting, runner)
        self.count = QLabel()
        self.count.setObjectName("findingsCount")
        self.empty = QLabel()
        self.empty.setObjectName("findingsEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.decide = QPushButton("&Decide…")
        self.decide.setObjectName("decideButton")
        self.decide.setAccessibleName("Decide the selected findings")
        self.decide.setShortcut(QKeySequence("Ctrl+D"))
        self.analyse_button = QPushButton("Anal&yse now")
        self.analyse_button.setObjectName("analyseButton")
        self.analyse_button.setAccessibleName("Analyse now")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)
        self._layout()
        self._connect()
        self._loaded = False
        self.apply_permissions()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the findings", lambda: read_findings(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, FindingsData)
        kept = self.detail.finding.id if self.detail.finding else None
        self.model.set_rows(result.findings, result.sections)
        self.filters.set_options(result.rules, result.components, result.section_titles)
        self.detail.set_context(result.catalogue, result.evidence_names)
        self._loaded = True
        self._update_counts()
        if kept is not None:
            self.select_finding(kept)
        self.apply_permissions()

    def select_finding(self, finding_id: int) -> bool:
        """Select the row of finding `finding_id` if the filters show it."""
        for row in range(self.proxy.rowCount()):
            finding = self.proxy.finding_at(self.proxy.index(row, 0))
            if finding is not None and finding.id == finding_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return True
        return False

    def selected_findings(self) -> list[FindingView]:
        rows = self.table.selectionModel().selectedRows()
        found = [self.proxy.finding_at(index) for index in sorted(rows, key=QModelIndex.row)]
        return [f for f in found if f is not None]

    # -- deciding ----------------------------------------------------------------------------

    def open_disposition(self, status: str | None = None) -> DispositionDialog | None:
        """Open the decision dialog on the selection (not blocking); OK applies it."""
        chosen = self.selected_findings()
        if not chosen or not self.acting.may(Action.DECIDE_FINDING):
            return None
        dialog = DispositionDialog(chosen, self, status)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_disposition(chosen, dialog.disposition()))
        dialog.open()
        return dialog

    def apply_disposition(self, chosen: list[FindingView], decision: Disposition) -> None:
        """One service call per finding, on the worker; one summary when all are done."""
        ws, caller = self.acting.ws, self.acting.caller()

        def work() -> DecisionOutcome:
            decided: list[FindingView] = []
            failures: list[tuple[FindingView, Exception]] = []
            for finding in chosen:
                try:
                    decided.append(
                        set_finding_status(
                            ws,
                            caller,
                            finding.id,
                            decision.status,
                            justification=decision.justification,
                            expires=decision.expires,
                        )
                    )
                except AuditappError as error:
                    failures.append((finding, error))
            return DecisionOutcome(decided, failures)

        label = f"Deciding {len(chosen)} finding" + ("s" if len(chosen) != 1 else "")
        self.runner.start(
            label,
            work,
            on_success=partial(self._decided, decision),
            on_failure=self._decision_failed,
        )

    def _decision_failed(self, error: Exception) -> None:
        show_error(self, "Cannot decide the findings", error)

    def _decided(self, decision: Disposition, result: object) -> None:
        assert isinstance(result, DecisionOutcome)
        for finding in result.decided:
            self.model.replace(finding)
        self._update_counts()
        self._selection_changed()
        what = decision.status.replace("-", " ")
        text = f"Marked {len(result.decided)} of {len(result.decided) + len(result.failures)}"
        text += f" findings {what}" if len(result.decided) != 1 else f" finding {what}"
        if result.failures:
            first, error = result.failures[0]
            reason = f"{finding_label(first.id)}: {describe_error(error)}"
            text += f"; {len(result.failures)} refused ({reason})"
            box = QMessageBox(QMessageBox.Icon.Warning, "Some findings were not decided", text)
            box.setParent(self, box.windowFlags())
            box.setObjectName("errorMessage")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.message.emit(text)
        if result.decided:
            self.changed.emit()

    # -- analysing, evidence -----------------------------------------------------------------

    def analyse_now(self) -> None:
        if self.acting.may(Action.RUN_ANALYSIS) and not self.analysis.running:
            self.analyse_button.setEnabled(False)
            self.analysis.start()

    def _analysed(self, text: str, stored: bool) -> None:
        self.message.emit(text)
        self.apply_permissions()
        if stored:
            self.changed.emit()  # suggestions changed: the checklist re-reads
            self.refresh()

    def show_evidence(self, evidence_id: int) -> None:
        """The Evidence view on that item when the window has one; else a preview dialog."""
        window = self.window()
        show_view: Callable[[str], object] | None = getattr(window, "show_view", None)
        view = show_view("evidence") if callable(show_view) else None
        select = getattr(view, "select_evidence", None)
        if callable(select):
            select(evidence_id)
            return
        open_evidence(self, self.acting, self.runner, evidence_id)

    # -- state -------------------------------------------------------------------------------

    def apply_permissions(self) -> None:
        chosen = bool(self.table.selectionModel().selectedRows())
        may_decide = self.acting.may(Action.DECIDE_FINDING)
        self.decide.setEnabled(may_decide and chosen)
        self.decide.setToolTip(
            self.acting.refusal(Action.DECIDE_FINDING)
            or ("Decide the selected findings (Ctrl+D)" if chosen else "Select findings first")
        )
        may_run = self.acting.may(Action.RUN_ANALYSIS)
        self.analyse_button.setEnabled(may_run and not self.analysis.running)
        self.analyse_button.setToolTip(
            self.acting.refusal(Action.RUN_ANALYSIS)
            or "Run every rule over the collected evidence (Ctrl+R)"
        )

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        active = sum(1 for f in self.model.findings() if f.active)
        open_ = sum(1 for f in self.model.findings() if f.active and f.status == "open")
        self.count.setText(f"{shown} shown · {active} active · {open_} open")
        if total == 0:
            self.empty.setText(
                "No findings yet — collect evidence, then press Analyse now."
                if self._loaded
                else "Reading the findings…"
            )
            self.pages.setCurrentWidget(self.empty)
        elif shown == 0:
            self.empty.setText("No finding matches these filters.")
            self.pages.setCurrentWidget(self.empty)
        else:
            self.pages.setCurrentWidget(self.table)

    def _selection_changed(self, *_: QItemSelection) -> None:
        chosen = self.selected_findings()
        self.detail.show_finding(chosen[0] if len(chosen) == 1 else None, len(chosen))
        self.apply_permissions()

    def _context_menu(self, position: QPoint) -> None:
        if not self.selected_findings():
            return
        menu = QMenu(self)
        may = self.acting.may(Action.DECIDE_FINDING)
        for status, text in (
            ("accepted-risk", "Accept the risk…"),
            ("false-positive", "False positive…"),
            ("remediated", "Remediated…"),
            ("open", "Reopen…"),
        ):
            action = menu.addAction(text)
            action.setEnabled(may)
            action.triggered.connect(partial(self.open_disposition, status))
        menu.popup(self.table.viewport().mapToGlobal(position))

    # -- building ----------------------------------------------------------------------------

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("findingsTable")
        table.setAccessibleName("Findings")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in enumerate((52, 82, 190, 90, 260, 220, 64, 110, 140, 118, 118)):
            table.setColumnWidth(column, width)
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.moveSection(STATUS_COLUMN, 2)  # the decision matters most when triaging: in view
        header.setSectionsMovable(True)
        return table

    def _layout(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        actions.addWidget(self.decide)
        actions.addWidget(self.analyse_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.pages, 1)
        upper_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(upper)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.analysis)

    def _connect(self) -> None:
        self.filters.changed.connect(self.proxy.set_filter)
        self.filters.changed.connect(lambda _: self._update_counts())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _: self.open_disposition())
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.decide.clicked.connect(lambda: self.open_disposition())
        self.analyse_button.clicked.connect(self.analyse_now)
        self.analyse_button.setShortcut(QKeySequence("Ctrl+R"))
        self.analysis.finished.connect(self._analysed)
        self.detail.evidence_requested.connect(self.show_evidence)
        self.acting.changed.connect(self.apply_permissions)
