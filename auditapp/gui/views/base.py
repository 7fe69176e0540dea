"""What every working view of the main window is: a widget over one subject of the open audit
(findings, flows, threats ...) that reloads itself from the services when shown.

Views read through `self.runner` (off the UI thread) and change things as the acting member;
they never hold audit state beyond what they show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error
from auditapp.gui.tasks import TaskRunner


class AuditView(QWidget):
    """Subclasses set `key` (stable, for tests and QSettings) and `title`, and implement
    `refresh()`. `message` goes to the status bar; `changed` tells the window that the audit
    changed (so the checklist's progress is re-read); `item_requested(key)` and
    `finding_requested(id)` ask the window to show a checklist item or a finding."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    message = Signal(str)
    changed = Signal()
    item_requested = Signal(str)
    finding_requested = Signal(int)

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.acting = acting
        self.runner = runner
        self.setObjectName(f"view-{self.key}")
        self.setAccessibleName(self.title)

    def refresh(self) -> None:
        """Reload from the services (called when the view is shown or the acting member
        changes)."""
        raise NotImplementedError

    def stop(self) -> None:
        """The window is closing: cancel long work the view started and wait for it (views
        without any need not override this)."""

    def load(
        self,
        label: str,
        work: Callable[[], object],
        done: Callable[[object], None],
    ) -> None:
        """Run `work` off the UI thread; `done(result)` runs on it; failures go to the status
        bar with the reason."""
        self.runner.start(
            label,
            work,
            on_success=done,
            on_failure=lambda error: self.message.emit(f"{label} failed: {describe_error(error)}"),
        )
