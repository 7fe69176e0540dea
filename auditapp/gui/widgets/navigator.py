"""The checklist navigator: a tree of sections and items; tells the window which item to show."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from auditapp.gui.models.checklist_tree import (
    ITEM_COLUMN,
    KEY_ROLE,
    STATE_COLUMN,
    ChecklistTreeModel,
)
from auditapp.gui.widgets.progress_delegate import ProgressDelegate


class Navigator(QTreeView):
    """Emits `item_chosen(key)` when the person moves to another item.

    The window may refuse the move (unsaved edits that could not be saved); it then calls
    `show_item` with the key it stays on, which does not emit again.
    """

    item_chosen = Signal(str)

    def __init__(self, model: ChecklistTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._quiet = False
        self.setModel(model)
        self.setObjectName("navigator")
        self.setAccessibleName("Checklist navigator")
        self.setToolTip("Sections and items of the checklist (Alt+Up / Alt+Down to move)")
        self.setItemDelegateForColumn(STATE_COLUMN, ProgressDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setAllColumnsShowFocus(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(ITEM_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(STATE_COLUMN, 120)
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)
        # choosing the item already current (e.g. to get back to it from a working view)
        # changes no selection: clicks and Enter announce it anyway
        self.clicked.connect(self._on_chosen_again)
        self.activated.connect(self._on_chosen_again)
        model.modelReset.connect(self.expandAll)

    def current_key(self) -> str | None:
        key = self.currentIndex().data(KEY_ROLE)
        return key if isinstance(key, str) else None

    def show_item(self, key: str) -> None:
        """Select `key` without announcing it."""
        index = self._model.item_index(key)
        if not index.isValid():
            return
        self._quiet = True
        try:
            self.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(index)
        finally:
            self._quiet = False

    def choose(self, key: str) -> None:
        """Select `key` as if the person had clicked it."""
        index = self._model.item_index(key)
        if index.isValid() and index == self.currentIndex():
            self.item_chosen.emit(key)
        elif index.isValid():
            self.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(index)

    def step(self, offset: int) -> None:
        """Move to the previous (-1) or next (+1) item, across sections."""
        keys = self._model.item_keys()
        if not keys:
            return
        current = self.current_key()
        position = keys.index(current) + offset if current in keys else 0
        self.choose(keys[max(0, min(position, len(keys) - 1))])

    def _on_chosen_again(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if isinstance(key, str) and index == self.currentIndex():
            self.item_chosen.emit(key)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        key = current.data(KEY_ROLE)
        if isinstance(key, str):
            self.item_chosen.emit(key)
