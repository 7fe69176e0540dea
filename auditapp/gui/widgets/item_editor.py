"""The item editor: what the checklist asks, the team's answer, its evidence and comments.

Edits are saved with Ctrl+S and whenever the person leaves the item; a save based on an
outdated version becomes a conflict the person resolves, never a silent overwrite.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from auditapp.errors import AuditappError
from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.conflict import ConflictChoice, ask_conflict
from auditapp.gui.errors import describe_error, show_error
from auditapp.gui.formatting import human_size
from auditapp.gui.tasks import TaskRunner
from auditapp.gui.widgets.answer_form import AnswerForm
from auditapp.gui.widgets.comments_panel import CommentsPanel
from auditapp.gui.widgets.evidence_panel import EvidencePanel
from auditapp.gui.widgets.file_drop import FileDropFilter
from auditapp.gui.widgets.item_details import ItemDetails
from auditapp.gui.widgets.suggestion_bar import SuggestionBar
from auditapp.services import comments, evidence, items, suggestions
from auditapp.services.evidence import EvidenceView
from auditapp.services.items import ItemEdit, ItemView
from auditapp.services.roles import Action
from auditapp.store.errors import StaleEditError

_MAX_CONFLICT_ROUNDS = 5


class ItemEditor(QWidget):
    saved = Signal(object)  # the ItemView after a save: the navigator's status and progress change
    evidence_changed = Signal(str)  # an item's evidence changed: its completeness may have too
    message = Signal(str)  # a line for the status bar
    dirty_changed = Signal(bool)

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemEditor")
        self.setAccessibleName("Item editor")
        self._acting = acting
        self._runner = runner
        self._view: ItemView | None = None
        self._dirty = False

        self.details = ItemDetails()
        self.form = AnswerForm(acting)
        self.suggestion = SuggestionBar(acting)
        self.evidence = EvidencePanel(acting)
        self.comments = CommentsPanel(acting)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("itemTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.evidence, "Evidence")
        self.tabs.addTab(self.comments, "Comments")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        answer = QWidget()
        answer_layout = QVBoxLayout(answer)
        answer_layout.setContentsMargins(0, 0, 0, 0)
        answer_layout.addWidget(self.suggestion)
        answer_layout.addWidget(self.form, 1)
        splitter.addWidget(self.details)
        splitter.addWidget(answer)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setStretchFactor(2, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(splitter)

        self.drops = FileDropFilter(self)
        self.setAcceptDrops(True)
        for target in (
            self,
            self.details.guidance.viewport(),
            self.form.rationale.viewport(),
            self.form.owner,
            self.evidence.table.viewport(),
            self.comments.draft.viewport(),
        ):
            target.installEventFilter(self.drops)
        self.drops.files_dropped.connect(self.attach_files)
        self.evidence.attach_requested.connect(self.attach_files)
        self.evidence.open_requested.connect(self._open_evidence)
        self.comments.comment_requested.connect(self.add_comment)
        self.form.edited.connect(self._on_edited)
        self.suggestion.accept_requested.connect(self.accept_suggestion)
        self.suggestion.dismiss_requested.connect(self.dismiss_suggestion)
        self._show(None)

    # -- what is shown ---------------------------------------------------------------------

    @property
    def key(self) -> str | None:
        return self._view.key if self._view else None

    @property
    def view(self) -> ItemView | None:
        return self._view

    def is_dirty(self) -> bool:
        return self.form.pending_edit() is not None

    def load(self, key: str | None) -> None:
        """Show item `key` as stored now (call `leave` first if edits may be pending)."""
        if key is None:
            self._show(None)
            return
        try:
            view = items.get_item(self._acting.ws, self._acting.caller(), key)
        except AuditappError as error:
            self._report("Cannot show the item", error)
            return
        self._show(view)

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> bool:
        """Save pending edits. True when nothing is left unsaved."""
        edit = self.form.pending_edit()
        if self._view is None or edit is None:
            return True
        try:
            saved = self._update(edit, self._view.version)
        except StaleEditError:
            return self._resolve_conflict(edit)
        except AuditappError as error:
            self._report("Cannot save the item", error)
            return False
        self._saved(saved)
        return True

    def leave(self) -> bool:
        """Before moving away: save, or let the person discard. False means stay here."""
        if self.save():
            return True
        if self.confirm_discard():
            self.form.show_view(self._view)
            self._set_dirty(False)
            return True
        return False

    def ask_conflict(self, message: str) -> ConflictChoice:
        """A seam: tests replace this to answer the prompt without a modal dialog."""
        return ask_conflict(self, message)

    def confirm_discard(self) -> bool:
        """A seam like `ask_conflict`: may unsaved edits that could not be saved be dropped?"""
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Your changes to {self.key} are not saved. Discard them and go on?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _update(self, edit: ItemEdit, version: int) -> ItemView:
        assert self._view is not None
        return items.update_item(
            self._acting.ws, self._acting.caller(), self._view.key, edit, expected_version=version
        )

    def _resolve_conflict(self, edit: ItemEdit) -> bool:
        assert self._view is not None
        key = self._view.key
        for _round in range(_MAX_CONFLICT_ROUNDS):
            try:
                theirs = items.get_item(self._acting.ws, self._acting.caller(), key)
            except AuditappError as error:
                self._report("Cannot reload the item", error)
                return False
            who = theirs.updated_by or "someone else"
            choice = self.ask_conflict(
                f"{who} changed item {key} while you were editing it "
                f"(it is now version {theirs.version}). Your changes are not saved yet."
            )
            if choice is ConflictChoice.DECIDE_LATER:
                self.message.emit(f"Not saved: {key} has a newer version by {who}")
                return False
            if choice is ConflictChoice.TAKE_THEIRS:
                self._show(theirs)
                self.saved.emit(theirs)
                self.message.emit(f"Took {who}'s version of {key}; your changes were dropped")
                return True
            try:
                saved = self._update(edit, theirs.version)
            except StaleEditError:
                continue  # changed yet again while the prompt was open
            except AuditappError as error:
                self._report("Cannot save the item", error)
                return False
            self._saved(saved)
            return True
        self.message.emit(f"Not saved: {key} keeps changing; try again")
        return False

    def _saved(self, view: ItemView) -> None:
        self._view = view
        self.form.show_view(view)
        self._set_dirty(False)
        self.saved.emit(view)
        self.message.emit(f"Saved {view.key} (version {view.version})")

    # -- the suggested status --------------------------------------------------------------

    def accept_suggestion(self, key: str) -> None:
        """Answer the item with the suggested status (pending edits are saved first)."""
        if key != self.key or not self.save():
            return
        try:
            suggestions.accept_suggestion(self._acting.ws, self._acting.caller(), key)
            view = items.get_item(self._acting.ws, self._acting.caller(), key)
        except AuditappError as error:
            self._report("Cannot accept the suggestion", error)
            return
        self._saved(view)
        self._load_suggestion(key)
        status = view.status.label if view.status else "unanswered"
        self.message.emit(f"Accepted the suggestion for {key}: {status}")

    def dismiss_suggestion(self, key: str) -> None:
        try:
            suggestions.dismiss_suggestion(self._acting.ws, self._acting.caller(), key)
        except AuditappError as error:
            self._report("Cannot dismiss the suggestion", error)
            return
        self._load_suggestion(key)
        self.message.emit(f"Dismissed the suggestion for {key}")

    def _load_suggestion(self, key: str) -> None:
        try:
            found = suggestions.suggestion_for(self._acting.ws, self._acting.caller(), key)
        except AuditappError as error:
            self.message.emit(f"Cannot read the suggestion: {describe_error(error)}")
            found = None
        self.suggestion.show_suggestion(found)

    # -- evidence and comments -------------------------------------------------------------

    def attach_files(self, paths: list[Path]) -> None:
        """Attach each file to the shown item on the worker; the window stays responsive."""
        if self._view is None:
            return
        if not self._acting.may(Action.ATTACH_EVIDENCE):
            self.message.emit(self._acting.refusal(Action.ATTACH_EVIDENCE))
            return
        ws, caller, key = self._acting.ws, self._acting.caller(), self._view.key
        for path in paths:
            self._runner.start(
                f"Attaching {path.name}",
                partial(evidence.attach_file, ws, caller, path, item_key=key),
                on_success=self._attached,
                on_failure=partial(self._attach_failed, path),
            )

    def _open_evidence(self, evidence_id: int) -> None:
        from auditapp.gui.views.evidence_preview import open_evidence  # its first use

        open_evidence(self, self._acting, self._runner, evidence_id)

    def add_comment(self, text: str) -> None:
        if self._view is None:
            return
        key = self._view.key
        try:
            comments.add_comment(self._acting.ws, self._acting.caller(), key, text)
        except AuditappError as error:
            self._report("Cannot add the comment", error)
            return
        self.comments.clear_draft()
        self._load_comments(key)
        self.message.emit(f"Comment added to {key}")

    def _attached(self, result: object) -> None:
        assert isinstance(result, EvidenceView)
        stored = "" if result.stored_new_bytes else " (same bytes were already stored)"
        self.message.emit(f"Attached {result.title}, {human_size(result.size)}{stored}")
        for key in result.items:
            if key == self.key:
                self._load_evidence(key)
            self.evidence_changed.emit(key)

    def _attach_failed(self, path: Path, error: Exception) -> None:
        self._report(f"Cannot attach {path.name}", error)

    # -- helpers ---------------------------------------------------------------------------

    def _show(self, view: ItemView | None) -> None:
        self._view = view
        self.details.show_item(view.item if view else None)
        self.form.show_view(view)
        self.drops.enabled = view is not None
        self._set_dirty(False)
        if view is None:
            self.suggestion.show_suggestion(None)
            self.evidence.show_rows(None)
            self.comments.show_rows(None)
            self._retitle_tabs()
            return
        self._load_suggestion(view.key)
        self._load_evidence(view.key)
        self._load_comments(view.key)

    def _load_evidence(self, key: str) -> None:
        try:
            rows = evidence.list_evidence(self._acting.ws, self._acting.caller(), item_key=key)
        except AuditappError as error:
            self._report("Cannot list the evidence", error)
            rows = []
        self.evidence.show_rows(rows)
        self._retitle_tabs()

    def _load_comments(self, key: str) -> None:
        try:
            rows = comments.list_comments(self._acting.ws, self._acting.caller(), key)
        except AuditappError as error:
            self._report("Cannot list the comments", error)
            rows = []
        self.comments.show_rows(rows)
        self._retitle_tabs()

    def _retitle_tabs(self) -> None:
        self.tabs.setTabText(0, f"Evidence ({self.evidence.model.rowCount()})")
        self.tabs.setTabText(1, f"Comments ({self.comments.model.rowCount()})")

    def _on_edited(self) -> None:
        self._set_dirty(self.is_dirty())

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def _report(self, what: str, error: Exception) -> None:
        self.message.emit(f"{what}: {describe_error(error)}")
        show_error(self, what, error)
