"""The Copy database dialog: every audit into a new, empty SQLite file or PostgreSQL database
(`db copy`), then the check of the copy, table by table and journal by journal.

The copy runs in a process of its own and writes the target in one transaction, so Cancel or a
failure leaves the target empty; this database is only read.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import URL

from auditapp.gui.dialogs.job_dialog import FINISHED, JobDialog
from auditapp.gui.errors import describe_error
from auditapp.progress import Cancelled
from auditapp.services.dbcopy import CopyReport
from auditapp.services.jobs import CopyJob, job_for
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.database import parse_url

SQLITE_FILES = "SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)"


class CopyDatabaseDialog(JobDialog):
    """`use_copy(target)` fires when, after a verified copy, the user chooses to work in it
    from the next start (`target` as a URL, or an absolute SQLite path)."""

    use_copy = Signal(str)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("the copy", parent)
        self.setObjectName("copyDatabaseDialog")
        self.setWindowTitle("Copy the database")
        self.ws = ws
        self.report: CopyReport | None = None
        self.outcome = ""  # what the last copy came to, in one line
        self._copied_to = ""

        intro = QLabel(
            "Copies every audit, with its evidence and its journal, into a new, empty "
            "database: an SQLite file, or a team's PostgreSQL. The copy is then checked row "
            "by row and journal by journal. This database is only read."
        )
        intro.setWordWrap(True)
        source = QLabel(ws.db.describe())
        source.setObjectName("copySource")
        source.setWordWrap(True)
        self.target = QLineEdit()
        self.target.setObjectName("copyTarget")
        self.target.setAccessibleName("The database to copy into")
        self.target.setPlaceholderText("postgresql+psycopg://USER@HOST/DB, or an SQLite file")
        self.target.setToolTip(
            "An empty database: a PostgreSQL URL, or the path of a new SQLite file. "
            "auditapp never copies into a database that holds anything."
        )
        self.browse = QPushButton("New SQLite &file…")
        self.browse.setObjectName("chooseCopyFile")
        self.browse.setToolTip("Choose where to write a new SQLite file")
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 1)
        target_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("From:", source)
        to_label = QLabel("&To:")
        to_label.setBuddy(self.target)
        form.addRow(to_label, target_row)

        self.bar = QProgressBar()
        self.bar.setObjectName("copyProgress")
        self.bar.setAccessibleName("Progress of the copy")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.status.setText("Choose an empty database to copy into.")
        self.status.setObjectName("copyStatus")
        self.details = QPlainTextEdit()
        self.details.setObjectName("copyResult")
        self.details.setAccessibleName("What the copy came to")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText(
            "The check of the copy shows here: the rows of every table on both sides, and "
            "each audit's journal verified on the copy."
        )

        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("startCopy")
        self.copy_button.setDefault(True)
        self.copy_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.copy_button.setToolTip("Copy everything, then check the copy (Ctrl+Enter)")
        self.use_button = QPushButton("&Use the copy from the next start")
        self.use_button.setObjectName("useCopy")
        self.use_button.setToolTip("Make the copy auditapp's database when it starts again")
        self.close_button.setObjectName("closeCopy")
        buttons = QDialogButtonBox()
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

        self.browse.clicked.connect(self.choose_file)
        self.copy_button.clicked.connect(self.start)
        self.use_button.clicked.connect(self._use_copy)
        self.close_button.clicked.connect(self.reject)
        self.target.textChanged.connect(self._update_buttons)
        self._update_buttons()
        self.resize(720, 520)

    def choose_file(self) -> None:
        source = self.ws.db.sqlite_path
        start = str((source.parent if source is not None else Path.home()) / "audits-copy.sqlite3")
        path, _ = QFileDialog.getSaveFileName(self, "New SQLite database", start, SQLITE_FILES)
        if path:
            self.target.setText(path)

    def start(self) -> None:
        """Copy into the database the form names, in a process of its own."""
        target = self.target.text().strip()
        if self.running or not target:
            return
        self._bridge(self.bar)
        self.report, self.outcome, self._copied_to = None, "", target
        self._show_text(self.details, "", error=False)
        self._start("Copying the database", job_for(self.ws, Caller(), CopyJob(target)))

    def _succeeded(self, result: object) -> None:
        assert isinstance(result, CopyReport)
        self.report = result
        self.bar.setRange(0, 1)
        if result.verified:
            self.bar.setValue(1)
            self.bar.setFormat("Verified")
            self.outcome = (
                f"Copied and verified: {len(result.tables)} tables, {result.rows} rows, "
                f"{len(result.audits)} audit journal(s) intact"
            )
        else:
            self.bar.setValue(0)
            self.bar.setFormat("Not verified")
            self.outcome = "Copied, but the copy did not verify"
        self.status.setText(self.outcome)
        self._show_text(self.details, "\n".join(report_lines(result)), error=not result.verified)
        self._set_state(FINISHED)

    def _failed(self, error: Exception) -> None:
        cancelled = isinstance(error, Cancelled)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        if cancelled:
            self.bar.setFormat("Cancelled")
            self.outcome = "Cancelled: nothing was copied"
            detail = "The target is as it was; this database was only read."
        else:
            self.bar.setFormat("Failed")
            self.outcome = "The copy failed: nothing was copied"
            detail = describe_error(error)
        self.status.setText(self.outcome)
        self._show_text(self.details, f"{self.outcome}.\n\n{detail}", error=not cancelled)
        self._set_state(FINISHED)

    def _use_copy(self) -> None:
        if self.report is None or not self.report.verified:
            return
        target, notes = settings_url(self._copied_to)
        self.use_copy.emit(target)
        said = " ".join([f"{self.outcome}. auditapp uses the copy from the next start.", *notes])
        self.status.setText(said)
        self.use_button.setEnabled(False)

    # -- showing -----------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        running = self.running
        self.copy_button.setEnabled(not running and bool(self.target.text().strip()))
        self.target.setEnabled(not running)
        self.browse.setEnabled(not running)
        verified = self.state == FINISHED and self.report is not None and self.report.verified
        self.use_button.setVisible(verified)
        self.use_button.setEnabled(verified)
        self.close_button.setText("Cancel" if running else "Close")
        self.close_button.setEnabled(True)


def settings_url(target: str) -> tuple[str, list[str]]:
    """`target` as the Settings' database URL: an SQLite file by its absolute path (the next
    start may run elsewhere), a server URL without its password (Settings are plain text);
    and what the person should know about it."""
    url = parse_url(target)
    notes = []
    if url.get_backend_name() == "sqlite":
        stored = url.database or ""
    else:
        bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database)
        stored = bare.update_query_dict(dict(url.query)).render_as_string(hide_password=False)
        if url.password:
            notes.append(
                "Its password is not kept in the settings: put it in ~/.pgpass (or the "
                "file PGPASSFILE names)."
            )
    if os.environ.get("AUDITAPP_DB"):
        notes.append("AUDITAPP_DB is set, and it still chooses the database while it is.")
    return stored, notes


def report_lines(report: CopyReport) -> list[str]:
    """The copy's check as `auditapp db copy` prints it."""
    width = max((len(t.table) for t in report.tables), default=5)
    lines = [f"Copied {report.source}", f"    to {report.target}", ""]
    if report.verified:
        lines.append(
            f"Verified: {len(report.tables)} tables, {report.rows} rows, the same on both "
            f"sides; {len(report.audits)} audit journal(s) intact."
        )
    else:
        lines.extend(report.problems())
        lines.append(
            f"The copy in {report.target} did not verify. This database was not changed; "
            "inspect the copy, or drop it and copy again."
        )
    lines.append("")
    for audit in report.audits:
        state = "intact, the data matches the journal" if audit.intact else "NOT intact"
        lines.append(f"Journal of {audit.audit!r}: {audit.entries} entries, {state}")
    lines.append("")
    lines.append(f"{'TABLE':<{width}}  {'SOURCE':>8}  {'TARGET':>8}")
    for table in report.tables:
        mark = "" if table.equal else "  differs"
        lines.append(
            f"{table.table:<{width}}  {table.source_rows:>8}  {table.target_rows:>8}{mark}"
        )
    return lines
