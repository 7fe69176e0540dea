"""Parts every edit dialog of the working views shares: the line that says why the service
refused, and the OK/Cancel buttons whose OK says what it does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton


def refusal_label() -> QLabel:
    """Hidden until the service refuses; then shows its reason in red."""
    label = QLabel()
    label.setObjectName("dialogError")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c62828")
    label.hide()
    return label


def ok_cancel(
    dialog: QDialog, ok_text: str, submit: Callable[[], None]
) -> tuple[QDialogButtonBox, QPushButton]:
    """OK (named `ok_text`) runs `submit`, which closes the dialog only when the service
    accepts; Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    buttons.accepted.connect(submit)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
