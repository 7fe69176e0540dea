"""Watching a signed-off audit while the window is open: a monitor run on a timer, off the UI
thread, and a notification when it finds new risk — in the system tray when there is one
(offscreen and on some desktops there is none), in the status bar always.

Also the one way the GUI runs the monitor (`run_check`), so Check now and the timer agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.tasks import TaskRunner
from auditapp.progress import Cancelled, Progress
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Workspace

if TYPE_CHECKING:
    # imported when a check first runs: monitoring pulls in most of the services, and the
    # window should not wait for them to open
    from auditapp.services.monitor import MonitorReport

NOTICE_LINES = 4  # the tray shows a few lines; the view shows everything
NOTICE_MSECS = 20_000


class StopOnCancel:
    """A Progress that raises Cancelled at the next stage once cancelled. The monitor turns a
    failing step into a reason it "could not check" and stores the run; a cancel must instead
    stop it before anything is stored, and every stage after a step starts through here."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner

    def start(self, label: str, total: int | None = None) -> None:
        if self.inner.cancelled():
            raise Cancelled("check cancelled; no run was stored")
        self.inner.start(label, total)

    def advance(self, steps: int = 1) -> None:
        self.inner.advance(steps)

    def message(self, text: str) -> None:
        self.inner.message(text)

    def cancelled(self) -> bool:
        return self.inner.cancelled()


def run_check(
    ws: Workspace, caller: Caller, *, collect: bool, online: bool, progress: Progress
) -> MonitorReport | None:
    """One monitor run as the GUI makes it; None (and no run stored) before the sign-off."""
    from auditapp.services.monitor import monitor
    from auditapp.services.monitor_baseline import load_baseline

    if load_baseline(ws, caller) is None:
        return None
    guarded = StopOnCancel(progress)
    if not online:
        return monitor(ws, caller, collect=collect, progress=guarded)
    import requests

    from auditapp.vulns.osv_api import OsvClient

    with requests.Session() as http:
        return monitor(
            ws, caller, collect=collect, online=True, osv=OsvClient(http), progress=guarded
        )


def found_new_risk(report: MonitorReport) -> bool:
    from auditapp.services.monitor import NOTHING_NEW

    return report.status != NOTHING_NEW and report.new_since_last_run > 0


def notice(report: MonitorReport) -> str:
    """The first lines of what the webhook would say."""
    from auditapp.services.monitor_webhook import message

    lines = message(report, report.audit).splitlines()
    more = len(lines) - NOTICE_LINES
    return "\n".join(lines[:NOTICE_LINES] + ([f"… and {more} more"] if more > 0 else []))


class MonitorWatch(QObject):
    """Checks the open audit every `interval_minutes` (0: never) as the acting member, when a
    baseline exists and the member may run the analysis. `checked(report)` after each run;
    `said(text)` for the status bar; `show_requested()` when the tray message is clicked."""

    checked = Signal(object)
    said = Signal(str)
    show_requested = Signal()

    def __init__(
        self,
        acting: ActingAs,
        interval_minutes: int,
        *,
        online: Callable[[], bool] = lambda: False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.acting = acting
        self.online = online
        self.runner = TaskRunner(self)  # a check runs for minutes: not on the views' worker
        self.bridge: ProgressBridge | None = None
        self.last_report: MonitorReport | None = None
        self.tray: QSystemTrayIcon | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("monitorWatchTimer")
        self.timer.timeout.connect(self.check_now)
        self.set_interval(interval_minutes)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def set_interval(self, minutes: int) -> None:
        self.timer.stop()
        if minutes > 0:
            self.timer.start(minutes * 60_000)

    def check_now(self) -> bool:
        """Start a background check; False when there is nothing to check or one is running."""
        acting = self.acting
        if acting.audit is None or self.busy or not acting.may(Action.RUN_ANALYSIS):
            return False
        ws, caller, online = acting.ws, acting.caller(), self.online()
        bridge = self.bridge = ProgressBridge(self)
        self.runner.start(
            "Checking since sign-off",
            lambda: run_check(ws, caller, collect=False, online=online, progress=bridge),
            on_success=self._checked,
            on_failure=self._failed,
        )
        return True

    def stop(self) -> None:
        """Cancel a running check and wait for it (the window is closing)."""
        self.timer.stop()
        if self.bridge is not None:
            self.bridge.cancel()
        self.runner.wait()
        if self.tray is not None:
            self.tray.hide()

    def _checked(self, result: object) -> None:
        from auditapp.services.monitor import MonitorReport

        if not isinstance(result, MonitorReport):
            return  # no baseline yet: nothing was checked or stored
        self.last_report = result
        self.checked.emit(result)
        if found_new_risk(result):
            self.notify(result)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, Cancelled):
            self.said.emit(f"The background check since sign-off failed: {describe_error(error)}")

    def notify(self, report: MonitorReport) -> None:
        first = notice(report).splitlines()[0]
        self.said.emit(f"{first} — see Since sign-off")
        tray = self._tray()
        if tray is not None:
            tray.showMessage(
                f"New risk since sign-off: {report.audit}",
                notice(report),
                QSystemTrayIcon.MessageIcon.Warning,
                NOTICE_MSECS,
            )

    def _tray(self) -> QSystemTrayIcon | None:
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            icon = QApplication.windowIcon()
            self.tray = QSystemTrayIcon(icon if not icon.isNull() else QIcon(), self)
            self.tray.setToolTip("auditapp: watching since sign-off")
            self.tray.messageClicked.connect(self.show_requested)
            self.tray.activated.connect(lambda _reason: self.show_requested.emit())
            self.tray.show()
        return self.tray
