"""The Settings dialog, generated from auditapp.gui.settings.SETTINGS: one editor per setting,
its help beneath it, OK stores what changed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from auditapp.gui.settings import SETTINGS, Kind, Preferences, Setting, Value

HELP_WIDTH = 500
RESTART_NOTE = "Takes effect when auditapp starts again."


class SettingsDialog(QDialog):
    """`changed` holds the keys whose values OK stored (empty after Cancel)."""

    def __init__(
        self,
        preferences: Preferences,
        members: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.preferences = preferences
        self.changed: set[str] = set()
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for setting in SETTINGS:
            editor = _editor(setting, members)
            editor.setObjectName(f"setting-{setting.key}")
            editor.setAccessibleName(setting.label.replace("&", ""))
            help_text = f"{setting.help} {RESTART_NOTE}" if setting.restart else setting.help
            editor.setToolTip(help_text)
            editor.setAccessibleDescription(help_text)
            self.editors[setting.key] = editor
            label = QLabel(setting.label)
            label.setBuddy(editor)
            field = QWidget()
            stacked = QVBoxLayout(field)
            stacked.setContentsMargins(0, 0, 0, 6)
            stacked.setSpacing(2)
            if isinstance(editor, QLineEdit):
                stacked.addWidget(editor)
            else:
                stacked.addWidget(editor, 0, Qt.AlignmentFlag.AlignLeft)
            stacked.addWidget(_help_label(help_text))
            form.addRow(label, field)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setToolTip("Put every setting back to its default (OK stores them)")
        defaults.clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(660)
        for setting in SETTINGS:
            self.show_value(setting, preferences.value(setting.key))

    def value(self, setting: Setting) -> Value:
        editor = self.editors[setting.key]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentText().strip()
        assert isinstance(editor, QLineEdit)
        return editor.text().strip()

    def show_value(self, setting: Setting, value: Value) -> None:
        editor = self.editors[setting.key]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def restore_defaults(self) -> None:
        for setting in SETTINGS:
            self.show_value(setting, setting.default)

    def accept(self) -> None:
        self.changed = set()
        for setting in SETTINGS:
            value = self.value(setting)
            if value != self.preferences.value(setting.key):
                self.preferences.set_value(setting.key, value)
                self.changed.add(setting.key)
        self.preferences.sync()
        super().accept()


def _editor(setting: Setting, members: Sequence[str]) -> QWidget:
    if setting.kind is Kind.FLAG:
        return QCheckBox("On")
    if setting.kind is Kind.NUMBER:
        spin = QSpinBox()
        spin.setRange(setting.minimum, setting.maximum)
        spin.setSuffix(setting.suffix)
        spin.setMinimumWidth(140)
        return spin
    if setting.kind is Kind.MEMBER:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setMinimumWidth(320)
        combo.addItems(["", *members])  # the empty entry: the audit's default member
        line = combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(setting.placeholder)
        return combo
    edit = QLineEdit()
    edit.setPlaceholderText(setting.placeholder)
    edit.setMinimumWidth(360)
    return edit


def _help_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted in light and dark
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    label.setFont(font)
    # a fixed width makes the wrapped height known up front: a dialog does not otherwise ask
    # its wrapped labels how tall they need to be, and clips them
    label.setFixedWidth(HELP_WIDTH)
    label.setMinimumHeight(label.heightForWidth(HELP_WIDTH))
    return label
