"""How fresh the vulnerability data is, per ecosystem, and importing newer data from OSV files.

The banner turns to a warning when there is no data or some of it is older than the limit:
matching against old data silently misses what was published since.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.errors import describe_error
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.tasks import TaskRunner
from auditapp.progress import Cancelled
from auditapp.services import vulndb
from auditapp.services.vulndb import EcosystemStatus, ImportSummary
from auditapp.services.workspace import DEFAULT_MAX_AGE_DAYS, Workspace

IMPORT_HINT = "auditapp vulndb import PATH (OSV JSON, a folder of them, or an ecosystem zip)"
_WARNING = "QFrame#freshnessBanner { background: #fff4ce; border: 1px solid #d8a800; }"
_FRESH = "QFrame#freshnessBanner { background: #e8f5e9; border: 1px solid #9ccc9f; }"
_TEXT = {True: "color: #4d3800;", False: "color: #1b5e20;"}


def freshness_text(
    freshness: Sequence[EcosystemStatus], max_age_days: int = DEFAULT_MAX_AGE_DAYS
) -> tuple[str, bool]:
    """The banner's sentence, and whether it is a warning."""
    if not freshness:
        return (
            "No vulnerability data: no package can be matched yet. "
            f"Import vulnerability data: {IMPORT_HINT}, or Import… here.",
            True,
        )
    parts = [f"{s.ecosystem} {s.records:,} ({_age(s.age_days)})" for s in freshness]
    stale = [s.ecosystem for s in freshness if s.stale]
    if stale:
        return (
            f"Vulnerability data older than {max_age_days} days for {', '.join(stale)}: "
            f"what was published since is missed. Import vulnerability data: {IMPORT_HINT}, "
            "or Import… here.   Records: " + " · ".join(parts),
            True,
        )
    return "Vulnerability data: " + " · ".join(parts), False


def _age(days: int | None) -> str:
    if days is None:
        return "age unknown"
    return "today" if days == 0 else "1 day old" if days == 1 else f"{days} days old"


class FreshnessBanner(QFrame):
    """`imported(summary)` once an import is stored; `message(text)` for the status bar."""

    imported = Signal(object)
    message = Signal(str)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("freshnessBanner")
        self.setAccessibleName("Vulnerability data freshness")
        self.ws = ws
        self.warning = True
        self.runner = TaskRunner(self)  # an import takes minutes: not on the views' worker
        self.bridge: ProgressBridge | None = None
        self.file_dialog: QFileDialog | None = None

        self.text = QLabel("Reading the vulnerability data…")
        self.text.setObjectName("freshnessText")
        self.text.setWordWrap(True)
        self.import_button = QToolButton()
        self.import_button.setObjectName("importVulnData")
        self.import_button.setText("&Import…")
        self.import_button.setAccessibleName("Import vulnerability data")
        self.import_button.setToolTip("Import OSV records: JSON files or an ecosystem zip")
        self.import_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.import_button)
        menu.addAction("OSV files or an ecosystem zip…", lambda: self.choose(folder=False))
        menu.addAction("A folder of OSV files…", lambda: self.choose(folder=True))
        self.import_button.setMenu(menu)
        self.import_button.clicked.connect(lambda: self.choose(folder=False))
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setAccessibleName("Import progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setToolTip("Stop the import; nothing of it is stored")
        self.progress = QWidget()
        progress_row = QHBoxLayout(self.progress)
        progress_row.setContentsMargins(0, 0, 0, 0)
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress.hide()

        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.progress)

    @property
    def running(self) -> bool:
        return self.runner.busy

    def show_status(
        self, freshness: Sequence[EcosystemStatus], max_age_days: int = DEFAULT_MAX_AGE_DAYS
    ) -> None:
        text, self.warning = freshness_text(freshness, max_age_days)
        self.text.setText(text)
        self.setStyleSheet(_WARNING if self.warning else _FRESH)
        self.text.setStyleSheet(_TEXT[self.warning])

    def choose(self, *, folder: bool) -> QFileDialog:
        """Pick OSV sources without blocking; the import starts when they are chosen."""
        dialog = QFileDialog(self, "Import vulnerability data")
        dialog.setObjectName("importFileDialog")
        if folder:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            dialog.setNameFilter("OSV records (*.json *.zip);;All files (*)")
        dialog.filesSelected.connect(lambda names: self.start_import([Path(n) for n in names]))
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def start_import(self, paths: list[Path]) -> None:
        """Import every record of `paths` in one transaction (all or nothing)."""
        if not paths or self.running:
            return
        if self.bridge is not None:
            self.bridge.deleteLater()
        bridge = self.bridge = ProgressBridge(self)
        bridge.drive(self.bar, None, self.cancel_button)
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.import_button.setEnabled(False)
        names = ", ".join(p.name for p in paths)
        self.text.setText(f"Importing {names}…")
        ws = self.ws
        self.runner.start(
            f"Importing {names}",
            lambda: vulndb.import_paths(ws, paths, bridge),
            on_success=self._imported,
            on_failure=self._failed,
        )

    def stop(self) -> None:
        if self.bridge is not None:
            self.bridge.cancel()
        self.runner.wait()

    def _imported(self, result: object) -> None:
        assert isinstance(result, ImportSummary)
        self._finished()
        invalid = f", {result.invalid} invalid skipped" if result.invalid else ""
        self.message.emit(
            f"Imported {result.records:,} records: {result.added:,} new, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged{invalid}"
        )
        self.imported.emit(result)

    def _failed(self, error: Exception) -> None:
        self._finished()
        if isinstance(error, Cancelled):
            self.message.emit("Import cancelled: nothing of it was stored")
        else:
            self.message.emit(f"The import failed, nothing was stored: {describe_error(error)}")
        self.imported.emit(None)  # the view reads the status again

    def _finished(self) -> None:
        self.progress.hide()
        self.import_button.setEnabled(True)
