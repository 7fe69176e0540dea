"""The open audit's working area: the checklist navigator and the list of working views on the
left; on the right the item editor or the working view chosen, each view built on first use."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from auditapp.gui.acting import ActingAs
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views import VIEWS
from auditapp.gui.views.base import AuditView
from auditapp.gui.widgets.item_editor import ItemEditor
from auditapp.gui.widgets.navigator import Navigator
from auditapp.gui.widgets.view_list import ViewList


class WorkArea(QSplitter):
    """Moving between items and views asks the item editor to let go of its edits first.

    What the views say goes out as `message`; `changed` when a view changed the audit.
    """

    message = Signal(str)  # a line for the status bar
    changed = Signal()  # the checklist must be read again

    def __init__(
        self,
        navigator: Navigator,
        editor: ItemEditor,
        acting: ActingAs,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.navigator, self.editor = navigator, editor
        self.acting, self.runner = acting, runner
        self.built: dict[str, AuditView] = {}  # the working views shown so far, by key
        self.view_list = ViewList(VIEWS)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.navigator, 1)
        left_layout.addWidget(self.view_list)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.editor)
        self.setChildrenCollapsible(False)
        self.addWidget(left)
        self.addWidget(self.pages)
        self.setStretchFactor(1, 1)
        self.setSizes([540, 740])
        self.navigator.item_chosen.connect(self._item_chosen)
        self.view_list.currentRowChanged.connect(self._view_row_chosen)

    def open_item(self, key: str) -> None:
        """Show item `key` in the editor (from a view that names it)."""
        if self.navigator.current_key() == key:
            self._item_chosen(key)
        else:
            self.navigator.choose(key)

    def show_finding(self, finding_id: int) -> None:
        """The Findings view with finding `finding_id` selected."""
        from auditapp.gui.views.findings import FindingsView  # loaded with the view

        view = self.show_view(FindingsView.key)
        if not isinstance(view, FindingsView):
            return

        def select(_result: object) -> None:
            if not view.select_finding(finding_id):
                self.message.emit(f"Finding #{finding_id} is not shown: clear the filters")

        # the view re-reads its findings on the window's one worker thread: a task queued
        # after that read is delivered after it, when the row is there to select
        self.runner.start(
            "Showing the finding", lambda: None, on_success=select, on_failure=lambda _error: None
        )

    def show_view(self, key: str) -> AuditView | None:
        """Show the working view `key` (after the item editor let go of its edits)."""
        row = next((n for n, entry in enumerate(VIEWS) if entry.key == key), None)
        if row is None or not self.editor.leave():
            return None
        view = self.view(key)
        self.pages.setCurrentWidget(view)
        self.view_list.setCurrentRow(row)
        view.refresh()
        return view

    def view(self, key: str) -> AuditView:
        """The working view `key`, built the first time it is asked for."""
        view = self.built.get(key)
        if view is None:
            entry = next(entry for entry in VIEWS if entry.key == key)
            view = self.built[key] = entry.load()(self.acting, self.runner)
            self.pages.addWidget(view)
            view.message.connect(self.message)
            view.changed.connect(self.changed)
            view.item_requested.connect(self.open_item)
            view.finding_requested.connect(self.show_finding)
        return view

    def refresh_view(self) -> None:
        """Read the working view shown again, if one is (the item editor is not one)."""
        current = self.pages.currentWidget()
        if isinstance(current, AuditView):
            current.refresh()

    def stop_views(self) -> None:
        for view in self.built.values():
            view.stop()  # an export cancelled leaves the previous files as they were

    def _view_row_chosen(self, row: int) -> None:
        if not 0 <= row < len(VIEWS):
            return
        key = VIEWS[row].key
        if self.pages.currentWidget() is self.built.get(key):
            return
        if self.show_view(key) is None:
            self.view_list.setCurrentRow(-1)

    def _item_chosen(self, key: str) -> None:
        if self.pages.currentWidget() is not self.editor:
            self.pages.setCurrentWidget(self.editor)
            self.view_list.setCurrentRow(-1)
        if key == self.editor.key:
            return
        if not self.editor.leave():
            if self.editor.key:
                self.navigator.show_item(self.editor.key)
            return
        self.editor.load(key)
