"""The Collect dialog: choose the sources, follow each stage of the collect, read the summary.

The collect runs in a process of its own (it can take minutes, and in a thread it would compete
with the window for the GIL), reports through a ProgressBridge, and stores everything in one
transaction at the end, so Cancel leaves the audit as it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.collect_sources import CollectSourcesForm
from auditapp.gui.dialogs.collect_stages import (
    CANCELLED,
    DONE,
    FAILED,
    StageBarDelegate,
    StageTableModel,
)
from auditapp.gui.dialogs.job_dialog import CHOOSING, FINISHED, JobDialog
from auditapp.gui.errors import describe_error
from auditapp.progress import Cancelled
from auditapp.services.collect import CollectSummary
from auditapp.services.jobs import CollectJob, job_for
from auditapp.services.roles import Action


class CollectDialog(JobDialog):
    """Not modal: people keep reading the audit while it collects.

    `collected(summary)` fires once a collect was stored. Closing while it runs cancels it;
    the dialog closes itself when the work has stopped."""

    collected = Signal(object)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__("the collect", parent)
        self.setObjectName("collectDialog")
        self.setWindowTitle("Collect evidence")
        self.setAccessibleName("Collect evidence")
        self.acting = acting
        self.last_summary: CollectSummary | None = None
        self.outcome = ""  # what the last run came to, in one line

        self.sources = CollectSourcesForm()
        self.stages = StageTableModel(self)
        self.stage_table = QTableView()
        self.stage_table.setObjectName("collectStages")
        self.stage_table.setAccessibleName("Stages of the collect")
        self.stage_table.setModel(self.stages)
        self.stage_table.setItemDelegate(StageBarDelegate(self.stage_table))
        self.stage_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.stage_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stage_table.verticalHeader().hide()
        header = self.stage_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 220)
        self.bar = QProgressBar()
        self.bar.setObjectName("collectProgress")
        self.bar.setAccessibleName("Progress of the current stage")
        self.status.setText("Ready")
        self.status.setObjectName("collectStatus")
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("collectSummary")
        self.summary.setAccessibleName("Summary of the collect")
        self.summary.setReadOnly(True)
        self.summary.hide()

        running = QWidget()
        running_layout = QVBoxLayout(running)
        running_layout.setContentsMargins(0, 0, 0, 0)
        running_layout.addWidget(self.stage_table, 2)
        running_layout.addWidget(self.status)
        running_layout.addWidget(self.bar)
        running_layout.addWidget(self.summary, 3)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.sources)
        self.pages.addWidget(running)

        self.collect_button = QPushButton("&Collect")
        self.collect_button.setObjectName("startCollect")
        self.collect_button.setDefault(True)
        self.collect_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.back_button = QPushButton("&More sources…")
        self.back_button.setObjectName("backToSources")
        self.back_button.setToolTip("Choose more sources and collect again")
        self.close_button.setObjectName("closeCollect")
        buttons = QDialogButtonBox()
        buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.collect_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)

        intro = QLabel(
            "Everything is read first and stored in one go at the end: cancelling stores nothing."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pages, 1)
        row = QHBoxLayout()
        row.addWidget(buttons)
        layout.addLayout(row)

        self.collect_button.clicked.connect(self.start)
        self.back_button.clicked.connect(self._back_to_sources)
        self.close_button.clicked.connect(self.reject)
        self.sources.changed.connect(self._update_buttons)
        acting.changed.connect(self._update_buttons)
        self._update_buttons()
        self.resize(780, 640)

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        """Collect what the form names, on the dialog's worker."""
        request = self.sources.request()
        if self.running or request.empty or not self.acting.may(Action.ATTACH_EVIDENCE):
            return
        if self.sources.uses_engine():
            self.sources.apply_docker_host()
        bridge = self._bridge(self.bar)
        bridge.stage.connect(self.stages.begin)
        bridge.advanced.connect(self.stages.advance)
        self.stages.clear()
        self.last_summary, self.outcome = None, ""
        self.summary.clear()
        self.summary.hide()
        self.pages.setCurrentIndex(1)
        job = job_for(self.acting.ws, self.acting.caller(), CollectJob(request))
        self._start("Collecting", job)

    def _succeeded(self, result: object) -> None:
        assert isinstance(result, CollectSummary)
        self.stages.finish(DONE)
        self.last_summary = result
        self.outcome = "Collected and stored"
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.bar.setFormat("Done")
        self.status.setText(f"{self.outcome}: {_count(result.evidence, 'evidence item')}")
        self._show_summary("\n".join(summary_lines(result)), error=False)
        self._set_state(FINISHED)
        self.collected.emit(result)

    def _failed(self, error: Exception) -> None:
        cancelled = isinstance(error, Cancelled)
        self.stages.finish(CANCELLED if cancelled else FAILED)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("Cancelled" if cancelled else "Failed")
        if cancelled:
            self.outcome = "Cancelled: nothing was stored"
            detail = "The audit is as it was before the collect; collect again when ready."
        else:
            self.outcome = "The collect failed: nothing was stored"
            detail = describe_error(error)
        self.status.setText(self.outcome)
        self._show_summary(f"{self.outcome}.\n\n{detail}", error=not cancelled)
        self._set_state(FINISHED)

    # -- showing -----------------------------------------------------------------------------

    def _back_to_sources(self) -> None:
        self.pages.setCurrentIndex(0)
        self._set_state(CHOOSING)

    def _show_summary(self, text: str, *, error: bool) -> None:
        self._show_text(self.summary, text, error=error)
        self.summary.show()

    def _update_buttons(self) -> None:
        may = self.acting.may(Action.ATTACH_EVIDENCE)
        choosing = self.state == CHOOSING
        self.collect_button.setVisible(choosing)
        self.collect_button.setEnabled(may and not self.sources.request().empty)
        self.collect_button.setToolTip(
            self.acting.refusal(Action.ATTACH_EVIDENCE)
            or "Read every source, then store it all (Ctrl+Enter)"
        )
        self.back_button.setVisible(self.state == FINISHED)
        self.close_button.setEnabled(True)
        self.close_button.setText("Cancel" if self.running else "Close")
        self.close_button.setToolTip(
            "Stop the collect; nothing is stored (Esc)" if self.running else "Close (Esc)"
        )
        self.sources.setEnabled(choosing)


def summary_lines(summary: CollectSummary) -> list[str]:
    """The summary as a person reads it: what was found, and what could not be read."""
    packages = sum(summary.packages.values())
    per_ecosystem = ", ".join(f"{name} {count:,}" for name, count in summary.packages.items())
    lines = [
        f"Stored {_count(summary.evidence, 'evidence item')}.",
        f"Images: {summary.images}    Containers: {summary.containers}    "
        f"Networks: {summary.networks}    Volumes: {summary.volumes}    "
        f"Compose services: {summary.services}",
        f"Packages: {packages:,}" + (f" ({per_ecosystem})" if per_ecosystem else ""),
        f"Skipped while cataloguing: {summary.skipped}",
    ]
    if summary.incomplete:
        lines.append(f"Incomplete inventories ({len(summary.incomplete)}):")
        lines += [f"  • {problem}" for problem in summary.incomplete]
    else:
        lines.append("Incomplete inventories: none")
    if summary.secrets:
        lines.append(
            f"Secrets found: {summary.secrets} (each is a finding that says where it is, "
            "never what it is)"
        )
    else:
        lines.append("Secrets found: none")
    if summary.components:
        lines.append("Components: " + ", ".join(summary.components))
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"
