"""The strip above an item's answer that says what the evidence suggests and why, with Accept
and Dismiss: only a person's accept changes the answer (see auditapp.services.suggestions)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from auditapp.gui.acting import ActingAs
from auditapp.services.roles import Action

if TYPE_CHECKING:
    from auditapp.services.suggestions import SuggestionView


class SuggestionBar(QFrame):
    """Shown while the item has an undecided suggestion. `accept_requested(key)` and
    `dismiss_requested(key)` go to the editor, which saves pending edits first."""

    accept_requested = Signal(str)
    dismiss_requested = Signal(str)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestionBar")
        self.setAccessibleName("Suggested status")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._acting = acting
        self.suggestion: SuggestionView | None = None
        self.text = QLabel()
        self.text.setObjectName("suggestionText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accept_button = QPushButton("&Accept suggestion")
        self.accept_button.setObjectName("acceptSuggestion")
        self.accept_button.setAccessibleName("Accept the suggested status")
        self.dismiss_button = QPushButton("Dis&miss")
        self.dismiss_button.setObjectName("dismissSuggestion")
        self.dismiss_button.setAccessibleName("Dismiss the suggestion")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)
        layout.addWidget(self.dismiss_button)
        self.accept_button.clicked.connect(self._accept)
        self.dismiss_button.clicked.connect(self._dismiss)
        acting.changed.connect(self.apply_permissions)
        self.show_suggestion(None)

    def show_suggestion(self, suggestion: SuggestionView | None) -> None:
        """Show `suggestion` while nobody has decided it; hide otherwise."""
        self.suggestion = suggestion if suggestion and not suggestion.decision else None
        self.setVisible(self.suggestion is not None)
        if self.suggestion is None:
            return
        s = self.suggestion
        answered = (
            ""
            if s.answer is None
            else f" The item is answered {s.answer.label}."
            if s.differs
            else " The item is already answered so."
        )
        rules = escape(", ".join(s.rules) or "none")
        self.text.setText(  # the reason names collected things: shown as text, never markup
            f"<b>Suggested: {escape(s.status.label)}</b> — {escape(s.reason)}."
            f"{escape(answered)} <span style='color: gray'>(rules: {rules})</span>"
        )
        self.apply_permissions()

    def apply_permissions(self) -> None:
        allowed = self._acting.may(Action.DECIDE_SUGGESTION)
        tip = "" if allowed else self._acting.refusal(Action.DECIDE_SUGGESTION)
        for button, what in (
            (self.accept_button, "Answer the item with the suggested status (Alt+A)"),
            (self.dismiss_button, "Leave the answer as it is and hide the suggestion (Alt+M)"),
        ):
            button.setEnabled(allowed)
            button.setToolTip(what if allowed else tip)

    def _accept(self) -> None:
        if self.suggestion is not None:
            self.accept_requested.emit(self.suggestion.item_key)

    def _dismiss(self) -> None:
        if self.suggestion is not None:
            self.dismiss_requested.emit(self.suggestion.item_key)
