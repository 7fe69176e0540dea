"""Picking a threat actor from the catalogue (or writing one of the team's own), or editing
one already in the threat model: motivations, sophistication, resources, description.

Like the flow dialog, it emits `submitted(kind, ActorEdit)` and waits for `finish()` or
`refuse(reason)` from whoever stores it off the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
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

from auditapp.analysis.threat_actors import MOTIVATIONS, RESOURCE_LEVELS, SOPHISTICATION
from auditapp.analysis.threats import ActorProfile
from auditapp.gui.dialogs.dialog_parts import ok_cancel, refusal_label
from auditapp.services.threat_actors import ActorEdit, ActorView

OWN = "\x00own"  # the picker's entry for an actor of the team's own


def checkable(names: Sequence[str], parent: QWidget) -> QStandardItemModel:
    """A list model of `names`, each with a check box."""
    model = QStandardItemModel(parent)
    fill_checkable(model, names)
    return model


def fill_checkable(model: QStandardItemModel, names: Sequence[str]) -> None:
    model.clear()
    for name in names:
        item = QStandardItem(name)
        item.setCheckable(True)
        item.setEditable(False)
        item.setData(name, Qt.ItemDataRole.UserRole)
        model.appendRow(item)


def checked(model: QStandardItemModel) -> tuple[str, ...]:
    return tuple(
        str(model.item(row).data(Qt.ItemDataRole.UserRole))
        for row in range(model.rowCount())
        if model.item(row).checkState() == Qt.CheckState.Checked
    )


def set_checked(model: QStandardItemModel, names: Sequence[str]) -> None:
    for row in range(model.rowCount()):
        item = model.item(row)
        on = item.data(Qt.ItemDataRole.UserRole) in names
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class ActorDialog(QDialog):
    submitted = Signal(str, object)  # kind, ActorEdit

    def __init__(
        self,
        catalogue: Sequence[ActorProfile],
        taken: Sequence[str],
        actor: ActorView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("actorDialog")
        self.setWindowTitle(f"Edit actor {actor.name}" if actor else "Add a threat actor")
        self.editing = actor
        self.profiles = {p.kind: p for p in catalogue}
        self.picker = QComboBox()
        self.picker.setObjectName("actorPicker")
        self.picker.setAccessibleName("Actor from the catalogue")
        if actor is None:
            for p in catalogue:
                if p.kind not in taken:
                    self.picker.addItem(f"{p.name} ({p.kind})", p.kind)
            self.picker.addItem("An actor of your own…", OWN)
        else:
            self.picker.addItem(f"{actor.name} ({actor.kind})", actor.kind)
            self.picker.setEnabled(False)
        self.kind = QLineEdit()
        self.kind.setObjectName("actorKind")
        self.kind.setAccessibleName("Kind")
        self.kind.setPlaceholderText("lower-case-with-hyphens, e.g. rogue-contractor")
        self.name = QLineEdit()
        self.name.setObjectName("actorName")
        self.name.setAccessibleName("Name")
        self.motivations = checkable(MOTIVATIONS, self)
        self.motivation_list = QListView()
        self.motivation_list.setObjectName("actorMotivations")
        self.motivation_list.setAccessibleName("Motivations")
        self.motivation_list.setModel(self.motivations)
        self.motivation_list.setFixedHeight(self.fontMetrics().lineSpacing() * 6 + 12)
        self.sophistication = self._combo("actorSophistication", "Sophistication", SOPHISTICATION)
        self.resources = self._combo("actorResources", "Resources", RESOURCE_LEVELS)
        self.description = QPlainTextEdit()
        self.description.setObjectName("actorDescription")
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.error = refusal_label()
        self.buttons, self.ok = ok_cancel(
            self, "Save actor" if actor else "Add actor", self._submit
        )

        form = QFormLayout()
        form.addRow("&Actor", self.picker)
        form.addRow("&Kind", self.kind)
        form.addRow("&Name", self.name)
        form.addRow("&Motivations", self.motivation_list)
        form.addRow("&Sophistication", self.sophistication)
        form.addRow("&Resources", self.resources)
        form.addRow("&Description", self.description)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.picker.currentIndexChanged.connect(self._picked)
        if actor is not None:
            self._fill(actor.kind, actor.name, actor.motivations, actor.sophistication)
            self.resources.setCurrentText(actor.resources)
            self.description.setPlainText(actor.description)
            self.kind.setReadOnly(True)
        else:
            self._picked()
        self.resize(460, self.sizeHint().height())

    def edit(self) -> tuple[str, ActorEdit]:
        """The kind and the fields to set: all of them for a new actor, the changed ones for
        an actor already in the threat model."""
        values = ActorEdit(
            name=self.name.text().strip() or None,
            motivations=checked(self.motivations),
            sophistication=self.sophistication.currentText(),
            resources=self.resources.currentText(),
            description=self.description.toPlainText().strip(),
        )
        old = self.editing
        if old is None:
            return self.kind.text().strip(), values
        changed = {
            field: value for field, value in values.given().items() if value != getattr(old, field)
        }
        return old.kind, ActorEdit(**changed)

    def refuse(self, reason: str) -> None:
        self.error.setText(reason)
        self.error.show()
        self.ok.setEnabled(True)

    def finish(self) -> None:
        self.accept()

    def _submit(self) -> None:
        kind, edit = self.edit()
        if self.editing is not None and not edit.given():
            self.accept()  # nothing changed: nothing to store
            return
        self.error.hide()
        self.ok.setEnabled(False)
        self.submitted.emit(kind, edit)

    def _picked(self) -> None:
        kind = self.picker.currentData()
        own = kind == OWN
        self.kind.setReadOnly(not own)
        self.name.setReadOnly(not own)
        p = self.profiles.get(str(kind))
        if p is None:
            self._fill("", "", (), "")
            self.resources.setCurrentIndex(-1)
            self.description.clear()
            self.kind.setFocus()
            return
        self._fill(p.kind, p.name, p.motivations, p.sophistication)
        self.resources.setCurrentText(p.resources)
        self.description.setPlainText(p.description)

    def _fill(self, kind: str, name: str, motivations: Sequence[str], sophistication: str) -> None:
        self.kind.setText(kind)
        self.name.setText(name)
        set_checked(self.motivations, motivations)
        self.sophistication.setCurrentText(sophistication)

    def _combo(self, name: str, accessible: str, values: Sequence[str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItems(list(values))
        return combo
