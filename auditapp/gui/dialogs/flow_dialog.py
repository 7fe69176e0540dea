"""Declaring (or re-declaring) a data flow: its two ends, port, protocol, the data it carries,
and why it is needed.

The dialog does not call the services itself: it emits `submitted(FlowInput)`; whoever opened
it stores the flow off the UI thread and then calls `finish()` or `refuse(reason)`, so a
refusal (an unknown end, a duplicate) is shown inside the dialog, which stays open.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.model import DATA_CLASSES, ZONE_PREFIX, ZONES
from auditapp.gui.dialogs.dialog_parts import ok_cancel, refusal_label
from auditapp.gui.models.flows_table import end_label
from auditapp.services.flows import FlowInput, FlowView

PROTOCOLS = ("tcp", "udp", "http", "https", "grpc", "postgres", "mysql", "redis", "amqp", "smtp")


class FlowDialog(QDialog):
    submitted = Signal(object)  # FlowInput

    def __init__(
        self,
        components: Sequence[str],
        flow: FlowView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("flowDialog")
        self.setWindowTitle("Edit flow" if flow else "Declare a flow")
        self.editing = flow
        ends = [*sorted(components), *(ZONE_PREFIX + z for z in ZONES)]
        self.source = self._end_combo("Source", ends)
        self.destination = self._end_combo("Destination", ends)
        self.port = QSpinBox()
        self.port.setObjectName("flowPort")
        self.port.setAccessibleName("Port")
        self.port.setRange(1, 65535)
        self.port.setValue(443)
        self.protocol = QComboBox()
        self.protocol.setObjectName("flowProtocol")
        self.protocol.setAccessibleName("Protocol")
        self.protocol.setEditable(True)  # application protocols are open-ended
        self.protocol.addItems(PROTOCOLS)
        self.protocol.setCurrentText("https")
        self.classes = {c: QCheckBox(c) for c in DATA_CLASSES}
        classes = QGridLayout()
        for i, (name, box) in enumerate(self.classes.items()):
            box.setObjectName(f"flowClass-{name}")
            box.setAccessibleName(f"Carries {name}")
            classes.addWidget(box, i // 2, i % 2)
        self.encrypted = QCheckBox("&Encrypted (TLS or equivalent)")
        self.encrypted.setObjectName("flowEncrypted")
        self.authenticated = QCheckBox("&Authenticated (the ends prove who they are)")
        self.authenticated.setObjectName("flowAuthenticated")
        self.justification = QPlainTextEdit()
        self.justification.setObjectName("flowJustification")
        self.justification.setAccessibleName("Justification")
        self.justification.setPlaceholderText("Why this flow is needed (PCI DSS 1.2.5)")
        self.justification.setTabChangesFocus(True)
        self.justification.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.error = refusal_label()
        self.buttons, self.ok = ok_cancel(
            self, "Save flow" if flow else "Declare flow", self._submit
        )

        form = QFormLayout()
        form.addRow("&Source", self.source)
        form.addRow("&Destination", self.destination)
        form.addRow("&Port", self.port)
        form.addRow("P&rotocol", self.protocol)
        form.addRow("Data classes", classes)
        form.addRow("", self.encrypted)
        form.addRow("", self.authenticated)
        form.addRow("&Why", self.justification)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if flow is not None:
            self._fill(flow)
        self.resize(480, self.sizeHint().height())

    def flow_input(self) -> FlowInput:
        return FlowInput(
            source=self._end(self.source),
            destination=self._end(self.destination),
            port=self.port.value(),
            protocol=self.protocol.currentText(),
            data_classes=tuple(c for c, box in self.classes.items() if box.isChecked()),
            encrypted=self.encrypted.isChecked(),
            authenticated=self.authenticated.isChecked(),
            justification=self.justification.toPlainText(),
        )

    def refuse(self, reason: str) -> None:
        """The services said no: show why and let the person correct it."""
        self.error.setText(reason)
        self.error.show()
        self.ok.setEnabled(True)

    def finish(self) -> None:
        self.accept()

    def _submit(self) -> None:
        self.error.hide()
        self.ok.setEnabled(False)  # until the services answered: no double declarations
        self.submitted.emit(self.flow_input())

    def _end_combo(self, what: str, ends: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"flow{what}")
        combo.setAccessibleName(what)
        combo.setEditable(True)  # a component not collected yet may still be named
        for end in ends:
            combo.addItem(end_label(end), end)
        combo.setCurrentIndex(-1)
        combo.setEditText("")
        editor = combo.lineEdit()
        assert editor is not None  # the combo is editable
        editor.setPlaceholderText("a component or a zone")
        return combo

    @staticmethod
    def _end(combo: QComboBox) -> str:
        """The stored name of the end: the item's data when the text is one of the items."""
        text = combo.currentText().strip()
        found = combo.findText(text)
        return str(combo.itemData(found)) if found >= 0 else text

    def _fill(self, flow: FlowView) -> None:
        for combo, end in ((self.source, flow.source), (self.destination, flow.destination)):
            found = combo.findData(end)
            if found >= 0:
                combo.setCurrentIndex(found)
            else:
                combo.setEditText(end)
        self.port.setValue(flow.port)
        self.protocol.setCurrentText(flow.protocol)
        for name, box in self.classes.items():
            box.setChecked(name in flow.data_classes)
        self.encrypted.setChecked(flow.encrypted)
        self.authenticated.setChecked(flow.authenticated)
        self.justification.setPlainText(flow.justification)
