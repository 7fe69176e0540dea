"""Exporting the audit package (the PDF, and the bundle beside it if wanted) with progress and
Cancel, then opening the result. Export is a read: every member may export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error
from auditapp.gui.formatting import human_size
from auditapp.gui.process_runner import ProcessRunner
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.progress import Cancelled
from auditapp.report.package_result import PackageResult
from auditapp.services.jobs import ExportJob, job_for


def default_pdf(audit: str) -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in audit).strip("-") or "audit"
    return Path(folder or Path.home()) / f"{safe}-audit-package.pdf"


class ExportPanel(QWidget):
    """`message(text)` for the status bar. The export runs in a process of its own, so the
    window stays responsive (and keeps reading, and a collect can run) meanwhile."""

    message = Signal(str)
    exported = Signal(object)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.acting = acting
        self.runner = ProcessRunner(self)
        self.bridge: ProgressBridge | None = None
        self.result: PackageResult | None = None
        self.file_dialog: QFileDialog | None = None
        self._audit: str | None = None

        self.pdf = QLineEdit()
        self.pdf.setObjectName("exportPdfPath")
        self.pdf.setAccessibleName("Where to write the PDF")
        self.pdf.setClearButtonEnabled(True)
        self.browse = QPushButton("Browse…")
        self.browse.setAccessibleName("Choose where to write the PDF")
        self.browse.clicked.connect(self.choose_path)
        self.bundle = QCheckBox("Also write the &bundle (.zip with the evidence) beside it")
        self.bundle.setObjectName("exportBundle")
        self.draft = QCheckBox("Mark every page &DRAFT")
        self.draft.setObjectName("exportDraft")
        self.draft.setToolTip("A package before sign-off is a draft anyway")
        self.export_button = QPushButton("&Export")
        self.export_button.setObjectName("exportPackage")
        self.export_button.setShortcut("Ctrl+E")
        self.export_button.setToolTip("Write the audit package (Ctrl+E)")
        self.export_button.clicked.connect(self.start)
        self.bar = QProgressBar()
        self.bar.setObjectName("exportProgress")
        self.bar.setAccessibleName("Export progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelExport")
        self.outcome = QLabel()
        self.outcome.setObjectName("exportOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)  # never cut off
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_pdf = QPushButton("&Open the PDF")
        self.open_pdf.setObjectName("openExportedPdf")
        self.open_pdf.clicked.connect(lambda: self._open(self.result.pdf if self.result else None))
        self.open_folder = QPushButton("Open the &folder")
        self.open_folder.setObjectName("openExportFolder")
        self.open_folder.clicked.connect(
            lambda: self._open(self.result.pdf.parent if self.result else None)
        )

        path_row = QHBoxLayout()
        path_row.addWidget(QLabel("PDF"))
        path_row.addWidget(self.pdf, 1)
        path_row.addWidget(self.browse)
        options = QHBoxLayout()
        options.addWidget(self.bundle)
        options.addWidget(self.draft)
        options.addStretch(1)
        options.addWidget(self.export_button)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.cancel_button)
        opened = QHBoxLayout()
        opened.addWidget(self.outcome, 1)
        opened.addWidget(self.open_pdf)
        opened.addWidget(self.open_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(path_row)
        layout.addLayout(options)
        layout.addLayout(progress)
        layout.addLayout(opened)
        self._show_running(False)
        self.open_pdf.setEnabled(False)
        self.open_folder.setEnabled(False)

    @property
    def running(self) -> bool:
        return self.runner.busy

    def set_audit(self, audit: str | None) -> None:
        """A new audit gets its own default file name."""
        if audit is not None and audit != self._audit:
            self._audit = audit
            self.pdf.setText(str(default_pdf(audit)))

    def choose_path(self) -> QFileDialog:
        dialog = QFileDialog(self, "Export the audit package")
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("PDF (*.pdf)")
        dialog.setDefaultSuffix("pdf")
        if self.pdf.text().strip():
            dialog.selectFile(self.pdf.text().strip())
        dialog.fileSelected.connect(self.pdf.setText)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def start(self) -> None:
        text = self.pdf.text().strip()
        if self.running or not text or self.acting.audit is None:
            return
        pdf = Path(text).expanduser()
        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
            self.pdf.setText(str(pdf))
        bundle = pdf.with_suffix(".zip") if self.bundle.isChecked() else None
        if self.bridge is not None:
            self.bridge.deleteLater()
        bridge = self.bridge = ProgressBridge(self)
        bridge.drive(self.bar, self.outcome, self.cancel_button)
        self.result = None
        self.outcome.setStyleSheet("")
        self.outcome.setText(f"Exporting to {pdf}…")
        self.outcome.setToolTip("")
        self._show_running(True)
        job = job_for(
            self.acting.ws, self.acting.caller(), ExportJob(pdf, bundle, self.draft.isChecked())
        )
        self.runner.start(
            "Exporting the audit package",
            job,
            bridge,
            on_success=self._exported,
            on_failure=self._failed,
        )

    def stop(self) -> None:
        if self.bridge is not None:
            self.bridge.cancel()
        self.runner.wait()

    def result_url(self) -> QUrl | None:
        return QUrl.fromLocalFile(str(self.result.pdf)) if self.result else None

    def _exported(self, result: object) -> None:
        assert isinstance(result, PackageResult)
        self.result = result
        self._show_running(False)
        bundle = f"; bundle {result.bundle.name}" if result.bundle else ""
        self.outcome.setText(  # short enough for two lines; the path is in the field above
            f"{result.status}: {result.pdf.name} — {result.pages} pages, "
            f"{human_size(result.bytes)}, {result.files} companion files{bundle}. "
            f"Fingerprint {result.fingerprint[:16]}…"
        )
        self.outcome.setToolTip(f"{result.pdf}\nFingerprint {result.fingerprint}")
        self.message.emit(f"Exported {result.pdf.name} ({result.pages} pages)")
        self.exported.emit(result)

    def _failed(self, error: Exception) -> None:
        self._show_running(False)
        if isinstance(error, Cancelled):
            text = "Export cancelled: the previous files, if any, are untouched"
        else:
            text = f"The export failed: {describe_error(error)}"
            self.outcome.setStyleSheet("color: #c62828")
        self.outcome.setText(text)
        self.outcome.setToolTip("")
        self.message.emit(text)

    def _show_running(self, running: bool) -> None:
        self.bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running)
        for widget in (self.pdf, self.browse, self.bundle, self.draft):
            widget.setEnabled(not running)
        done = self.result is not None and not running
        self.open_pdf.setEnabled(done)
        self.open_folder.setEnabled(done)

    def _open(self, path: Path | None) -> None:
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
