"""Running the analysis from the Findings view: a progress strip with Cancel while the rules run
on the task runner, then a one-line summary."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.tasks import TaskRunner
from auditapp.progress import Cancelled
from auditapp.services.analysis import AnalysisSummary, analyse


class AnalysisStrip(QWidget):
    """Hidden until an analysis runs. Emits `finished(text, stored)`: what to tell the person,
    and whether findings were stored (False when it failed or was cancelled)."""

    finished = Signal(str, bool)

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisStrip")
        self._acting = acting
        self._runner = runner
        self.bridge: ProgressBridge | None = None
        self.label = QLabel()
        self.label.setObjectName("analysisStage")
        self.bar = QProgressBar()
        self.bar.setObjectName("analysisProgress")
        self.bar.setAccessibleName("Analysis progress")
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelAnalysisButton")
        self.cancel.setAccessibleName("Cancel the analysis")
        self.cancel.setToolTip("Stop the analysis; nothing is stored (Esc)")
        self.cancel.setShortcut("Esc")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel)
        self.hide()

    @property
    def running(self) -> bool:
        return self.bridge is not None

    def start(self) -> None:
        if self.running:
            return
        bridge = ProgressBridge(self)
        self.bridge = bridge
        self.cancel.setEnabled(True)
        bridge.drive(self.bar, self.label, self.cancel)
        self.label.setText("Starting the analysis")
        self.show()
        ws, caller = self._acting.ws, self._acting.caller()
        self._runner.start(
            "Analysing",
            lambda: analyse(ws, caller, bridge),
            on_success=self._succeeded,
            on_failure=self._failed,
        )

    def _succeeded(self, result: object) -> None:
        assert isinstance(result, AnalysisSummary)
        self._done(summary_text(result), True)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, Cancelled):
            self._done("Analysis cancelled; nothing was stored", False)
        else:
            self._done(f"Analysis failed: {describe_error(error)}", False)

    def _done(self, text: str, stored: bool) -> None:
        if self.bridge is not None:
            self.bridge.deleteLater()
        self.bridge = None
        self.hide()
        self.finished.emit(text, stored)


def summary_text(summary: AnalysisSummary) -> str:
    counts = ", ".join(
        f"{summary.by_severity[s]} {s}"
        for s in ("critical", "high", "medium", "low", "info")
        if summary.by_severity.get(s)
    )
    parts = [
        f"Analysed: {summary.rules_run} rules, {summary.findings} findings",
        f"{summary.new} new",
        f"{summary.resolved} no longer seen",
    ]
    if summary.reopened:
        parts.append(f"{summary.reopened} reopened")
    text = ", ".join(parts)
    return f"{text} (open: {counts})" if counts else text
