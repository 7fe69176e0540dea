"""Comments on the shown item, and a box to add one (every member may comment)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.models.comment_list import CommentListModel
from auditapp.services.comments import CommentView
from auditapp.services.roles import Action


class CommentsPanel(QWidget):
    """Emits `comment_requested(text)`; `clear_draft` is called once it was stored."""

    comment_requested = Signal(str)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._acting = acting
        self._loaded = False
        self.model = CommentListModel(self)
        self.list = QListView()
        self.list.setObjectName("commentList")
        self.list.setAccessibleName("Comments on this item")
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.draft = QPlainTextEdit()
        self.draft.setObjectName("commentDraft")
        self.draft.setAccessibleName("New comment")
        self.draft.setPlaceholderText("Write a comment…")
        self.draft.setTabChangesFocus(True)
        self.draft.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.add = QPushButton("Add comment")
        self.add.setObjectName("addCommentButton")
        self.add.setAccessibleName("Add comment")
        self.add.clicked.connect(self._submit)
        self.draft.textChanged.connect(self.apply_permissions)

        self.setStyleSheet('QPlainTextEdit[readOnly="true"] { background: palette(window); }')
        row = QHBoxLayout()
        row.addWidget(self.draft, 1)
        row.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        acting.changed.connect(self.apply_permissions)
        self.apply_permissions()

    def show_rows(self, rows: Sequence[CommentView] | None) -> None:
        self._loaded = rows is not None
        self.model.set_rows(rows or [])
        if rows:
            self.list.scrollToBottom()
        self.apply_permissions()

    def clear_draft(self) -> None:
        self.draft.clear()

    def apply_permissions(self) -> None:
        allowed = self._loaded and self._acting.may(Action.COMMENT)
        refusal = self._acting.refusal(Action.COMMENT)
        self.draft.setReadOnly(not allowed)
        self.draft.style().unpolish(self.draft)
        self.draft.style().polish(self.draft)
        self.draft.setToolTip(refusal or "Comments are kept with the item and in the journal")
        self.add.setEnabled(allowed and bool(self.draft.toPlainText().strip()))
        self.add.setToolTip(refusal or "Add this comment to the item")

    def _submit(self) -> None:
        text = self.draft.toPlainText().strip()
        if text:
            self.comment_requested.emit(text)
