"""The main window: wires the start page, the working area (`WorkArea`), the toolbar, the status
bar and the dialogs.

It holds no audit logic: every read and change goes through auditapp.services, made as the
acting member (see `ActingAs`).
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

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
from auditapp.gui.toolbar import main_toolbar
from auditapp.gui.views import VIEWS
from auditapp.gui.views.base import AuditView
from auditapp.gui.widgets.item_editor import ItemEditor
from auditapp.gui.widgets.member_picker import MemberPicker
from auditapp.gui.widgets.navigator import Navigator
from auditapp.gui.widgets.start_page import StartPage
from auditapp.gui.widgets.status_bar import AuditStatusBar
from auditapp.gui.widgets.view_list import SHORTCUTS
from auditapp.gui.work_area import WorkArea
from auditapp.services import audits, members
from auditapp.services.roles import Action
from auditapp.services.workspace import Workspace

if TYPE_CHECKING:
    # imported when first opened: with what they import, they would slow the window's start
    from auditapp.gui.dialogs.collect_dialog import CollectDialog
    from auditapp.gui.dialogs.copy_database import CopyDatabaseDialog
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
        self.copy_dialog: CopyDatabaseDialog | None = None
        self._collect_tip = self.actions_.collect.toolTip()
        self.status = AuditStatusBar(ws.db.describe())
        self.setStatusBar(self.status)
        # a window without the person's own settings (tests, embedding) checks nothing by itself
        watch_every = self.preferences.number(MONITOR_INTERVAL) if preferences is not None else 0
        self.monitor_watch = MonitorWatch(
            self.acting, watch_every, online=lambda: self.preferences.online_sources, parent=self
        )

        self.checklist = ChecklistReads(
            self.acting, self.runner, self._show_checklist, self._checklist_unreadable
        )
        self.work = WorkArea(self.navigator, self.editor, self.acting, self.runner)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.work)
        self.setCentralWidget(self.stack)
        self.addToolBar(main_toolbar(self.actions_, self.member_picker))
        self._connect()
        self.resize(1280, 820)
        self.preferences.restore_window(self, {"main": self.work})
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
        self.stack.setCurrentWidget(self.work)
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
        self.work.refresh_view()

    def _collect_closed(self) -> None:
        if self.collect_dialog is not None:
            self.collect_dialog.deleteLater()
            self.collect_dialog = None

    def open_copy_database(self) -> CopyDatabaseDialog:
        """Show the Copy database dialog (not modal, one at a time)."""
        if self.copy_dialog is None:
            from auditapp.gui.dialogs.copy_database import CopyDatabaseDialog  # on first use

            self.copy_dialog = CopyDatabaseDialog(self.ws, self)
            self.copy_dialog.use_copy.connect(self._use_database)
            self.copy_dialog.finished.connect(self._copy_closed)
        self.copy_dialog.show()
        self.copy_dialog.raise_()
        self.copy_dialog.activateWindow()
        return self.copy_dialog

    def _use_database(self, url: str) -> None:
        self.preferences.set_value(DATABASE_URL, url)
        self.preferences.sync()
        self.status.say("Settings saved; the database changes on the next start")

    def _copy_closed(self) -> None:
        if self.copy_dialog is not None:
            self.copy_dialog.deleteLater()
            self.copy_dialog = None

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

    def _audit_chosen(self, dialog: OpenAuditDialog) -> None:
        name = dialog.chosen()
        if name is not None:
            self.open_audit_named(name)

    def show_view(self, key: str) -> AuditView | None:
        """Show the working view `key` (after the item editor let go of its edits)."""
        return self.work.show_view(key)

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
        self.work.refresh_view()
        identity = self.acting.identity
        if identity is not None and identity.member is not None:
            self.status.say(f"Acting as {identity.member.name} ({identity.member.role.value})")
        self._retitle()

    def _step(self, offset: int) -> None:
        if self.stack.currentWidget() is self.work:
            self.navigator.step(offset)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.editor.leave():
            event.ignore()
            return
        if self.collect_dialog is not None:
            self.collect_dialog.stop()  # a collect stores nothing when cancelled
        if self.copy_dialog is not None:
            self.copy_dialog.stop()  # nor does a copy: its target stays empty
        self.work.stop_views()  # an export cancelled leaves the previous files as they were
        self.monitor_watch.stop()  # nor does a background check
        if self.runner.busy:
            self.status.say("Waiting for the attachments to be stored…")
            self.runner.wait()
        self.preferences.save_window(self, {"main": self.work})
        event.accept()

    # -- building --------------------------------------------------------------------------

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
        a.copy_database.triggered.connect(self.open_copy_database)
        self.start_page.new_requested.connect(self.new_audit)
        self.start_page.open_requested.connect(self.open_audit)
        self.start_page.audit_chosen.connect(self.open_audit_named)
        self.start_page.message.connect(self.status.say)
        self.monitor_watch.said.connect(self.status.say)
        self.monitor_watch.checked.connect(self._collected)  # it analysed again: re-read
        self.monitor_watch.show_requested.connect(partial(self.show_view, "monitoring"))
        self.work.message.connect(self.status.say)
        self.work.changed.connect(self.reload_checklist)
        self.member_picker.member_chosen.connect(self._member_chosen)
        self.acting.changed.connect(self._acting_changed)
        self.editor.saved.connect(self.reload_checklist)
        self.editor.evidence_changed.connect(self.reload_checklist)
        self.editor.message.connect(self.status.say)
        self.editor.dirty_changed.connect(self.setWindowModified)
        self.runner.busy_changed.connect(self.status.set_busy)
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
