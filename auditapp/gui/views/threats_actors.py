"""The threat actors of the audit: a table, and adding one from the catalogue, editing its
motivations and capability, or removing it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.threats import ActorProfile
from auditapp.gui.acting import ActingAs
from auditapp.gui.dialogs.actor_dialog import ActorDialog
from auditapp.gui.errors import describe_error
from auditapp.gui.tasks import TaskRunner
from auditapp.services import threat_actors
from auditapp.services.roles import Action
from auditapp.services.threat_actors import ActorEdit, ActorView

AnyIndex = QModelIndex | QPersistentModelIndex


class ActorsTableModel(QAbstractTableModel):
    HEADERS = ("Actor", "Kind", "Motivations", "Sophistication", "Resources", "Source")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ActorView] = []

    def set_rows(self, rows: Sequence[ActorView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[ActorView]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                a.name,
                a.kind,
                ", ".join(a.motivations),
                a.sophistication,
                a.resources,
                "catalogue" if a.from_catalogue else "the team's own",
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return a.description or a.name
        return None


class ActorsPanel(QWidget):
    """Reads nothing itself: the threats view hands it the actors and the catalogue."""

    changed = Signal(str)  # what changed, for the status bar

    def __init__(self, acting: ActingAs, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.acting = acting
        self.runner = runner
        self.catalogue: list[ActorProfile] = []
        self.dialog: ActorDialog | None = None
        self.model = ActorsTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("actorsTable")
        self.table.setAccessibleName("Threat actors")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.edit_actor())
        self.table.selectionModel().selectionChanged.connect(self.update_actions)
        self.add = self._action("&Add actor…", "Pick an actor from the catalogue", "Ins")
        self.edit = self._action("&Edit actor…", "Edit the selected actor", "F2")
        self.remove = self._action("Remo&ve actor", "Remove the selected actor", "Del")
        self.add.triggered.connect(self.add_actor)
        self.edit.triggered.connect(self.edit_actor)
        self.remove.triggered.connect(self.remove_actor)
        self.label = QLabel("Threat actors")
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setBuddy(self.table)
        bar = QHBoxLayout()
        bar.addWidget(self.label, 1)
        for action in (self.add, self.edit, self.remove):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setObjectName(f"actor-{action.objectName()}")
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.update_actions()

    def show_actors(self, actors: Sequence[ActorView], catalogue: Sequence[ActorProfile]) -> None:
        self.model.set_rows(actors)
        self.catalogue = list(catalogue)
        self.label.setText(
            f"Threat actors ({len(actors)})"
            if actors
            else "Threat actors — none yet: Add actor… picks one from the catalogue"
        )
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.update_actions()

    def selected(self) -> ActorView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows()[rows[0].row()] if rows else None

    def add_actor(self) -> ActorDialog | None:
        return self._open(None)

    def edit_actor(self) -> ActorDialog | None:
        actor = self.selected()
        return self._open(actor) if actor is not None else None

    def remove_actor(self) -> QMessageBox | None:
        actor = self.selected()
        if actor is None or not self.acting.may(Action.EDIT_THREAT_MODEL):
            return None
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove actor",
            f"Remove {actor.name} from the threat model? Threats keep naming it until edited.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("removeActorQuestion")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(partial(self._remove, actor))
        box.open()
        return box

    def update_actions(self) -> None:
        allowed = self.acting.may(Action.EDIT_THREAT_MODEL)
        why = self.acting.refusal(Action.EDIT_THREAT_MODEL)
        chosen = self.selected() is not None
        for action, needs_row in ((self.add, False), (self.edit, True), (self.remove, True)):
            action.setEnabled(allowed and (chosen or not needs_row))
            action.setToolTip(action.statusTip() if allowed else why)

    def _remove(self, actor: ActorView) -> None:
        ws, caller = self.acting.ws, self.acting.caller()
        self.runner.start(
            f"Removing actor {actor.kind}",
            partial(threat_actors.remove_actor, ws, caller, actor.kind),
            on_success=lambda _none: self.changed.emit(f"Removed actor {actor.name}"),
            on_failure=lambda e: self.changed.emit(f"Cannot remove the actor: {describe_error(e)}"),
        )

    def _open(self, actor: ActorView | None) -> ActorDialog | None:
        if not self.acting.may(Action.EDIT_THREAT_MODEL):
            return None
        taken = [a.kind for a in self.model.rows()]
        dialog = ActorDialog(self.catalogue, taken, actor, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(partial(self._store, dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _store(self, dialog: ActorDialog, kind: str, edit: ActorEdit) -> None:
        ws, caller = self.acting.ws, self.acting.caller()

        def stored(result: object) -> None:
            assert isinstance(result, ActorView)
            dialog.finish()
            verb = "Updated" if dialog.editing else "Added"
            self.changed.emit(f"{verb} actor {result.name}")

        self.runner.start(
            f"Storing actor {kind}",
            partial(threat_actors.add_actor, ws, caller, kind, edit),
            on_success=stored,
            on_failure=lambda error: dialog.refuse(describe_error(error)),
        )

    def _action(self, text: str, tip: str, key: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(text.replace("&", "").strip("…").strip().lower().replace(" ", "-"))
        action.setShortcut(QKeySequence(key))
        # The threat tree has keys of its own: these act only while the actor table has focus.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setStatusTip(f"{tip} ({key})")
        self.table.addAction(action)
        return action
