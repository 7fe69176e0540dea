"""The Add component dialog: a component the collection did not find (a managed database, a
payment gateway, a host service), described by hand."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditapp.services.components import ComponentEdit


class AddComponentDialog(QDialog):
    def __init__(self, existing: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addComponentDialog")
        self.setWindowTitle("Add a component")
        self._existing = existing
        self.name = QLineEdit()
        self.name.setObjectName("componentName")
        self.name.setAccessibleName("Component name")
        self.name.setPlaceholderText("e.g. payments-gateway")
        self.image = QLineEdit()
        self.image.setObjectName("componentImage")
        self.image.setAccessibleName("Image reference")
        self.image.setPlaceholderText("e.g. shop/api:1.4 (empty for a managed service)")
        self.host = QLineEdit()
        self.host.setObjectName("componentHost")
        self.host.setAccessibleName("Host")
        self.internet_facing = QCheckBox("Reachable from the &internet")
        self.internet_facing.setObjectName("componentInternetFacing")
        self.in_cde = QCheckBox("In the cardholder data &environment")
        self.in_cde.setObjectName("componentInCde")
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("componentNotes")
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(80)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("I&mage", self.image)
        form.addRow("&Host", self.host)
        form.addRow("", self.internet_facing)
        form.addRow("", self.in_cde)
        form.addRow("N&otes", self.notes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.box)
        self.name.textChanged.connect(self._update)
        self._update()
        self.resize(460, 320)

    def component_name(self) -> str:
        return self.name.text().strip()

    def edit(self) -> ComponentEdit:
        return ComponentEdit(
            image_ref=self.image.text().strip(),
            internet_facing=self.internet_facing.isChecked(),
            in_cde=self.in_cde.isChecked(),
            host=self.host.text().strip(),
            notes=self.notes.toPlainText().strip(),
        )

    def _update(self) -> None:
        name = self.component_name()
        ok = self.box.button(QDialogButtonBox.StandardButton.Ok)
        taken = name in self._existing
        ok.setEnabled(bool(name) and not taken)
        ok.setToolTip(f"A component named {name} already exists" if taken else "")
