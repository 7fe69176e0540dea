"""What the window shows while no audit is open."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    create_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        title = QLabel("No audit is open")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        self.text = QLabel(
            "An audit walks the PCI DSS checklist for one containerized application.\n"
            "Create one to start, or open an audit that is already in this database."
        )
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.create_button = QPushButton("Create an audit")
        self.create_button.setObjectName("createAuditButton")
        self.create_button.setAccessibleName("Create an audit")
        self.create_button.setDefault(True)
        self.create_button.setMinimumWidth(200)
        self.create_button.clicked.connect(self.create_requested)
        self.open_button = QPushButton("Open an audit…")
        self.open_button.setObjectName("openAuditButton")
        self.open_button.setMinimumWidth(200)
        self.open_button.clicked.connect(self.open_requested)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addStretch(2)
        for widget in (title, self.text, self.create_button, self.open_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def set_has_audits(self, has_audits: bool) -> None:
        self.open_button.setVisible(has_audits)
