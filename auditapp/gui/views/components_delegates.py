"""Cell editors of the Components table: a checkable list for data classes and a combo of the
defined security templates."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from auditapp.analysis.model import DATA_CLASSES
from auditapp.gui.models.components_table import ComponentsTableModel

AnyIndex = QModelIndex | QPersistentModelIndex

_CLASS_LABELS = {
    "cardholder-data": "Cardholder data (PAN)",
    "sensitive-authentication-data": "Sensitive authentication data",
    "credentials": "Credentials",
    "personal-data": "Personal data",
    "none": "None of these",
}


class MiddleElideDelegate(QStyledItemDelegate):
    """Cuts long text in the middle: image references and paths end in what tells them apart
    (the tag, the file name)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class DataClassesEditor(QListView):
    """One checkable row per data class; Enter or leaving the cell commits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataClassesEditor")
        self.setAccessibleName("Data classes")
        self.setFrameShape(QFrame.Shape.Box)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.choices = QStandardItemModel(self)
        for value in DATA_CLASSES:
            item = QStandardItem(_CLASS_LABELS.get(value, value))
            item.setData(value, Qt.ItemDataRole.UserRole)
            # ticked by our own click and Space handling, so a click anywhere on the row
            # ticks it (Qt's own handling reacts to the small box only)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.choices.appendRow(item)
        self.setModel(self.choices)
        self.clicked.connect(self.toggle)

    def set_checked(self, values: list[str]) -> None:
        for row in range(self.choices.rowCount()):
            item = self.choices.item(row)
            on = item.data(Qt.ItemDataRole.UserRole) in values
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        return [
            str(self.choices.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.choices.rowCount())
            if self.choices.item(row).checkState() == Qt.CheckState.Checked
        ]

    def toggle(self, index: QModelIndex) -> None:
        item = self.choices.itemFromIndex(index)
        if item is not None:
            on = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if on else Qt.CheckState.Checked)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self.currentIndex().isValid():
            self.toggle(self.currentIndex())
            return
        super().keyPressEvent(event)


class DataClassesDelegate(QStyledItemDelegate):
    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        return DataClassesEditor(parent)

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, DataClassesEditor)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.set_checked(list(value) if isinstance(value, list) else [])

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, DataClassesEditor)
        model.setData(index, editor.checked(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        """Taller than the cell: the whole list shows below its top edge."""
        assert isinstance(editor, DataClassesEditor)
        rows = editor.choices.rowCount()
        height = editor.sizeHintForRow(0) * rows + 2 * editor.frameWidth() + 2
        rect: QRect = option.rect
        editor.setGeometry(rect.left(), rect.top(), max(rect.width(), 240), height)


class TemplateDelegate(QStyledItemDelegate):
    """A combo of the defined templates (a component's template can be changed, not removed)."""

    def __init__(self, model: ComponentsTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("templateEditor")
        combo.setAccessibleName("Security template")
        combo.addItems(list(self._model.template_names))
        combo.activated.connect(lambda _row: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(editor.findText(str(index.data(Qt.ItemDataRole.EditRole) or "")))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        if editor.currentIndex() >= 0:
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
