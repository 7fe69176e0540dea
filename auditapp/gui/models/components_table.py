"""The audit's components as an editable table.

Edits do not change the rows here: `setData` emits `edit_requested(component, edit)` and the
view sends it to the service (with the version the person saw); the row changes when the
service answers (`replace`), so the table never shows a value that was not stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from auditapp.analysis.model import DATA_CLASSES
from auditapp.services.components import ComponentEdit, ComponentView

AnyIndex = QModelIndex | QPersistentModelIndex

COMPONENT_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = (
    "Name",
    "Image",
    "Digest",
    "Internet",
    "CDE",
    "Data classes",
    "Host",
    "Template",
    "Notes",
)
(
    NAME,
    IMAGE,
    DIGEST,
    INTERNET_FACING,
    IN_CDE,
    DATA_CLASSES_COLUMN,
    HOST,
    TEMPLATE,
    NOTES,
) = range(len(HEADERS))
CHECK_COLUMNS = (INTERNET_FACING, IN_CDE)
EDITABLE_COLUMNS = (DATA_CLASSES_COLUMN, HOST, NOTES)
_TIPS = {
    INTERNET_FACING: "Internet-facing: reachable from the internet (an attacker's way in)",
    IN_CDE: "Part of the cardholder data environment: stores, processes or transmits card data",
    DATA_CLASSES_COLUMN: "The kinds of data it handles: " + ", ".join(DATA_CLASSES),
    TEMPLATE: "The security template its runtime settings are checked against",
}


def data_classes_text(classes: Sequence[str]) -> str:
    return ", ".join(classes)


class ComponentsTableModel(QAbstractTableModel):
    """`edit_requested(ComponentView, ComponentEdit)` and `template_requested(ComponentView,
    name)` carry what the person changed; `may_edit` / `may_assign` with their refusals say
    what they may change (the services refuse anyway)."""

    edit_requested = Signal(object, object)
    template_requested = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ComponentView] = []
        self._templates: dict[str, str] = {}
        self.template_names: tuple[str, ...] = ()
        self.may_edit = False
        self.edit_refusal = "Open an audit first"
        self.may_assign = False
        self.assign_refusal = "Open an audit first"

    def set_rows(
        self,
        rows: Sequence[ComponentView],
        templates: Mapping[str, str],
        template_names: Sequence[str],
    ) -> None:
        """`templates`: component name -> its template; `template_names`: all defined."""
        self.beginResetModel()
        self._rows = list(rows)
        self._templates = dict(templates)
        self.template_names = tuple(template_names)
        self.endResetModel()

    def set_permissions(self, edit_refusal: str, assign_refusal: str) -> None:
        """'' means allowed; otherwise the sentence to show on the cells."""
        self.beginResetModel()  # flags change for every cell
        self.may_edit, self.edit_refusal = not edit_refusal, edit_refusal
        self.may_assign, self.assign_refusal = not assign_refusal, assign_refusal
        self.endResetModel()

    def replace(self, component: ComponentView, template: str | None = None) -> None:
        for row, existing in enumerate(self._rows):
            if existing.name == component.name:
                self._rows[row] = component
                if template is not None:
                    self._templates[component.name] = template
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
                return

    def components(self) -> list[ComponentView]:
        return list(self._rows)

    def template_of(self, name: str) -> str:
        return self._templates.get(name, "")

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _TIPS.get(section)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return flags
        column = index.column()
        if column in CHECK_COLUMNS:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if self.may_edit and column in EDITABLE_COLUMNS:
            flags |= Qt.ItemFlag.ItemIsEditable
        if self.may_assign and column == TEMPLATE and self.template_names:
            flags |= Qt.ItemFlag.ItemIsEditable
        if column in CHECK_COLUMNS and not self.may_edit:
            flags &= ~Qt.ItemFlag.ItemIsEnabled  # a greyed box: it cannot be ticked
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        component = self._rows[index.row()]
        column = index.column()
        if role == COMPONENT_ROLE:
            return component
        if role == Qt.ItemDataRole.CheckStateRole and column in CHECK_COLUMNS:
            on = component.internet_facing if column == INTERNET_FACING else component.in_cde
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(component, column)
        if role == Qt.ItemDataRole.EditRole:
            if column == DATA_CLASSES_COLUMN:
                return list(component.data_classes)
            return self._display(component, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(component, column)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        component = self._rows[index.row()]
        column = index.column()
        if column == TEMPLATE and role == Qt.ItemDataRole.EditRole:
            name = str(value)
            if not self.may_assign or not name or name == self.template_of(component.name):
                return False
            self.template_requested.emit(component, name)
            return True
        edit = self._edit_for(component, column, value, role) if self.may_edit else None
        if edit is None:
            return False
        self.edit_requested.emit(component, edit)
        return True

    @staticmethod
    def _edit_for(
        component: ComponentView, column: int, value: Any, role: int
    ) -> ComponentEdit | None:
        """The change a new cell value asks for; None when it changes nothing."""
        if role == Qt.ItemDataRole.CheckStateRole and column in CHECK_COLUMNS:
            on = Qt.CheckState(value) == Qt.CheckState.Checked
            if column == INTERNET_FACING:
                return (
                    None if on == component.internet_facing else ComponentEdit(internet_facing=on)
                )
            return None if on == component.in_cde else ComponentEdit(in_cde=on)
        if role != Qt.ItemDataRole.EditRole:
            return None
        if column == DATA_CLASSES_COLUMN:
            classes = tuple(sorted(value))
            same = classes == tuple(sorted(component.data_classes))
            return None if same else ComponentEdit(data_classes=classes)
        text = str(value).strip()
        if column == HOST and text != component.host:
            return ComponentEdit(host=text)
        if column == NOTES and text != component.notes:
            return ComponentEdit(notes=text)
        return None

    def _display(self, component: ComponentView, column: int) -> str:
        if column in CHECK_COLUMNS:
            return ""
        return (
            component.name,
            component.image_ref,
            _short_digest(component.image_digest),
            "",
            "",
            data_classes_text(component.data_classes),
            component.host,
            self.template_of(component.name),
            " ".join(component.notes.split()),
        )[column]

    def _tooltip(self, component: ComponentView, column: int) -> str | None:
        refusal = self.assign_refusal if column == TEMPLATE else self.edit_refusal
        if column in (*CHECK_COLUMNS, *EDITABLE_COLUMNS, TEMPLATE) and refusal:
            return refusal
        if column == DIGEST and component.image_digest:
            return component.image_digest
        if column == NOTES and component.notes:
            return component.notes
        if column == TEMPLATE and not self.template_names:
            return "No security templates are defined yet (auditapp template define)"
        return _TIPS.get(column)


def _short_digest(digest: str) -> str:
    """sha256:0123456789ab… — enough to tell images apart at a glance."""
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}…" if value and len(value) > 12 else digest
