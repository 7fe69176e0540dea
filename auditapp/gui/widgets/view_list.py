"""The list of working views under the checklist navigator, each with its Ctrl+N shortcut."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from auditapp.gui.views import ViewEntry

SHORTCUTS = 9  # Ctrl+1 … Ctrl+9


class ViewList(QListWidget):
    def __init__(self, views: Sequence[ViewEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewList")
        self.setAccessibleName("Working views")
        for number, view in enumerate(views, start=1):
            entry = QListWidgetItem(view.title)
            tip = f"{view.title} (Ctrl+{number})" if number <= SHORTCUTS else view.title
            entry.setToolTip(tip)
            self.addItem(entry)
        self.setMaximumHeight(max(60, 22 * len(views) + 8))
