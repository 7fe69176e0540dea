"""The Since sign-off view: what a monitor run found changed since the signed-off baseline,
grouped by kind with the most urgent first; the runs so far and new risk per week; Check now;
and the run's delta report as a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import show_error
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.monitoring_check import CheckPanel
from auditapp.gui.views.monitoring_model import (
    CHANGE,
    MARKS,
    SEVERITY,
    SUBJECT,
    ChangesFilter,
    ChangesTreeModel,
    RunsListModel,
)
from auditapp.gui.views.monitoring_text import (
    LOOKS,
    NO_BASELINE,
    NO_BASELINE_HINT,
    NOT_CHECKED,
    baseline_line,
    change_html,
    headline,
    run_line,
)
from auditapp.gui.views.monitoring_trend import TrendChart
from auditapp.report.delta_model import DeltaWeek
from auditapp.services import signoff
from auditapp.services.monitor_baseline import BaselineView, load_baseline
from auditapp.services.monitor_history import MonitorRunView, list_runs
from auditapp.services.monitor_report import DeltaExport, export_delta, trend_weeks
from auditapp.services.signoff import SignOffView
from auditapp.services.workspace import Caller, Workspace


@dataclass(frozen=True)
class MonitoringData:
    baseline: BaselineView | None
    signoffs: list[SignOffView]
    runs: list[MonitorRunView]  # since the baseline, newest first
    trend: list[DeltaWeek]


def read_monitoring(ws: Workspace, caller: Caller) -> MonitoringData:
    baseline = load_baseline(ws, caller)
    if baseline is None:
        return MonitoringData(None, [], [], [])
    runs = [r for r in list_runs(ws, caller) if r.baseline_id == baseline.id]
    # up to this week, so weeks gone by without a check show as such
    trend = trend_weeks(runs, datetime.now(UTC).date()) if runs else []
    return MonitoringData(baseline, signoff.list_signoffs(ws, caller), runs, trend)


class MonitoringView(AuditView):
    key = "monitoring"
    title = "Since sign-off"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.data: MonitoringData | None = None
        self._to_latest = False
        self.export_dialog: QFileDialog | None = None
        self.changes = ChangesTreeModel(self)
        self.filter = ChangesFilter(self)
        self.filter.setSourceModel(self.changes)
        self.runs = RunsListModel(self)

        self.banner = QFrame()
        self.banner.setObjectName("monitoringBanner")
        self.headline = QLabel("Reading the runs…")
        self.headline.setObjectName("monitoringHeadline")
        self.headline.setWordWrap(True)
        self.about = QLabel()
        self.about.setObjectName("monitoringAbout")
        self.about.setWordWrap(True)
        banner = QVBoxLayout(self.banner)
        banner.setContentsMargins(10, 6, 10, 6)
        banner.addWidget(self.headline)
        banner.addWidget(self.about)

        self.run_picker = QComboBox()
        self.run_picker.setObjectName("runPicker")
        self.run_picker.setAccessibleName("Monitor run")
        self.run_picker.setModel(self.runs)
        self.search = QLineEdit()
        self.search.setObjectName("monitoringSearch")
        self.search.setAccessibleName("Search the changes")
        self.search.setPlaceholderText("Search: CVE, package, container… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        self.only_new = QCheckBox("Only &new since the last run")
        self.only_new.setObjectName("onlyNew")
        self.export_button = QPushButton("&Export report…")
        self.export_button.setObjectName("exportDelta")
        self.export_button.setToolTip("This run as a short PDF of what changed since sign-off")
        self.export_button.clicked.connect(self.choose_export)

        self.tree = QTreeView()
        self.tree.setObjectName("changesTree")
        self.tree.setAccessibleName("What changed since sign-off")
        self.tree.setModel(self.filter)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setWordWrap(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CHANGE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((SEVERITY, 100), (SUBJECT, 130), (MARKS, 150)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.detail = QLabel()
        self.detail.setObjectName("changeDetail")
        self.detail.setAccessibleName("The selected change")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.trend = TrendChart()
        scroll = QScrollArea()
        scroll.setWidget(self.detail)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        detail_box = QGroupBox("Selected change")
        QVBoxLayout(detail_box).addWidget(scroll)
        trend_box = QGroupBox("New risk per week")
        QVBoxLayout(trend_box).addWidget(self.trend)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(detail_box)
        lower.addWidget(trend_box)
        lower.setSizes([500, 400])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.check = CheckPanel(acting)
        self.check.message.connect(self.message)
        self.check.checked.connect(self._checked)

        tools = QHBoxLayout()
        run_label = QLabel("&Run")
        run_label.setBuddy(self.run_picker)
        tools.addWidget(run_label)
        tools.addWidget(self.run_picker, 1)
        tools.addWidget(self.export_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.only_new)
        self.watching = QWidget()
        body = QVBoxLayout(self.watching)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.banner)
        body.addLayout(tools)
        body.addLayout(filters)
        body.addWidget(self.splitter, 1)
        body.addWidget(self.check)

        self.empty = QLabel(f"<p><b>{NO_BASELINE}</b></p><p>{NO_BASELINE_HINT}</p>")
        self.empty.setObjectName("monitoringEmpty")
        self.empty.setAccessibleName(NO_BASELINE)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setMargin(40)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.watching)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

        self.run_picker.currentIndexChanged.connect(self._run_chosen)
        self.search.textChanged.connect(self._apply_filter)
        self.only_new.toggled.connect(self._apply_filter)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the monitor runs", lambda: read_monitoring(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, MonitoringData)
        chosen = self.chosen_run()
        # whoever was looking at the latest run goes on seeing the latest, new ones included
        follow = self._to_latest or chosen is None or chosen.id == self.runs.runs[0].id
        self._to_latest = False
        self.data = result
        self.check.set_baseline(result.baseline is not None)
        if result.baseline is None:
            self.pages.setCurrentWidget(self.empty)
            return
        self.pages.setCurrentWidget(self.watching)
        self.trend.set_weeks(result.trend)
        self.runs.set_runs(result.runs)
        row = 0 if follow or chosen is None else self.runs.row_of(chosen.id)
        self.run_picker.setCurrentIndex(max(row, 0) if result.runs else -1)
        self._run_chosen()

    def _checked(self, _report: object) -> None:
        self._to_latest = True  # the run just made is the one to show
        self.changed.emit()
        self.refresh()

    def chosen_run(self) -> MonitorRunView | None:
        row = self.run_picker.currentIndex()
        return self.runs.runs[row] if 0 <= row < len(self.runs.runs) else None

    def _run_chosen(self) -> None:
        run = self.chosen_run()
        data = self.data
        self.changes.set_changes(run.changes if run else ())
        self.tree.expandAll()
        for row in range(self.filter.rowCount()):
            self.tree.setFirstColumnSpanned(row, self.tree.rootIndex(), True)
        self.export_button.setEnabled(run is not None)
        status = run.status if run else 0
        background, border, ink = LOOKS.get(status, LOOKS[0])
        self.banner.setStyleSheet(
            f"QFrame#monitoringBanner {{ background: {background}; border: 1px solid {border}; }}"
            f" QFrame#monitoringBanner QLabel {{ color: {ink}; }}"
        )
        self.headline.setText(f"<b>{headline(run)}</b>" if run else NOT_CHECKED)
        lines = [run_line(run)] if run else []
        if data is not None and data.baseline is not None:
            lines.append(baseline_line(data.baseline, data.signoffs))
        lines += [f"• {problem}" for problem in (run.problems if run else ())]
        self.about.setText("\n".join(lines))
        self._show_detail()

    def _apply_filter(self) -> None:
        self.filter.set_filter(self.search.text(), self.only_new.isChecked())
        self.tree.expandAll()
        for row in range(self.filter.rowCount()):
            self.tree.setFirstColumnSpanned(row, self.tree.rootIndex(), True)

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        rows = self.tree.selectionModel().selectedRows()
        change = self.changes.change_at(self.filter.mapToSource(rows[0])) if rows else None
        if change is not None:
            self.detail.setText(change_html(change))
        elif self.changes.groups:
            self.detail.setText("Select a change to see it in full.")
        else:
            self.detail.setText("")

    # -- the delta report --------------------------------------------------------------------

    def choose_export(self) -> QFileDialog | None:
        run = self.chosen_run()
        if run is None:
            return None
        dialog = QFileDialog(self, "Export what changed since sign-off")
        dialog.setObjectName("exportDeltaDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.setNameFilter("PDF (*.pdf)")
        dialog.selectFile(f"since-sign-off-run-{run.id}.pdf")
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name), run.id))
        dialog.finished.connect(dialog.deleteLater)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export_to(self, path: Path, run_id: int) -> None:
        ws, caller = self.acting.ws, self.acting.caller()

        def written(result: object) -> None:
            assert isinstance(result, DeltaExport)
            self.message.emit(
                f"Wrote {result.pdf.name}: run #{result.run}, {result.status}, {result.pages} "
                f"page(s)"
            )

        def failed(error: Exception) -> None:
            show_error(self, "Cannot write the report", error)

        self.runner.start(
            "Writing the report",
            lambda: export_delta(ws, caller, path, run_id=run_id),
            on_success=written,
            on_failure=failed,
        )
