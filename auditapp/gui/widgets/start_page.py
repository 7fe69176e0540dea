"""What the window shows while no audit is open: the audits of this database (newest first,
with their progress), New audit…, Open… and the demo audit (built here the first time)."""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCommandLinkButton,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.models.recent_audits import (
    PROGRESS,
    RecentAuditsModel,
    read_recent,
)
from auditapp.gui.progress_bridge import ProgressBridge
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.theme import theme_icon
from auditapp.gui.widgets.progress_delegate import ProgressDelegate
from auditapp.progress import Cancelled, Progress
from auditapp.services import audits
from auditapp.services.workspace import Workspace

_EMPTY = "No audits in this database yet — New audit…, or Open the demo audit to look around."


def find_or_build_demo(ws: Workspace, progress: Progress) -> str:
    """The demo audit's name, after building it unless this database already holds it."""
    from auditapp.services.demo import DemoExistsError, build_demo, demo_folder  # on first use
    from auditapp.services.demo_script import load_script

    progress.start("looking for the demo audit", None)
    name = load_script(demo_folder()).name
    if any(a.name == name for a in audits.list_audits(ws)):
        return name
    with suppress(DemoExistsError):  # built meanwhile by another window or the command line
        build_demo(ws, progress=progress)
    return name


class StartPage(QWidget):
    """`audit_chosen(name)` when a recent audit or the demo should open; `new_requested` and
    `open_requested` for the window's dialogs; `message` for the status bar."""

    new_requested = Signal()
    open_requested = Signal()
    audit_chosen = Signal(str)
    message = Signal(str)

    def __init__(self, ws: Workspace, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.ws = ws
        self.runner = runner
        self.demo_progress: ProgressBridge | None = None
        self.model = RecentAuditsModel(self)
        self.table = self._build_table()
        self.empty = QLabel(_EMPTY)
        self.empty.setObjectName("startEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.recent = QStackedWidget()
        self.recent.addWidget(self.empty)
        self.recent.addWidget(self.table)
        self.new_button = self._command(
            "&New audit…",
            "Name it, describe its scope and cardholder-data environment, add the team",
            theme_icon(QIcon.ThemeIcon.DocumentNew, QStyle.StandardPixmap.SP_FileIcon),
        )
        self.open_button = self._command(
            "&Open…",
            "Pick one of the audits in this database",
            theme_icon(QIcon.ThemeIcon.DocumentOpen, QStyle.StandardPixmap.SP_DialogOpenButton),
        )
        self.demo_button = self._command(
            "Open the &demo audit",
            "A complete example, signed off and ready to export; built here the first time",
            theme_icon(QIcon.ThemeIcon.MediaPlaybackStart, QStyle.StandardPixmap.SP_MediaPlay),
        )
        self.demo_label = QLabel()
        self.demo_label.setObjectName("demoStage")
        self.demo_label.setWordWrap(True)
        self.demo_bar = QProgressBar()
        self.demo_bar.setObjectName("demoProgress")
        self.demo_bar.setAccessibleName("Building the demo audit")
        self.demo_cancel = QPushButton("Cancel")
        self.demo_cancel.setObjectName("demoCancel")
        self.demo_cancel.setAccessibleName("Cancel building the demo audit")
        self.demo_strip = QWidget()
        self._layout()
        self.new_button.clicked.connect(self.new_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.demo_button.clicked.connect(self.open_demo)
        self.table.activated.connect(self._row_activated)
        QShortcut(QKeySequence("Ctrl+L"), self, self.table.setFocus)

    # -- reading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the audits (off the UI thread)."""
        ws = self.ws
        self.runner.start(
            "Reading the audits",
            lambda: read_recent(ws),
            on_success=self._show,
            on_failure=lambda e: self.message.emit(f"Cannot list the audits: {describe_error(e)}"),
        )

    def _show(self, result: object) -> None:
        assert isinstance(result, list)
        self.model.set_rows(result)
        self.recent.setCurrentWidget(self.table if result else self.empty)
        self.open_button.setEnabled(bool(result))
        self.open_button.setToolTip("" if result else "There are no audits in this database yet")
        if result:
            self.table.selectRow(0)

    # -- the demo ----------------------------------------------------------------------------

    def open_demo(self) -> None:
        """Open the demo audit, building it first (with progress and Cancel) if it is not here."""
        if self.demo_progress is not None:
            return
        bridge = ProgressBridge(self)
        self.demo_progress = bridge
        bridge.drive(self.demo_bar, self.demo_label, self.demo_cancel)
        self.demo_cancel.setEnabled(True)
        self.demo_strip.show()
        self.demo_button.setEnabled(False)
        ws = self.ws
        self.runner.start(
            "Opening the demo audit",
            lambda: find_or_build_demo(ws, bridge),
            on_success=self._demo_ready,
            on_failure=self._demo_failed,
        )

    def _demo_ready(self, result: object) -> None:
        self._demo_done()
        assert isinstance(result, str)
        self.audit_chosen.emit(result)

    def _demo_failed(self, error: Exception) -> None:
        self._demo_done()
        if isinstance(error, Cancelled):
            self.message.emit(describe_error(error))
        else:
            show_error(self, "Cannot build the demo audit", error)
        self.refresh()  # a cancelled or failed build may have left a partial audit behind

    def _demo_done(self) -> None:
        self.demo_strip.hide()
        self.demo_button.setEnabled(True)
        if self.demo_progress is not None:
            self.demo_progress.deleteLater()
            self.demo_progress = None

    # -- building ----------------------------------------------------------------------------

    def _row_activated(self, index: QModelIndex) -> None:
        name = self.model.name_at(index.row())
        if name is not None:
            self.audit_chosen.emit(name)

    def _command(self, text: str, description: str, icon: QIcon) -> QCommandLinkButton:
        button = QCommandLinkButton(text, description)
        button.setIcon(icon)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setAccessibleDescription(description)
        button.setMinimumWidth(300)
        return button

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("recentAudits")
        table.setAccessibleName("Recent audits")
        table.setToolTip("Double-click or press Enter to open an audit (Ctrl+L to come here)")
        table.setModel(self.model)
        table.setItemDelegateForColumn(PROGRESS, ProgressDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(110)
        return table

    def _layout(self) -> None:
        title = QLabel("auditapp")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel(
            "Prepare a PCI DSS audit of a containerized application: walk the checklist with "
            "your team, attach the evidence, and export a signed audit package."
        )
        subtitle.setWordWrap(True)
        recent_title = QLabel("<b>Recent audits</b>")
        strip = QHBoxLayout(self.demo_strip)
        strip.setContentsMargins(0, 0, 0, 0)
        strip.addWidget(self.demo_label, 2)
        strip.addWidget(self.demo_bar, 3)
        strip.addWidget(self.demo_cancel)
        self.demo_strip.hide()

        actions = QVBoxLayout()
        actions.setSpacing(6)
        for button in (self.new_button, self.open_button, self.demo_button):
            actions.addWidget(button)
        actions.addStretch(1)
        recent = QVBoxLayout()
        recent.addWidget(recent_title)
        recent.addWidget(self.recent, 1)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(actions, 0)
        columns.addLayout(recent, 1)

        page = QVBoxLayout(self)
        page.setContentsMargins(40, 32, 40, 16)
        page.setSpacing(12)
        page.addWidget(title)
        page.addWidget(subtitle)
        page.addSpacing(12)
        page.addLayout(columns, 1)
        page.addWidget(self.demo_strip)
