"""The answer to one item: status, method, rationale, owner and due date, and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from auditapp.checklist import Method, Status
from auditapp.gui.acting import ActingAs
from auditapp.gui.formatting import local_time
from auditapp.gui.models.choices import method_choices, status_choices
from auditapp.services.items import ItemEdit, ItemView
from auditapp.services.roles import Action


@dataclass(frozen=True)
class AnswerValues:
    status: Status | None
    method: Method
    rationale: str
    owner: str
    due_date: date | None

    @classmethod
    def of(cls, view: ItemView) -> AnswerValues:
        return cls(view.status, view.method, view.rationale, view.owner, view.due_date)

    def edit_from(self, base: AnswerValues) -> ItemEdit | None:
        """Only the fields that differ from `base`; None when nothing does."""
        changed = {
            name: getattr(self, name)
            for name in ("status", "method", "rationale", "owner", "due_date")
            if getattr(self, name) != getattr(base, name)
        }
        return ItemEdit(**changed) if changed else None


class AnswerForm(QWidget):
    """Emits `edited` whenever the person changes a field (not when an item is loaded)."""

    edited = Signal()

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._acting = acting
        self._base: AnswerValues | None = None
        self._loading = False

        self._statuses = status_choices(self)
        self.status = QComboBox()
        self.status.setObjectName("statusCombo")
        self.status.setModel(self._statuses)
        self.status.setAccessibleName("Status")
        self._methods = method_choices(self)
        self.method = QComboBox()
        self.method.setObjectName("methodCombo")
        self.method.setModel(self._methods)
        self.method.setAccessibleName("Method")
        self.rationale = QPlainTextEdit()
        self.rationale.setObjectName("rationaleEdit")
        self.rationale.setAccessibleName("Rationale")
        self.rationale.setPlaceholderText(
            "Why this status: what was checked, what was seen, where the evidence is"
        )
        self.rationale.setTabChangesFocus(True)
        self.owner = QLineEdit()
        self.owner.setObjectName("ownerEdit")
        self.owner.setAccessibleName("Owner")
        self.owner.setPlaceholderText("Who is responsible for this item")
        self.has_due = QCheckBox("Due")
        self.has_due.setObjectName("dueCheck")
        self.has_due.setAccessibleName("Has a due date")
        self.due = QDateEdit()
        self.due.setObjectName("dueEdit")
        self.due.setAccessibleName("Due date")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.state = QLabel()
        self.state.setObjectName("answerState")

        top = QHBoxLayout()
        top.addWidget(self.status, 2)
        top.addWidget(QLabel("Method"))
        top.addWidget(self.method, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.owner, 3)
        bottom.addWidget(self.has_due)
        bottom.addWidget(self.due, 1)
        self.setStyleSheet(_READ_ONLY_LOOK)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Status", top)
        form.addRow("Rationale", self.rationale)
        form.addRow("Owner", bottom)
        form.addRow("", self.state)

        self.status.currentIndexChanged.connect(self._changed)
        self.method.currentIndexChanged.connect(self._changed)
        self.rationale.textChanged.connect(self._changed)
        self.owner.textChanged.connect(self._changed)
        self.has_due.toggled.connect(self._due_toggled)
        self.due.dateChanged.connect(self._changed)
        acting.changed.connect(self.apply_permissions)
        self.show_view(None)

    # -- values ----------------------------------------------------------------------------

    def show_view(self, view: ItemView | None) -> None:
        """Load `view`'s answer; it becomes the base that `pending_edit` compares with."""
        self._loading = True
        try:
            self._base = AnswerValues.of(view) if view else None
            values = self._base or AnswerValues(None, Method.NONE, "", "", None)
            self._set_values(values)
            self.state.setText(_describe(view))
        finally:
            self._loading = False
        self.apply_permissions()

    def values(self) -> AnswerValues:
        status = self._statuses.value_at(max(self.status.currentIndex(), 0))
        method = self._methods.value_at(max(self.method.currentIndex(), 0))
        assert status is None or isinstance(status, Status)
        assert isinstance(method, Method)
        due = self.due.date().toPython() if self.has_due.isChecked() else None
        assert due is None or isinstance(due, date)
        return AnswerValues(status, method, self.rationale.toPlainText(), self.owner.text(), due)

    def base(self) -> AnswerValues | None:
        return self._base

    def pending_edit(self) -> ItemEdit | None:
        """What the person changed since the item was loaded, or None."""
        return self.values().edit_from(self._base) if self._base else None

    def set_values(self, values: AnswerValues) -> None:
        """Put values in the fields as if typed (used to keep someone's text after a conflict)."""
        self._set_values(values)
        self.edited.emit()

    # -- permissions -----------------------------------------------------------------------

    def apply_permissions(self) -> None:
        loaded = self._base is not None
        decide = self._acting.may(Action.SET_STATUS) and loaded
        draft = self._acting.may(Action.DRAFT_RATIONALE) and loaded
        for widget in (self.status, self.method, self.owner, self.has_due):
            widget.setEnabled(decide)
            widget.setToolTip(self._acting.refusal(Action.SET_STATUS) or _TIPS[widget.objectName()])
        self.due.setEnabled(decide and self.has_due.isChecked())
        self.due.setToolTip(self.has_due.toolTip())
        self.rationale.setReadOnly(not draft)
        self.rationale.style().unpolish(self.rationale)  # re-read the readOnly style rule
        self.rationale.style().polish(self.rationale)
        self.rationale.setToolTip(
            self._acting.refusal(Action.DRAFT_RATIONALE) or _TIPS["rationaleEdit"]
        )

    # -- helpers ---------------------------------------------------------------------------

    def _set_values(self, values: AnswerValues) -> None:
        self.status.setCurrentIndex(self._statuses.row_of(values.status))
        self.method.setCurrentIndex(self._methods.row_of(values.method))
        if self.rationale.toPlainText() != values.rationale:
            self.rationale.setPlainText(values.rationale)
        self.owner.setText(values.owner)
        self.has_due.setChecked(values.due_date is not None)
        due = values.due_date
        self.due.setDate(QDate(due.year, due.month, due.day) if due else QDate.currentDate())

    def _due_toggled(self, checked: bool) -> None:
        self.due.setEnabled(checked and self.has_due.isEnabled())
        self._changed()

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()


# A field the acting member may not change should not look like one they can type into.
_READ_ONLY_LOOK = 'QPlainTextEdit[readOnly="true"] { background: palette(window); }'

_TIPS = {
    "statusCombo": "The PCI DSS finding for this item",
    "methodCombo": "How the requirement is met: defined approach, compensating control "
    "or customized approach",
    "ownerEdit": "Who is responsible for this item",
    "dueCheck": "Give this item a due date",
    "rationaleEdit": "Why this status: what was checked and what was seen",
}


def _describe(view: ItemView | None) -> str:
    if view is None:
        return ""
    done = "Complete" if view.complete else "Not complete yet"
    if not view.updated_by:
        return f"{done} · never answered"
    when = local_time(view.updated_at)
    return f"{done} · version {view.version}, changed by {view.updated_by} {when}"
