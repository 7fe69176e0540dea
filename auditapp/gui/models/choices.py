"""A fixed list of labelled values for combo boxes (statuses, methods, roles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from auditapp.checklist import Method, Status
from auditapp.gui.status_look import status_icon, status_label
from auditapp.services.roles import Role

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Choice:
    label: str
    value: object
    icon: QIcon | None = None
    tooltip: str = ""


class ChoiceListModel(QAbstractListModel):
    """Rows of `Choice`; a combo's row number maps back to its value with `value_at`."""

    def __init__(self, choices: Sequence[Choice], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices = tuple(choices)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._choices)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._choices):
            return None
        choice = self._choices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return choice.label
        if role == Qt.ItemDataRole.DecorationRole:
            return choice.icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return choice.tooltip or None
        return None

    def value_at(self, row: int) -> object:
        return self._choices[row].value

    def row_of(self, value: object) -> int:
        for row, choice in enumerate(self._choices):
            if choice.value == value:
                return row
        raise ValueError(f"{value!r} is not one of the choices")


def status_choices(parent: QObject | None = None) -> ChoiceListModel:
    values: list[Status | None] = [None, *Status]
    return ChoiceListModel([Choice(status_label(s), s, status_icon(s)) for s in values], parent)


def method_choices(parent: QObject | None = None) -> ChoiceListModel:
    return ChoiceListModel([Choice(m.label, m) for m in Method], parent)


_ROLE_HINTS = {
    Role.OFFICER: "Answers items, sets statuses, manages members and signs off",
    Role.DEVELOPER: "Drafts rationales and attaches evidence",
    Role.AUDITOR: "Reviews, comments and signs off",
}


def role_choices(parent: QObject | None = None) -> ChoiceListModel:
    return ChoiceListModel(
        [Choice(r.value.capitalize(), r, tooltip=_ROLE_HINTS[r]) for r in Role], parent
    )
