"""Check now: one monitor run from the Since sign-off view, on its own worker (it collects and
analyses for minutes), with a bar per stage and Cancel, which stops it before anything is
stored."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error
from auditapp.gui.monitor_watch import run_check
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.tasks import TaskRunner
from auditapp.progress import Cancelled
from auditapp.services.monitor import MonitorReport
from auditapp.services.roles import Action

CHECK_TIP = "Bring the data up to date, analyse again and compare with what was signed off (Ctrl+R)"
NO_BASELINE_TIP = "Nothing to compare with until an officer and an auditor have signed off"


class CheckPanel(QWidget):
    """`checked(report)` after a run is stored; `message(text)` for the status bar."""

    checked = Signal(object)
    message = Signal(str)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.acting = acting
        self.has_baseline = False
        self.runner = TaskRunner(self)
        self.bridge: ProgressBridge | None = None

        self.check_button = QPushButton("Check &now")
        self.check_button.setObjectName("checkNow")
        self.check_button.setAccessibleName("Check now")
        self.check_button.setShortcut(QKeySequence("Ctrl+R"))
        self.check_button.clicked.connect(self.start)
        self.collect = QCheckBox("Co&llect from the Docker Engine")
        self.collect.setObjectName("checkCollect")
        self.collect.setToolTip(
            "Read the running containers and images again first (runtime drift, new digests)"
        )
        self.online = QCheckBox("Ask online sources (OS&V, CISA KEV)")
        self.online.setObjectName("checkOnline")
        self.online.setToolTip(
            "Ask the OSV API for newer vulnerability data and fetch CISA's KEV catalogue first"
        )
        self.bar = QProgressBar()
        self.bar.setObjectName("checkProgress")
        self.bar.setAccessibleName("Check progress")
        self.stage = QLabel()
        self.stage.setObjectName("checkStage")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelCheck")
        self.cancel_button.setToolTip("Stop the check; no run is stored")
        self.progress = QWidget()
        row = QHBoxLayout(self.progress)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.progress.hide()

        # long stage texts must not widen the view (it sits beside the navigator)
        self.stage.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        controls = QHBoxLayout()
        controls.addWidget(self.check_button)
        controls.addWidget(self.collect)
        controls.addWidget(self.online)
        controls.addWidget(self.stage, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        acting.changed.connect(self.update_enabled)
        application = QCoreApplication.instance()
        if application is not None:  # quitting mid-check: stop it rather than wait it out
            application.aboutToQuit.connect(self.stop)
        self.update_enabled()

    @property
    def running(self) -> bool:
        return self.runner.busy

    def set_baseline(self, present: bool) -> None:
        self.has_baseline = present
        self.update_enabled()

    def update_enabled(self) -> None:
        refusal = self.acting.refusal(Action.RUN_ANALYSIS)
        if not refusal and not self.has_baseline:
            refusal = NO_BASELINE_TIP
        usable = not refusal and not self.running
        for control in (self.check_button, self.collect, self.online):
            control.setEnabled(usable)
        self.check_button.setToolTip(refusal or CHECK_TIP)

    def start(self) -> None:
        if self.running or not self.check_button.isEnabled():
            return
        if self.bridge is not None:
            self.bridge.deleteLater()
        bridge = self.bridge = ProgressBridge(self)
        bridge.drive(self.bar, self.stage, self.cancel_button)
        self.bar.setRange(0, 0)  # busy until the first stage says how long it is
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.stage.setText("Starting the check…")
        ws, caller = self.acting.ws, self.acting.caller()
        collect, online = self.collect.isChecked(), self.online.isChecked()
        self.runner.start(
            "Checking since sign-off",
            lambda: run_check(ws, caller, collect=collect, online=online, progress=bridge),
            on_success=self._done,
            on_failure=self._failed,
        )
        self.update_enabled()

    def stop(self) -> None:
        """Cancel a running check and wait for it (the window is closing)."""
        if self.bridge is not None:
            self.bridge.cancel()
        self.runner.wait()

    def _done(self, result: object) -> None:
        self._finished()
        if not isinstance(result, MonitorReport):
            self.stage.setText(NO_BASELINE_TIP)
            return
        self.stage.setText("")
        self.message.emit(
            f"Run #{result.run_id}: {len(result.changes)} change(s) since sign-off, "
            f"{result.new_since_last_run} new since the last run"
        )
        self.checked.emit(result)

    def _failed(self, error: Exception) -> None:
        self._finished()
        if isinstance(error, Cancelled):
            self.stage.setText("Check cancelled: no run was stored")
        else:
            self.stage.setText("The check failed")
            self.message.emit(f"The check failed: {describe_error(error)}")

    def _finished(self) -> None:
        self.progress.hide()
        self.update_enabled()
