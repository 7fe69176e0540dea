"""The Evidence view: every evidence item of the audit — collected and attached — with a
preview, and the ways to attach more (file dialog or a drop from the desktop), link an item to
a checklist item and open it in another program."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.checklist import Item, load_checklist
from auditapp.errors import AuditappError
from auditapp.gui.acting import ActingAs
from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.models.evidence_list import SOURCE, TITLE, EvidenceListModel, EvidenceProxy
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views.base import AuditView
from auditapp.gui.views.components_delegates import MiddleElideDelegate
from auditapp.gui.views.evidence_link import LinkItemDialog
from auditapp.gui.views.evidence_preview import (
    EvidenceContent,
    EvidencePreview,
    open_externally,
    read_content,
)
from auditapp.gui.views.findings_loading import checklist_id
from auditapp.gui.widgets.file_drop import FileDropFilter
from auditapp.services import evidence
from auditapp.services.evidence import EvidenceView
from auditapp.services.report_data import evidence_refs
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Workspace

PREVIEW_BYTES = 16 * 1024 * 1024  # bigger items are opened externally, not read for a glance
_WIDTHS = (56, 220, 110, 200, 110, 118, 70, 110)  # then the linked items


@dataclass(frozen=True)
class EvidenceData:
    evidence: list[EvidenceView]
    refs: dict[int, str]
    items: list[Item]


def read_evidence(ws: Workspace, caller: Caller) -> EvidenceData:
    rows = evidence.list_evidence(ws, caller)
    return EvidenceData(rows, evidence_refs(rows), load_checklist(checklist_id(ws, caller)).items())


class EvidenceLibraryView(AuditView):
    key = "evidence"
    title = "Evidence"

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(acting, runner, parent)
        self.model = EvidenceListModel(self)
        self.proxy = EvidenceProxy(self.model, self)
        self.table = self._build_table()
        self.preview = EvidencePreview()
        self.items: list[Item] = []
        self._loaded = False
        self._pending: int | None = None  # an item to select once the rows are read
        self._previewing: int | None = None
        self.kind = QComboBox()
        self.kind.setObjectName("evidenceKindFilter")
        self.kind.setAccessibleName("Filter by kind")
        self.search = QLineEdit()
        self.search.setObjectName("evidenceSearch")
        self.search.setAccessibleName("Search evidence")
        self.search.setPlaceholderText("Search title, source, SHA-256, item…")
        self.search.setClearButtonEnabled(True)
        self.attach = self._button("&Attach file…", "attachEvidenceButton", "Attach a file")
        self.attach.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.link = self._button("&Link to item…", "linkEvidenceButton", "Link to a checklist item")
        self.open_button = self._button("Open e&xternally", "openExternallyButton", "Open")
        self.empty = QLabel()
        self.empty.setObjectName("evidenceEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty)
        self.count = QLabel()
        self.drops = FileDropFilter(self)
        for target in (self, self.table.viewport(), self.empty, self.preview.text.viewport()):
            target.setAcceptDrops(True)
            target.installEventFilter(self.drops)
        self._layout()
        self.drops.files_dropped.connect(self.attach_files)
        self.attach.clicked.connect(self._choose_files)
        self.link.clicked.connect(self.open_link)
        self.open_button.clicked.connect(self.open_selected)
        self.kind.currentIndexChanged.connect(self._filter)
        self.search.textChanged.connect(self._filter)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        acting.changed.connect(self.apply_permissions)
        self.apply_permissions()

    # -- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.acting.audit is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()
        self.load("Reading the evidence", lambda: read_evidence(ws, caller), self._show)

    def _show(self, result: object) -> None:
        assert isinstance(result, EvidenceData)
        shown = self.current()
        kept = self._pending or (shown.id if shown else None)
        self.model.set_rows(result.evidence, result.refs)
        self.items = result.items
        chosen = self.kind.currentText()
        blocked = self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItems(["Any kind", *self.model.kinds()])
        self.kind.setCurrentIndex(max(0, self.kind.findText(chosen)))
        self.kind.blockSignals(blocked)
        self._filter()
        self._loaded = True
        self._pending = None
        if kept is None or not self.select_evidence(kept):
            self.preview.show_content(None)
        self.apply_permissions()

    def select_evidence(self, evidence_id: int) -> bool:
        """Select (and preview) an item; before the rows are read, once they are."""
        if not self._loaded or self.runner.busy:
            self._pending = evidence_id
        for row in range(self.proxy.rowCount()):
            found = self.proxy.evidence_at(self.proxy.index(row, 0))
            if found is not None and found.id == evidence_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return True
        return False

    def current(self) -> EvidenceView | None:
        return self.proxy.evidence_at(self.table.currentIndex())

    # -- preview, open -----------------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.apply_permissions()
        chosen = self.proxy.evidence_at(current)
        if chosen is None:
            self.preview.show_content(None)
            return
        if chosen.size > PREVIEW_BYTES:
            self.preview.show_content(None, f"{chosen.title} is too big to preview: open it.")
            return
        self._previewing = chosen.id
        self.preview.show_content(None, f"Reading {chosen.title}…")
        ws, caller = self.acting.ws, self.acting.caller()
        self.load(
            f"Reading {chosen.title}",
            lambda: read_content(ws, caller, chosen.id),
            self._show_preview,
        )

    def _show_preview(self, result: object) -> None:
        assert isinstance(result, EvidenceContent)
        if result.evidence.id == self._previewing:  # not an answer for an earlier selection
            self.preview.show_content(result)

    def open_selected(self) -> None:
        chosen = self.current()
        if chosen is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()

        def opened(result: object) -> None:
            assert isinstance(result, EvidenceContent)
            path = open_externally(result)
            self.message.emit(
                f"Opened {result.evidence.title} ({path})"
                if path
                else f"No program opens {result.evidence.media_type} files here"
            )

        self.load(
            f"Reading {chosen.title}",
            lambda: read_content(ws, caller, chosen.id),
            opened,
        )

    # -- attaching, linking ------------------------------------------------------------------

    def attach_files(self, paths: list[Path]) -> None:
        """Attach each file (one call each, on the worker) and say how it went."""
        if not self.acting.may(Action.ATTACH_EVIDENCE):
            self.message.emit(self.acting.refusal(Action.ATTACH_EVIDENCE))
            return
        ws, caller = self.acting.ws, self.acting.caller()

        def work() -> tuple[list[EvidenceView], list[str]]:
            stored: list[EvidenceView] = []
            problems: list[str] = []
            for path in paths:
                try:
                    stored.append(evidence.attach_file(ws, caller, path))
                except Exception as error:  # one unreadable file must not stop the others
                    problems.append(describe_error(error))
            return stored, problems

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            stored, problems = result
            names = ", ".join(e.title for e in stored)
            text = f"Attached {names}" if stored else "Nothing attached"
            if problems:
                text += f"; {len(problems)} refused: {problems[0]}"
                show_error(self, "Some files were not attached", _Refused(text))
            self.message.emit(text)
            if stored:
                self._pending = stored[-1].id
                self.changed.emit()
                self.refresh()

        label = f"Attaching {paths[0].name}" + (f" (+{len(paths) - 1})" if len(paths) > 1 else "")
        self.runner.start(label, work, on_success=done, on_failure=self._failed)

    def open_link(self) -> LinkItemDialog | None:
        chosen = self.current()
        if chosen is None or not self.acting.may(Action.ATTACH_EVIDENCE):
            return None
        dialog = LinkItemDialog(chosen.title, self.items, chosen.items, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._link(chosen, dialog.chosen_key()))
        dialog.open()
        return dialog

    def _link(self, chosen: EvidenceView, key: str | None) -> None:
        if key is None:
            return
        ws, caller = self.acting.ws, self.acting.caller()

        def linked(result: object) -> None:
            assert isinstance(result, EvidenceView)
            self.model.replace(result)
            self.message.emit(f"Linked {self.model.ref_of(result.id)} {result.title} to {key}")
            self.changed.emit()

        self.runner.start(
            f"Linking {chosen.title}",
            lambda: evidence.link(ws, caller, chosen.id, key),
            on_success=linked,
            on_failure=self._failed,
        )

    def _choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, "Attach evidence")
        if names:
            self.attach_files([Path(name) for name in names])

    def _failed(self, error: Exception) -> None:
        show_error(self, "The evidence was not changed", error)

    # -- state -------------------------------------------------------------------------------

    def apply_permissions(self) -> None:
        refusal = self.acting.refusal(Action.ATTACH_EVIDENCE)
        chosen = self.current() is not None
        self.drops.enabled = not refusal
        self.attach.setEnabled(not refusal and self.acting.audit is not None)
        self.attach.setToolTip(refusal or "Store a file as evidence (or drop files here)")
        self.link.setEnabled(not refusal and chosen)
        self.link.setToolTip(
            refusal or ("Link the item to a checklist item" if chosen else "Select an item first")
        )
        self.open_button.setEnabled(chosen)
        self.open_button.setToolTip(
            "Open a copy in the program your desktop uses for it" if chosen else ""
        )
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {total} items" if shown != total else f"{total} items")
        if shown:
            self.pages.setCurrentWidget(self.table)
            return
        if not self._loaded:
            self.empty.setText("Reading the evidence…")
        elif total:
            self.empty.setText("No evidence matches these filters.")
        else:
            self.empty.setText(
                "Nothing collected yet — Collect… gathers it from Docker, images and compose "
                "files, or drop a file here to attach it."
            )
        self.pages.setCurrentWidget(self.empty)

    def _filter(self) -> None:
        self.proxy.set_kind(self.kind.currentText() if self.kind.currentIndex() > 0 else None)
        self.proxy.set_text(self.search.text())
        self.apply_permissions()

    # -- building ----------------------------------------------------------------------------

    def _button(self, text: str, name: str, accessible: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        return button

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("evidenceListTable")
        table.setAccessibleName("Evidence of the audit")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setItemDelegateForColumn(SOURCE, MiddleElideDelegate(table))
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(_WIDTHS):
            table.setColumnWidth(column, width)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Interactive)
        return table

    def _layout(self) -> None:
        bar = QHBoxLayout()
        kind_label = QLabel("&Kind")
        kind_label.setBuddy(self.kind)
        bar.addWidget(kind_label)
        bar.addWidget(self.kind)
        search_label = QLabel("&Search")
        search_label.setBuddy(self.search)
        bar.addWidget(search_label)
        bar.addWidget(self.search, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.attach)
        buttons.addWidget(self.link)
        buttons.addWidget(self.open_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.pages, 1)
        upper_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(upper)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([440, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)


class _Refused(AuditappError):
    """Carries a summary of refused attachments to the error box."""
