"""The pane beside the threat tree: what the chosen threat is, and the team's decision on it
(status, likelihood, impact, mitigation, actors, linked checklist items)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from auditapp.analysis.threats import LEVELS, ThreatStatus
from auditapp.gui.dialogs.actor_dialog import checkable, checked, fill_checkable, set_checked
from auditapp.services.threats import ThreatEdit, ThreatView


class TokenCompleter(QCompleter):
    """Completes the last of comma-separated keys ("profile.x, network.y")."""

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        editor = self.widget()
        typed = editor.text() if isinstance(editor, QLineEdit) else ""
        head = typed.rsplit(",", 1)[0] + ", " if "," in typed else ""
        return head + str(index.data())


def keys_of(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


class ThreatDetail(QWidget):
    save_requested = Signal(int, object)  # threat id, ThreatEdit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("threatDetail")
        self.threat: ThreatView | None = None
        self.heading = QLabel("Choose a threat to see and decide it.")
        self.heading.setObjectName("threatHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.status = self._combo("threatStatus", "Status", [s.value for s in ThreatStatus])
        self.likelihood = self._combo("threatLikelihood", "Likelihood", LEVELS)
        self.impact = self._combo("threatImpact", "Impact", LEVELS)
        self.mitigation = QPlainTextEdit()
        self.mitigation.setObjectName("threatMitigation")
        self.mitigation.setAccessibleName("Mitigation")
        self.mitigation.setTabChangesFocus(True)
        self.mitigation.setPlaceholderText("What reduces the threat, and where it is evidenced")
        self.mitigation.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.actors = checkable([], self)
        self.actor_list = QListView()
        self.actor_list.setObjectName("threatActorList")
        self.actor_list.setAccessibleName("Actors")
        self.actor_list.setModel(self.actors)
        self.actor_list.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.items = QLineEdit()
        self.items.setObjectName("threatItems")
        self.items.setAccessibleName("Linked checklist items")
        self.items.setPlaceholderText("checklist item keys, separated by commas")
        self._keys = QStringListModel(self)
        completer = TokenCompleter(self._keys, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.items.setCompleter(completer)
        self.save = QPushButton("&Save decision")
        self.save.setObjectName("saveThreat")
        self.save.setToolTip("Save the decision on this threat (Ctrl+Return)")
        self.save.clicked.connect(self._save)
        self.revert = QPushButton("Re&vert")
        self.revert.setObjectName("revertThreat")
        self.revert.clicked.connect(lambda: self.show_threat(self.threat))
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._save)

        form = QFormLayout()
        form.addRow("S&tatus", self.status)
        form.addRow("&Likelihood", self.likelihood)
        form.addRow("I&mpact", self.impact)
        form.addRow("Miti&gation", self.mitigation)
        form.addRow("&Actors", self.actor_list)
        form.addRow("Linked &items", self.items)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert)
        buttons.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._editors: list[QWidget] = [
            self.status,
            self.likelihood,
            self.impact,
            self.mitigation,
            self.actor_list,
            self.items,
            self.save,
            self.revert,
        ]
        self._why_not = ""
        self.show_threat(None)

    def set_choices(self, actors: Sequence[str], item_keys: Sequence[str]) -> None:
        """The actors a threat may name (the catalogue's and the team's) and the item keys."""
        chosen = checked(self.actors)
        fill_checkable(self.actors, actors)
        set_checked(self.actors, chosen)
        self._keys.setStringList(list(item_keys))

    def set_editable(self, allowed: bool, why_not: str) -> None:
        self._why_not = "" if allowed else why_not
        self._apply_permissions()

    def show_threat(self, threat: ThreatView | None) -> None:
        self.threat = threat
        if threat is None:
            self.heading.setText("Choose a threat to see and decide it.")
        else:
            origin = f"rule {threat.rule}" if threat.rule else threat.origin
            description = escape(threat.description).replace("\n", "<br>")
            self.heading.setText(
                f"<b>#{threat.id} {escape(threat.title)}</b><br>"
                f"<i>{escape(threat.category)} · {escape(threat.element)} · {escape(origin)}</i>"
                f"<p>{description}</p>"
            )
            self.status.setCurrentText(threat.status)
            self.likelihood.setCurrentText(threat.likelihood)
            self.impact.setCurrentText(threat.impact)
            self.mitigation.setPlainText(threat.mitigation)
            set_checked(self.actors, threat.actors)
            self.items.setText(", ".join(threat.items))
        self._apply_permissions()

    def edit(self) -> ThreatEdit:
        """The fields that differ from the threat as shown."""
        t = self.threat
        if t is None:
            return ThreatEdit()
        edit = ThreatEdit(
            status=self.status.currentText(),
            likelihood=self.likelihood.currentText(),
            impact=self.impact.currentText(),
            mitigation=self.mitigation.toPlainText().strip(),
            actors=checked(self.actors),
            items=keys_of(self.items.text()),
        )
        return replace(edit, **{k: None for k, v in edit.given().items() if v == getattr(t, k)})

    def _save(self) -> None:
        edit = self.edit()
        if self.threat is not None and edit.given() and self.save.isEnabled():
            self.save.setEnabled(False)  # until the services answered
            self.save_requested.emit(self.threat.id, edit)

    def saved(self) -> None:
        self._apply_permissions()

    def _apply_permissions(self) -> None:
        chosen = self.threat is not None
        allowed = chosen and not self._why_not
        for widget in self._editors:
            widget.setToolTip(self._why_not)
            if widget in (self.mitigation, self.items):
                # Read-only rather than disabled: who may not edit still reads it clearly.
                widget.setEnabled(chosen)
                widget.setReadOnly(not allowed)
            else:
                widget.setEnabled(allowed)
        if not self._why_not:
            self.save.setToolTip("Save the decision on this threat (Ctrl+Return)")

    @staticmethod
    def _combo(name: str, accessible: str, values: Sequence[str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItems(list(values))
        return combo
