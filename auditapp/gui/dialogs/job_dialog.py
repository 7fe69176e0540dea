"""Dialogs that run one long job in a process of its own (a collect, a copy of the database):
its progress shown on the dialog, Esc or Close cancels a running job, closing waits for it."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QWidget

from auditapp.gui.process_runner import ProcessRunner
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.services.jobs import Job

CHOOSING, RUNNING, FINISHED = "choosing", "running", "finished"
ERROR_COLOUR = "#c62828"


class JobDialog(QDialog):
    """Not modal. A subclass lays out `status` and `close_button` with its own widgets, starts
    its job with `_bridge` then `_start`, and hears the outcome in `_succeeded` or `_failed`;
    `_update_buttons` shows each state. `work` names the job in messages ("the collect")."""

    def __init__(self, work: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self.runner = ProcessRunner(self)
        self.bridge: ProgressBridge | None = None
        self.state = CHOOSING
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.close_button = QPushButton("Close")
        self._close_when_stopped = False

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def cancel(self) -> None:
        """Ask the running job to stop; it stops at its next check and changes nothing."""
        if self.running and self.bridge is not None:
            self.bridge.cancel()

    def stop(self) -> None:
        """Cancel and wait for the job's process (the window is closing)."""
        self.cancel()
        self.runner.wait()

    # -- for subclasses ----------------------------------------------------------------------

    def _bridge(self, bar: QProgressBar) -> ProgressBridge:
        """A new bridge for the next job, shown on `bar` and `status`."""
        if self.bridge is not None:
            self.bridge.deleteLater()
        bridge = self.bridge = ProgressBridge(self)
        bridge.drive(bar, self.status)
        bridge.cancel_requested.connect(self._cancelling)
        return bridge

    def _start(self, label: str, job: Job) -> None:
        assert self.bridge is not None, "make the bridge first (_bridge)"
        self.status.setText("Starting…")
        try:
            self.runner.start(
                label, job, self.bridge, on_success=self._succeeded, on_failure=self._failed
            )
        except Exception as error:  # no process to be had (a limit, no memory): say so
            self._failed(error)
            return
        self._set_state(RUNNING)

    def _succeeded(self, result: object) -> None:
        raise NotImplementedError

    def _failed(self, error: Exception) -> None:
        raise NotImplementedError

    def _update_buttons(self) -> None:
        raise NotImplementedError

    def _set_state(self, state: str) -> None:
        self.state = state
        if state != RUNNING and self._close_when_stopped:
            self._close_when_stopped = False
            super().reject()
        self._update_buttons()

    @staticmethod
    def _show_text(view: QPlainTextEdit, text: str, *, error: bool) -> None:
        view.setPlainText(text)
        view.setStyleSheet(f"color: {ERROR_COLOUR}" if error else "")

    def _cancelling(self) -> None:
        self.close_button.setText("Cancelling…")
        self.close_button.setEnabled(False)
        self.status.setText(f"Cancelling: {self.work} stops at its next check…")

    # -- closing -----------------------------------------------------------------------------

    def reject(self) -> None:
        if self.running:  # Esc or Cancel while it runs: stop the job, show what it came to
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self._close_when_stopped = True
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
