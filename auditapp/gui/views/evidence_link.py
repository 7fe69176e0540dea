"""Choosing the checklist item an evidence item supports: a list of every item (key and
question) narrowed as the person types."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from auditapp.checklist import Item

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class LinkItemDialog(QDialog):
    def __init__(
        self,
        title: str,
        items: Sequence[Item],
        already: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("linkItemDialog")
        self.setWindowTitle("Link evidence to a checklist item")
        heading = QLabel(f"Which item does <b>{escape(title)}</b> support?")
        heading.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setObjectName("linkSearch")
        self.search.setAccessibleName("Search checklist items")
        self.search.setPlaceholderText("Type part of a key or question")
        self.search.setClearButtonEnabled(True)
        self.choices = QStandardItemModel(self)
        for item in items:
            linked = item.key in already
            row = QStandardItem(("(linked) " if linked else "") + f"{item.key} — {item.question}")
            row.setData(item.key, KEY_ROLE)
            row.setToolTip(item.question)
            row.setEditable(False)
            row.setEnabled(not linked)
            self.choices.appendRow(row)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.choices)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView()
        self.list.setObjectName("linkItems")
        self.list.setAccessibleName("Checklist items")
        self.list.setModel(self.proxy)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.button(QDialogButtonBox.StandardButton.Ok).setText("&Link")
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.box)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.search.textChanged.connect(lambda _: self._update())
        self.list.selectionModel().currentChanged.connect(lambda *_: self._update())
        self.list.doubleClicked.connect(self._double_clicked)
        self._update()
        self.resize(640, 480)

    def chosen_key(self) -> str | None:
        index = self.list.currentIndex()
        if not index.isValid() or not index.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        key = index.data(KEY_ROLE)
        return key if isinstance(key, str) else None

    def choose(self, key: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(KEY_ROLE) == key:
                self.list.setCurrentIndex(index)
                return True
        return False

    def _update(self) -> None:
        if not self.list.currentIndex().isValid() and self.proxy.rowCount() == 1:
            self.list.setCurrentIndex(self.proxy.index(0, 0))  # the only match: Enter links it
        self.box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            self.chosen_key() is not None
        )

    def _double_clicked(self, index: QModelIndex) -> None:
        if self.chosen_key() is not None:
            self.accept()
