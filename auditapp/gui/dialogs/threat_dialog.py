"""Writing a threat of the team's own: the element it concerns, its STRIDE category, title and
description, likelihood and impact, mitigation and the actors behind it.

It emits `submitted(NewThreat)` and waits for `finish()` or `refuse(reason)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.threats import LEVELS, Stride
from auditapp.gui.dialogs.actor_dialog import checkable, checked
from auditapp.gui.dialogs.dialog_parts import ok_cancel, refusal_label


@dataclass(frozen=True)
class NewThreat:
    element: str
    category: str
    title: str
    description: str
    likelihood: str
    impact: str
    mitigation: str
    actors: tuple[str, ...]


def stride_label(category: Stride) -> str:
    return f"{category.letter} — {category.value.replace('-', ' ')}"


class ThreatDialog(QDialog):
    submitted = Signal(object)  # NewThreat

    def __init__(
        self,
        elements: Sequence[str],
        actors: Sequence[str],
        element: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("threatDialog")
        self.setWindowTitle("Add a threat")
        self.element = QComboBox()
        self.element.setObjectName("threatElement")
        self.element.setAccessibleName("Element")
        self.element.setEditable(True)  # a registry, a pipeline: anything people name
        self.element.addItems(list(elements))
        self.element.setEditText(element)
        self.category = QComboBox()
        self.category.setObjectName("threatCategory")
        self.category.setAccessibleName("STRIDE category")
        for c in Stride:
            self.category.addItem(stride_label(c), c.value)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("threatTitle")
        self.title_edit.setAccessibleName("Title")
        self.description = self._text("threatDescription", "Description", 3)
        self.likelihood = self._level("threatLikelihood", "Likelihood")
        self.impact = self._level("threatImpact", "Impact")
        self.mitigation = self._text("threatMitigation", "Mitigation", 3)
        self.actors = checkable(actors, self)
        actor_list = QListView()
        actor_list.setObjectName("threatActors")
        actor_list.setAccessibleName("Actors")
        actor_list.setModel(self.actors)
        actor_list.setFixedHeight(self.fontMetrics().lineSpacing() * 6 + 12)
        self.error = refusal_label()
        self.buttons, self.ok = ok_cancel(self, "Add threat", self._submit)

        form = QFormLayout()
        form.addRow("&Element", self.element)
        form.addRow("&STRIDE", self.category)
        form.addRow("&Title", self.title_edit)
        form.addRow("&Description", self.description)
        form.addRow("&Likelihood", self.likelihood)
        form.addRow("&Impact", self.impact)
        form.addRow("&Mitigation", self.mitigation)
        form.addRow("&Actors", actor_list)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(480, self.sizeHint().height())

    def threat(self) -> NewThreat:
        return NewThreat(
            element=self.element.currentText().strip(),
            category=str(self.category.currentData()),
            title=self.title_edit.text(),
            description=self.description.toPlainText(),
            likelihood=self.likelihood.currentText(),
            impact=self.impact.currentText(),
            mitigation=self.mitigation.toPlainText(),
            actors=checked(self.actors),
        )

    def refuse(self, reason: str) -> None:
        self.error.setText(reason)
        self.error.show()
        self.ok.setEnabled(True)

    def finish(self) -> None:
        self.accept()

    def _submit(self) -> None:
        self.error.hide()
        self.ok.setEnabled(False)
        self.submitted.emit(self.threat())

    def _level(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItems(list(LEVELS))
        combo.setCurrentText("medium")
        return combo

    def _text(self, name: str, accessible: str, lines: int) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)
        return edit
