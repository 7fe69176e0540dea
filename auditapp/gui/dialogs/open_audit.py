"""The Open audit dialog: pick one of the audits in this database."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.models.audit_list import AuditTableModel
from auditapp.services.audits import AuditSummary


class OpenAuditDialog(QDialog):
    """`chosen()` is the selected audit's name once accepted."""

    def __init__(self, audits: list[AuditSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("openAuditDialog")
        self.setWindowTitle("Open audit")
        self.model = AuditTableModel(self)
        self.model.set_rows(audits)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName("Audits in this database")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 340)
        self.table.selectRow(max(self.model.current_row(), 0))

    def chosen(self) -> str | None:
        return self.model.name_at(self.table.currentIndex().row())

    def select(self, name: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.name_at(row) == name:
                self.table.selectRow(row)

    def _open_row(self, _index: QModelIndex) -> None:
        self.accept()
