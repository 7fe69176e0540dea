"""Running long work on a thread pool and delivering its outcome on the GUI thread.

A task is a plain function; it never touches widgets. Its result (or exception) travels back
through queued signals to a `TaskSignals` object that lives on the GUI thread, which then calls
the success or failure callback there. The runner keeps every running task's signals object
referenced until its outcome is delivered; the pool owns (and deletes) the runnable itself.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

OnSuccess = Callable[[Any], None]
OnFailure = Callable[[Exception], None]

# How long a worker may keep the GIL when the GUI thread wants it. Every Qt call into Python
# (a model's data(), a paint, a slot) takes the GIL afresh, so with a busy worker each one can
# wait a whole interval: at Python's default of 5 ms, repainting a table stalls the window for
# hundreds of ms. 1 ms keeps it responsive; the workers lose little.
SWITCH_INTERVAL_S = 0.001
# The cyclic garbage collector stops every thread while it walks the heap: with a worker
# allocating (an export builds hundreds of thousands of objects), its full passes over
# everything imported so far held the window for 100-300 ms. Objects alive when the window
# is built (modules, classes, Qt wrappers) are moved out of its way (`gc.freeze`), and the
# youngest generation is collected less often.
GC_THRESHOLDS = (20_000, 20, 20)


def keep_the_window_responsive() -> None:
    """Tune the interpreter for a window with busy worker threads (once per process)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


class TaskSignals(QObject):
    """Created on the GUI thread, so its slots run there; the worker only emits."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self, label: str, on_success: OnSuccess, on_failure: OnFailure, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.label = label
        self._on_success = on_success
        self._on_failure = on_failure
        self.finished.connect(self._deliver_success, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._deliver_failure, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        self._on_success(result)

    @Slot(object)
    def _deliver_failure(self, error: object) -> None:
        assert isinstance(error, Exception)
        self._on_failure(error)


class Task(QRunnable):
    """One call of `work` on a pool thread; the pool deletes it once `run` returns."""

    def __init__(self, work: Callable[[], object], signals: TaskSignals) -> None:
        super().__init__()
        self._work = work
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:  # delivered to the GUI thread, which decides what to show
            self._signals.failed.emit(error)
        else:
            self._signals.finished.emit(result)


class TaskRunner(QObject):
    """Runs tasks one at a time (database writes queue anyway) and reports when it is busy.

    `busy_changed(busy, what)` tells a status bar what is running ("Attaching x.pdf").
    """

    busy_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._running: list[TaskSignals] = []

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def start(
        self,
        label: str,
        work: Callable[[], object],
        *,
        on_success: OnSuccess,
        on_failure: OnFailure,
    ) -> None:
        """Queue `work`; exactly one of the callbacks runs later, on the GUI thread."""
        signals: TaskSignals

        def succeeded(result: object) -> None:
            self._finish(signals)
            on_success(result)

        def failed(error: Exception) -> None:
            self._finish(signals)
            on_failure(error)

        signals = TaskSignals(label, succeeded, failed, self)
        self._running.append(signals)
        self.busy_changed.emit(True, self._summary())
        self._pool.start(Task(work, signals))

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (used when the window closes); True if it is."""
        return self._pool.waitForDone(msecs)

    def _finish(self, signals: TaskSignals) -> None:
        if signals in self._running:
            self._running.remove(signals)
        signals.deleteLater()  # not now: we are inside one of its slots
        self.busy_changed.emit(self.busy, self._summary())

    def _summary(self) -> str:
        if not self._running:
            return ""
        more = len(self._running) - 1
        first = self._running[0].label
        return f"{first} (+{more} queued)" if more else first
