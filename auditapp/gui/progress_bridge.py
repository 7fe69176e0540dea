"""Long work's `Progress` (auditapp.progress) seen from the GUI: a worker reports through the
bridge, widgets on the GUI thread hear about it through signals, and a Cancel button sets a flag
the worker reads.

The worker only emits private signals queued to the bridge's own thread (the GUI thread); there
the bridge keeps the state and re-emits the public signals, so whoever listens runs on the GUI
thread whatever the connection type. Steps are coalesced (at most one delivery per
`interval` seconds, plus the last of each stage) so a worker advancing thousands of times does
not flood the event loop.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QLabel, QProgressBar


class ProgressBridge(QObject):
    """Implements the Progress protocol for one piece of work (make one per source, per job).

    Public signals, always on the GUI thread:
    - `stage(label, total)`: a stage began; `total` is 0 when unknown (show a busy bar);
    - `advanced(done, total)`: steps done so far in the stage;
    - `noted(text)`: a message from the work;
    - `cancel_requested()`: someone pressed Cancel (the work stops at its next check).
    """

    stage = Signal(str, int)
    advanced = Signal(int, int)
    noted = Signal(str)
    cancel_requested = Signal()

    _stage_from_worker = Signal(str, int)
    _done_from_worker = Signal(int)
    _note_from_worker = Signal(str)

    def __init__(self, parent: QObject | None = None, interval: float = 0.05) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._interval = interval
        # worker-side counters: only the worker thread touches these while it runs
        self._done = 0
        self._total = 0
        self._last_sent = 0.0
        # GUI-side state, for whoever asks later (a dialog opened mid-way, a summary)
        self.label = ""
        self.total = 0
        self.done = 0
        self.last_note = ""
        queued = Qt.ConnectionType.QueuedConnection
        self._stage_from_worker.connect(self._on_stage, queued)
        self._done_from_worker.connect(self._on_done, queued)
        self._note_from_worker.connect(self._on_note, queued)

    # -- the Progress protocol (called from the worker) --------------------------------------

    def start(self, label: str, total: int | None = None) -> None:
        self._done = 0
        self._total = max(0, total or 0)
        self._last_sent = time.monotonic()
        self._stage_from_worker.emit(label, self._total)

    def advance(self, steps: int = 1) -> None:
        self._done += steps
        now = time.monotonic()
        last = self._total > 0 and self._done >= self._total
        if last or now - self._last_sent >= self._interval:
            self._last_sent = now
            self._done_from_worker.emit(self._done)

    def message(self, text: str) -> None:
        self._note_from_worker.emit(text)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- the GUI side ------------------------------------------------------------------------

    @Slot()
    def cancel(self) -> None:
        """Ask the work to stop (connect a Cancel button's `clicked` here)."""
        if not self._cancel.is_set():
            self._cancel.set()
            self.cancel_requested.emit()

    def relay(self, message: tuple[object, ...]) -> None:
        """Show what a child process reported: ("stage", label, total), ("step", done) or
        ("note", text) (see auditapp.services.jobs). Called on the GUI thread."""
        match message:
            case ("stage", str(label), int(total)):
                self._on_stage(label, total)
            case ("step", int(done)):
                self._on_done(done)
            case ("note", str(text)):
                self._on_note(text)

    def reset(self) -> None:
        """Ready for another run of the work (clears a cancel)."""
        self._cancel.clear()
        self.label, self.total, self.done, self.last_note = "", 0, 0, ""

    def drive(
        self,
        bar: QProgressBar,
        label: QLabel | None = None,
        cancel_button: QAbstractButton | None = None,
    ) -> None:
        """Show this work on `bar` (and its stage and messages on `label`); `cancel_button`
        cancels it and is disabled once pressed. The connections go when `bar` does."""
        driver = _BarDriver(bar, label)
        self.stage.connect(driver.on_stage)
        self.advanced.connect(driver.on_advanced)
        self.noted.connect(driver.on_note)
        if cancel_button is not None:
            cancel_button.clicked.connect(self.cancel)
            self.cancel_requested.connect(driver.on_cancel_requested)
            driver.cancel_button = cancel_button

    @Slot(str, int)
    def _on_stage(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stage.emit(label, total)

    @Slot(int)
    def _on_done(self, done: int) -> None:
        self.done = done
        self.advanced.emit(done, self.total)

    @Slot(str)
    def _on_note(self, text: str) -> None:
        self.last_note = text
        self.noted.emit(text)


class _BarDriver(QObject):
    """Lives as a child of the bar, so a closed dialog takes its connections with it."""

    def __init__(self, bar: QProgressBar, label: QLabel | None) -> None:
        super().__init__(bar)
        self.bar = bar
        self.label = label
        self.cancel_button: QAbstractButton | None = None
        bar.setRange(0, 1)
        bar.setValue(0)

    @Slot(str, int)
    def on_stage(self, text: str, total: int) -> None:
        self.bar.setRange(0, total)  # (0, 0) makes Qt show a busy bar
        self.bar.setValue(0)
        self.bar.setFormat(f"{text} %v/%m" if total else text)
        if self.label is not None:
            self.label.setText(text[:1].upper() + text[1:])

    @Slot(int, int)
    def on_advanced(self, done: int, total: int) -> None:
        self.bar.setValue(min(done, total) if total else 0)

    @Slot(str)
    def on_note(self, text: str) -> None:
        if self.label is not None:
            self.label.setText(text)

    @Slot()
    def on_cancel_requested(self) -> None:
        if self.cancel_button is not None:
            self.cancel_button.setEnabled(False)
