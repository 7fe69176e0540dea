"""The window's status bar: messages, overall progress, background work and the database."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from auditapp.checklist import Progress

MESSAGE_MSECS = 8000


class AuditStatusBar(QStatusBar):
    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_message = ""
        self.busy = QProgressBar()
        self.busy.setObjectName("busyIndicator")
        self.busy.setAccessibleName("Background work")
        self.busy.setRange(0, 0)  # indeterminate: a file is being read and stored
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(16)
        self.busy_label = QLabel()
        self.busy_label.setObjectName("busyLabel")
        self.progress = QLabel()
        self.progress.setObjectName("overallProgress")
        self.progress.setAccessibleName("Overall progress")
        self.database = QLabel(database)
        self.database.setObjectName("databaseLabel")
        self.database.setAccessibleName("Database")
        self.database.setToolTip(f"Database: {database}")
        for label in (self.busy_label, self.progress, self.database):
            label.setContentsMargins(10, 0, 10, 0)
        self.addPermanentWidget(self.busy_label)
        self.addPermanentWidget(self.busy)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.database)
        self.set_busy(False, "")

    def say(self, text: str) -> None:
        """Show `text` for a while; hovering a control may replace it sooner, so keep it."""
        self.last_message = text
        self.showMessage(text, MESSAGE_MSECS)

    def set_busy(self, busy: bool, what: str) -> None:
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)
        self.busy_label.setText(f"{what}…" if what else "")
        self.busy.setToolTip(what)

    def set_progress(self, overall: Progress | None) -> None:
        if overall is None:
            self.progress.clear()
            return
        self.progress.setText(
            f"{overall.complete}/{overall.total} complete · {overall.answered} answered"
        )
        self.progress.setToolTip(
            f"{overall.complete} of {overall.total} items are complete (answered, explained and "
            f"backed by evidence where expected); {overall.answered} have a status"
        )
