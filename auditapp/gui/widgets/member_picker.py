"""The toolbar combo that chooses the acting member ("name — role")."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from auditapp.gui.models.member_list import MemberListModel
from auditapp.services.members import MemberView


class MemberPicker(QComboBox):
    """Emits `member_chosen(name)` when the person picks someone; `show_member` is quiet."""

    member_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberPicker")
        self.setAccessibleName("Acting member")
        self.setToolTip("Who you act as: every change is made and journaled as this member")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMinimumContentsLength(22)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.members = MemberListModel(self)
        self.setModel(self.members)
        self._quiet = False
        self.currentIndexChanged.connect(self._on_index_changed)

    def set_members(self, rows: Sequence[MemberView], current: str | None) -> None:
        self._quiet = True
        try:
            self.members.set_rows(rows)
            self.setCurrentIndex(self.members.row_of(current))
        finally:
            self._quiet = False
        self.setEnabled(bool(rows))
        if not rows:
            self.setPlaceholderText("No members yet")

    def show_member(self, name: str | None) -> None:
        self._quiet = True
        try:
            self.setCurrentIndex(self.members.row_of(name))
        finally:
            self._quiet = False

    def _on_index_changed(self, row: int) -> None:
        name = self.members.name_at(row)
        if not self._quiet and name is not None:
            self.member_chosen.emit(name)
