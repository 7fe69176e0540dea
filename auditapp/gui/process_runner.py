"""Running a long job (collect, export) in a child process, its progress and outcome delivered
on the GUI thread; see auditapp.services.jobs for why a process and not a thread.

The runner polls the child's queue on a timer: progress goes to a ProgressBridge (so the widgets
that show a thread's progress show this too), and a Cancel on the bridge sets the child's cancel
flag. Exactly one of the callbacks runs, whatever happens to the child.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.services.jobs import Job, niceness_below_me, process_main, run_in_background

OnSuccess = Callable[[Any], None]
OnFailure = Callable[[Exception], None]
POLL_MS = 30
STOP_GRACE_S = 30.0  # a cancelled child stops at its next check; after this it is killed


class ProcessRunner(QObject):
    """One job at a time; `busy_changed(busy, label)` like TaskRunner's."""

    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # spawn, never fork: a forked copy of a process running Qt is not safe to use
        self._context = multiprocessing.get_context("spawn")
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._running: _Running | None = None
        self._exiting: list[Any] = []  # processes that delivered their outcome, still exiting

    @property
    def busy(self) -> bool:
        return self._running is not None

    @property
    def pid(self) -> int | None:
        """The running job's process id (None when idle)."""
        return self._running.process.pid if self._running is not None else None

    def start(
        self,
        label: str,
        job: Job,
        bridge: ProgressBridge,
        *,
        on_success: OnSuccess,
        on_failure: OnFailure,
    ) -> None:
        if self._running is not None:
            raise RuntimeError(f"{label}: {self._running.label} is still running")
        messages = self._context.Queue()
        cancel = self._context.Event()
        process = self._context.Process(
            target=process_main, args=(job, messages, cancel), name=f"auditapp: {label}"
        )
        process.daemon = True  # never outlives the window
        process.start()
        if process.pid is not None:
            run_in_background(process.pid, niceness_below_me())
        self._running = _Running(label, process, messages, cancel, bridge, on_success, on_failure)
        self._timer.start()
        self.busy_changed.emit(True, label)

    def wait(self, msecs: int = -1, *, cancel: bool = True) -> bool:
        """Block until the job ends and deliver its outcome (the window is closing). With
        `cancel` the child is told to stop first; one still running after `msecs` (or the
        grace period) is killed. The queue is read meanwhile: a child whose messages fill the
        pipe could not exit otherwise."""
        running = self._running
        if running is None:
            return True
        if cancel:
            running.bridge.cancel()
            running.cancel.set()
        deadline = time.monotonic() + (STOP_GRACE_S if msecs < 0 else msecs / 1000)
        while running.process.is_alive() and time.monotonic() < deadline:
            if running.outcome is None:
                running.outcome = running.drain()
            running.process.join(0.05)
        if running.process.is_alive():
            running.process.kill()
            running.process.join()
        self._poll()
        return self._running is None

    def _poll(self) -> None:
        self._reap()
        running = self._running
        if running is None:
            if not self._exiting:
                self._timer.stop()
            return
        if running.bridge.cancelled():
            running.cancel.set()
        outcome = running.outcome or running.drain()
        if outcome is None and not running.process.is_alive():
            outcome = running.drain() or (
                "failed",
                RuntimeError(
                    f"{running.label} stopped unexpectedly "
                    f"(its process ended with exit code {running.process.exitcode})"
                ),
            )
        if outcome is None:
            return
        self._running = None
        # the child still has to shut its interpreter down: reaped on later ticks, never
        # waited for here (that took hundreds of ms of the window's time)
        self._exiting.append(running.process)
        running.messages.close()
        self.busy_changed.emit(False, "")
        kind, value = outcome
        if kind == "done":
            running.on_success(value)
        else:
            running.on_failure(value if isinstance(value, Exception) else RuntimeError(value))

    def _reap(self) -> None:
        for process in [p for p in self._exiting if not p.is_alive()]:
            process.join()
            process.close()
            self._exiting.remove(process)


class _Running:
    def __init__(
        self,
        label: str,
        process: Any,
        messages: Any,
        cancel: Any,
        bridge: ProgressBridge,
        on_success: OnSuccess,
        on_failure: OnFailure,
    ) -> None:
        self.label = label
        self.process = process
        self.messages = messages
        self.cancel = cancel
        self.bridge = bridge
        self.on_success = on_success
        self.on_failure = on_failure
        self.outcome: tuple[str, object] | None = None

    def drain(self) -> tuple[str, object] | None:
        """Relay every progress message waiting; the outcome if it has come."""
        while True:
            try:
                message = self.messages.get_nowait()
            except (queues.Empty, OSError, EOFError, ValueError):
                return None
            except Exception as error:  # a message that cannot be read back: the outcome
                return "failed", RuntimeError(f"{self.label}: unreadable answer ({error})")
            if message[0] in ("done", "failed"):
                return message[0], message[1]
            self.bridge.relay(message)
