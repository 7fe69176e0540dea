"""The main window: wires the navigator, the item editor, the toolbar and the status bar.

It holds no audit logic: every read and change goes through auditapp.services, made as the
acting member (see `ActingAs`).
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from auditapp.errors import AuditappError
from auditapp.gui.acting import ActingAs
from auditapp.gui.actions import make_actions
from auditapp.gui.checklist_reads import ChecklistRead, ChecklistReads
from auditapp.gui.dialogs.open_audit import OpenAuditDialog
from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.models.checklist_tree import ChecklistTreeModel
from auditapp.gui.monitor_watch import MonitorWatch
from auditapp.gui.settings import DATABASE_URL, MEMBER, MONITOR_INTERVAL, Preferences
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.views import VIEWS
from auditapp.gui.views.base import AuditView
from auditapp.gui.widgets.item_editor import ItemEditor
from auditapp.gui.widgets.member_picker import MemberPicker
from auditapp.gui.widgets.navigator import Navigator
from auditapp.gui.widgets.start_page import StartPage
from auditapp.gui.widgets.status_bar import AuditStatusBar
from auditapp.gui.widgets.view_list import SHORTCUTS, ViewList
from auditapp.services import audits, members
from auditapp.services.roles import Action
from auditapp.services.workspace import Workspace

if TYPE_CHECKING:
    # imported when first opened: with what they import, they would slow the window's start
    from auditapp.gui.dialogs.collect_dialog import CollectDialog
    from auditapp.gui.dialogs.new_audit_wizard import NewAuditWizard
    from auditapp.gui.dialogs.settings_dialog import SettingsDialog

APP_NAME = "auditapp"


class MainWindow(QMainWindow):
    def __init__(
        self,
        ws: Workspace,
        parent: QWidget | None = None,
        *,
        preferences: Preferences | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ws = ws
        self.preferences = preferences or Preferences()  # none given: kept in memory only
        self.acting = ActingAs(ws, self)
        self.runner = TaskRunner(self)
        self.tree = ChecklistTreeModel(self)
        self.navigator = Navigator(self.tree)
        self.editor = ItemEditor(self.acting, self.runner)
        self.start_page = StartPage(ws, self.runner)
        self.member_picker = MemberPicker()
        self.actions_ = make_actions(self)
        self.collect_dialog: CollectDialog | None = None
        self._collect_tip = self.actions_.collect.toolTip()
        self.status = AuditStatusBar(ws.db.describe())
        self.setStatusBar(self.status)
        # a window without the person's own settings (tests, embedding) checks nothing by itself
        watch_every = self.preferences.number(MONITOR_INTERVAL) if preferences is not None else 0
        self.monitor_watch = MonitorWatch(
            self.acting, watch_every, online=lambda: self.preferences.online_sources, parent=self
        )

        self.built: dict[str, AuditView] = {}  # the working views shown so far, by key
        self.checklist = ChecklistReads(
            self.acting, self.runner, self._show_checklist, self._checklist_unreadable
        )
        self.view_list = ViewList(VIEWS)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.navigator, 1)
        left_layout.addWidget(self.view_list)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.editor)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([540, 740])
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)
        self._build_toolbar()
        self._connect()
        self.resize(1280, 820)
        self.preferences.restore_window(self, {"main": self.splitter})
        self._retitle()

    # -- opening audits --------------------------------------------------------------------

    def start(self, audit: str | None = None, member: str | None = None) -> None:
        """Open `audit` (default: the current one) as `member`, or show the empty state."""
        try:
            current = audits.current_audit(self.ws) if audit is None else None
        except AuditappError as error:
            show_error(self, "Cannot list the audits", error)
            current = None
        name = audit or (current.name if current else None)
        if name is None or not self.open_audit_named(name, member):
            self._show_empty()

    def open_audit_named(self, name: str, member: str | None = None) -> bool:
        if not self.editor.leave():
            return False
        try:
            audits.open_audit(self.ws, name)
        except AuditappError as error:
            show_error(self, "Cannot open the audit", error)
            return False
        if not self._act_on(name, member or self._preferred_member(name)):
            return False
        self.editor.load(None)
        self._reload_members()
        self.checklist.read_now()
        self.stack.setCurrentWidget(self.splitter)
        keys = self.tree.item_keys()
        if keys:
            self.navigator.choose(keys[0])
        self.status.say(f"Opened audit {name}")
        return True

    def new_audit(self) -> NewAuditWizard:
        """Show the New audit wizard (not blocking); the window opens the audit it creates."""
        from auditapp.gui.dialogs.new_audit_wizard import NewAuditWizard

        dialog = NewAuditWizard(self.ws, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(partial(self._audit_created, dialog))
        dialog.open()
        return dialog

    def open_audit(self) -> OpenAuditDialog | None:
        try:
            found = audits.list_audits(self.ws)
        except AuditappError as error:
            show_error(self, "Cannot list the audits", error)
            return None
        if not found:
            self.status.say("There are no audits in this database yet: create one")
            return None
        dialog = OpenAuditDialog(found, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(partial(self._audit_chosen, dialog))
        dialog.open()
        return dialog

    def open_collect(self) -> CollectDialog | None:
        """Show the Collect dialog (not modal, one at a time); its collect runs on its own."""
        if self.acting.audit is None:
            return None
        if self.collect_dialog is None:
            from auditapp.gui.dialogs.collect_dialog import CollectDialog  # on first use

            self.collect_dialog = CollectDialog(self.acting, self)
            self.collect_dialog.collected.connect(self._collected)
            self.collect_dialog.finished.connect(self._collect_closed)
        self.collect_dialog.show()
        self.collect_dialog.raise_()
        self.collect_dialog.activateWindow()
        return self.collect_dialog

    def _collected(self, _summary: object) -> None:
        self.reload_checklist()
        current = self.pages.currentWidget()
        if isinstance(current, AuditView):
            current.refresh()

    def _collect_closed(self) -> None:
        if self.collect_dialog is not None:
            self.collect_dialog.deleteLater()
            self.collect_dialog = None

    def reload_checklist(self) -> None:
        """Re-read every item's answer, the roll-up and the shown item's suggestion, off the UI
        thread (after a save, an attachment, a collect, an analysis ...)."""
        self.checklist.reload(self.editor.key)

    def _show_checklist(self, read: ChecklistRead) -> None:
        self.tree.load(read.views, read.rollup)
        self.status.set_progress(read.rollup.overall)
        if read.opening:  # sized once per audit: re-measuring every row on each re-read costs
            self.navigator.resizeColumnToContents(1)
        if read.key is not None and read.key == self.editor.key:
            self.editor.suggestion.show_suggestion(read.suggestion)

    def _checklist_unreadable(self, error: Exception) -> None:
        self.status.say(f"Cannot read the checklist: {describe_error(error)}")

    # -- reacting --------------------------------------------------------------------------

    def _audit_created(self, dialog: NewAuditWizard) -> None:
        if dialog.created is not None and self.open_audit_named(
            dialog.created.name, dialog.member_name
        ):
            for problem in dialog.problems:
                self.status.say(problem)

    def open_settings(self) -> SettingsDialog:
        """Show the Settings dialog (not blocking); what changed applies when it is accepted."""
        picker = self.member_picker.members
        names = [picker.name_at(row) or "" for row in range(picker.rowCount())]
        from auditapp.gui.dialogs.settings_dialog import SettingsDialog  # on first use

        dialog = SettingsDialog(self.preferences, names, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(partial(self._settings_changed, dialog))
        dialog.open()
        return dialog

    def _settings_changed(self, dialog: SettingsDialog) -> None:
        try:
            self.ws.settings = self.preferences.workspace_settings(os.environ)
        except AuditappError as error:
            show_error(self, "Cannot use the evidence cap", error)
        audit, changed = self.acting.audit, dialog.changed
        wanted = self._preferred_member(audit) if audit and MEMBER in changed else None
        if wanted is not None:
            self._member_chosen(wanted)
        self.monitor_watch.set_interval(self.preferences.number(MONITOR_INTERVAL))
        later = "; the database changes on the next start" if DATABASE_URL in changed else ""
        self.status.say(f"Settings saved{later}")

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
                self.status.say(f"Finding #{finding_id} is not shown: clear the filters")

        # the view re-reads its findings on the window's one worker thread: a task queued
        # after that read is delivered after it, when the row is there to select
        self.runner.start(
            "Showing the finding", lambda: None, on_success=select, on_failure=lambda _error: None
        )

    def _audit_chosen(self, dialog: OpenAuditDialog) -> None:
        name = dialog.chosen()
        if name is not None:
            self.open_audit_named(name)

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
            view.message.connect(self.status.say)
            view.changed.connect(self.reload_checklist)
            view.item_requested.connect(self.open_item)
            view.finding_requested.connect(self.show_finding)
        return view

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

    def _member_chosen(self, name: str) -> None:
        if name == self.acting.member:
            return
        if not self.editor.leave():
            self.member_picker.show_member(self.acting.member)
            return
        try:
            self.acting.act_as(name)
        except AuditappError as error:
            show_error(self, "Cannot act as this member", error)
            self.member_picker.show_member(self.acting.member)

    def _acting_changed(self) -> None:
        self.member_picker.show_member(self.acting.member)
        current = self.pages.currentWidget()
        if isinstance(current, AuditView):
            current.refresh()
        identity = self.acting.identity
        if identity is not None and identity.member is not None:
            self.status.say(f"Acting as {identity.member.name} ({identity.member.role.value})")
        self._retitle()

    def _step(self, offset: int) -> None:
        if self.stack.currentWidget() is self.splitter:
            self.navigator.step(offset)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.editor.leave():
            event.ignore()
            return
        if self.collect_dialog is not None:
            self.collect_dialog.stop()  # a collect stores nothing when cancelled
        for view in self.built.values():
            view.stop()  # an export cancelled leaves the previous files as they were
        self.monitor_watch.stop()  # nor does a background check
        if self.runner.busy:
            self.status.say("Waiting for the attachments to be stored…")
            self.runner.wait()
        self.preferences.save_window(self, {"main": self.splitter})
        event.accept()

    # -- building --------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction(self.actions_.new_audit)
        bar.addAction(self.actions_.open_audit)
        bar.addSeparator()
        bar.addAction(self.actions_.save)
        bar.addAction(self.actions_.previous_item)
        bar.addAction(self.actions_.next_item)
        bar.addSeparator()
        bar.addAction(self.actions_.collect)
        bar.addSeparator()
        bar.addAction(self.actions_.settings)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        acting_label = QLabel("&Acting as ")
        acting_label.setBuddy(self.member_picker)
        bar.addWidget(acting_label)
        bar.addWidget(self.member_picker)
        bar.toggleViewAction().setVisible(False)  # the acting member is always in view
        self.addToolBar(bar)

    def _connect(self) -> None:
        a = self.actions_
        a.new_audit.triggered.connect(self.new_audit)
        a.open_audit.triggered.connect(self.open_audit)
        a.save.triggered.connect(self.editor.save)
        a.previous_item.triggered.connect(partial(self._step, -1))
        a.next_item.triggered.connect(partial(self._step, 1))
        a.quit.triggered.connect(self.close)
        a.collect.triggered.connect(self.open_collect)
        a.settings.triggered.connect(self.open_settings)
        self.start_page.new_requested.connect(self.new_audit)
        self.start_page.open_requested.connect(self.open_audit)
        self.start_page.audit_chosen.connect(self.open_audit_named)
        self.start_page.message.connect(self.status.say)
        self.monitor_watch.said.connect(self.status.say)
        self.monitor_watch.checked.connect(self._collected)  # it analysed again: re-read
        self.monitor_watch.show_requested.connect(partial(self.show_view, "monitoring"))
        self.navigator.item_chosen.connect(self._item_chosen)
        self.member_picker.member_chosen.connect(self._member_chosen)
        self.acting.changed.connect(self._acting_changed)
        self.editor.saved.connect(self.reload_checklist)
        self.editor.evidence_changed.connect(self.reload_checklist)
        self.editor.message.connect(self.status.say)
        self.editor.dirty_changed.connect(self.setWindowModified)
        self.runner.busy_changed.connect(self.status.set_busy)
        self.view_list.currentRowChanged.connect(self._view_row_chosen)
        for number, entry in enumerate(VIEWS[:SHORTCUTS], start=1):
            shortcut = QAction(self)
            shortcut.setShortcut(QKeySequence(f"Ctrl+{number}"))
            shortcut.triggered.connect(partial(self.show_view, entry.key))
            self.addAction(shortcut)

    def _act_on(self, audit: str, member: str | None) -> bool:
        """Act as `member`; an unknown member falls back to the audit's default member."""
        try:
            self.acting.open(audit, member)
            return True
        except AuditappError as error:
            if member is None:
                show_error(self, "Cannot open the audit", error)
                return False
            show_error(self, "Cannot act as this member", error)
        return self._act_on(audit, None)

    def _preferred_member(self, audit: str) -> str | None:
        return self.preferences.preferred_member(self.ws, audit)

    def _reload_members(self) -> None:
        try:
            rows = members.list_members(self.ws, self.acting.caller())
        except AuditappError as error:
            show_error(self, "Cannot list the members", error)
            rows = []
        self.member_picker.set_members(rows, self.acting.member)

    def _show_empty(self) -> None:
        self.start_page.refresh()
        self.stack.setCurrentWidget(self.start_page)
        self.member_picker.set_members([], None)
        self.status.set_progress(None)
        for action in (self.actions_.save, self.actions_.previous_item, self.actions_.next_item):
            action.setEnabled(False)
        self._retitle()

    def _retitle(self) -> None:
        audit = self.acting.audit
        self.setWindowTitle(f"{APP_NAME} — {audit}[*]" if audit else APP_NAME)
        opened = audit is not None
        for action in (self.actions_.save, self.actions_.previous_item, self.actions_.next_item):
            action.setEnabled(opened)
        self.actions_.collect.setEnabled(opened and self.acting.may(Action.ATTACH_EVIDENCE))
        refusal = self.acting.refusal(Action.ATTACH_EVIDENCE) if opened else "Open an audit first"
        self.actions_.collect.setToolTip(refusal or self._collect_tip)
