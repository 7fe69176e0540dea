"""The prompt shown when someone else changed an item while it was being edited."""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget


class ConflictChoice(Enum):
    KEEP_MINE = "keep mine"  # save my values on top of the newer version
    TAKE_THEIRS = "take theirs"  # drop my changes and show the newer version
    DECIDE_LATER = "decide later"  # keep editing; nothing is saved or dropped


class ConflictDialog(QMessageBox):
    def __init__(self, message: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Someone else changed this item")
        self.setText(message)
        self.setInformativeText(
            "Keep mine saves your values over theirs (only the fields you changed). "
            "Take theirs drops your changes and shows their version."
        )
        self.keep_mine = self.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        self.take_theirs = self.addButton("Take theirs", QMessageBox.ButtonRole.DestructiveRole)
        self.later = self.addButton("Decide later", QMessageBox.ButtonRole.RejectRole)
        self.keep_mine.setObjectName("keepMineButton")
        self.take_theirs.setObjectName("takeTheirsButton")
        self.setDefaultButton(self.keep_mine)
        self.setEscapeButton(self.later)

    def choice(self) -> ConflictChoice:
        clicked = self.clickedButton()
        if clicked == self.keep_mine:
            return ConflictChoice.KEEP_MINE
        if clicked == self.take_theirs:
            return ConflictChoice.TAKE_THEIRS
        return ConflictChoice.DECIDE_LATER


def ask_conflict(parent: QWidget | None, message: str) -> ConflictChoice:
    dialog = ConflictDialog(message, parent)
    dialog.exec()
    return dialog.choice()
