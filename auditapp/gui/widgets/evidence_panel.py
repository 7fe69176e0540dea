"""The evidence linked to the shown item, and the way to attach more."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.acting import ActingAs
from auditapp.gui.models.evidence_table import EvidenceTableModel
from auditapp.services.evidence import EvidenceView
from auditapp.services.roles import Action


class EvidencePanel(QWidget):
    """Emits `attach_requested(paths)`; the editor runs the attaching on a worker. A double
    click or Enter on a row emits `open_requested(evidence id)` (the editor previews it)."""

    attach_requested = Signal(list)
    open_requested = Signal(int)

    def __init__(self, acting: ActingAs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._acting = acting
        self._loaded = False
        self.model = EvidenceTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("evidenceTable")
        self.table.setAccessibleName("Evidence linked to this item")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Double-click or press Enter to preview")
        self.table.activated.connect(self._activated)
        self.attach = QPushButton("Attach file…")
        self.attach.setObjectName("attachButton")
        self.attach.setAccessibleName("Attach file")
        self.attach.clicked.connect(self._choose_files)
        hint = QLabel("or drop files from the desktop onto the item")
        hint.setObjectName("dropHint")
        hint.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.attach)
        buttons.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        acting.changed.connect(self.apply_permissions)
        self.apply_permissions()

    def show_rows(self, rows: Sequence[EvidenceView] | None) -> None:
        self._loaded = rows is not None
        self.model.set_rows(rows or [])
        self.apply_permissions()

    def may_attach(self) -> bool:
        return self._loaded and self._acting.may(Action.ATTACH_EVIDENCE)

    def apply_permissions(self) -> None:
        self.attach.setEnabled(self.may_attach())
        refusal = self._acting.refusal(Action.ATTACH_EVIDENCE)
        self.attach.setToolTip(
            refusal or "Store a file (up to the size cap) as evidence for this item"
        )

    def _activated(self, index: QModelIndex) -> None:
        rows = self.model.rows()
        if index.isValid() and 0 <= index.row() < len(rows):
            self.open_requested.emit(rows[index.row()].id)

    def _choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, "Attach evidence")
        if names:
            self.attach_requested.emit([Path(name) for name in names])
