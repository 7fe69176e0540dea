"""The window's actions and their shortcuts, declared in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class WindowActions:
    new_audit: QAction
    open_audit: QAction
    save: QAction
    previous_item: QAction
    next_item: QAction
    collect: QAction
    settings: QAction
    copy_database: QAction
    quit: QAction


def make_actions(parent: QWidget) -> WindowActions:
    def action(
        text: str, tip: str, *keys: QKeySequence | QKeySequence.StandardKey | str
    ) -> QAction:
        made = QAction(text, parent)
        # a standard key some platforms leave unbound (Preferences on Linux) adds nothing
        sequences = [QKeySequence(k) for k in keys]
        made.setShortcuts(list({s.toString(): s for s in sequences if not s.isEmpty()}.values()))
        shortcut = made.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        made.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        made.setStatusTip(tip)
        parent.addAction(made)  # shortcuts work even when no menu or toolbar shows the action
        return made

    return WindowActions(
        new_audit=action("&New audit…", "Create an audit", QKeySequence.StandardKey.New),
        open_audit=action("&Open audit…", "Open another audit", QKeySequence.StandardKey.Open),
        save=action("&Save item", "Save the item's answer", QKeySequence.StandardKey.Save),
        previous_item=action("&Previous item", "Go to the previous item", "Alt+Up", "Ctrl+["),
        next_item=action("Ne&xt item", "Go to the next item", "Alt+Down", "Ctrl+]"),
        collect=action(
            "&Collect…", "Collect evidence from Docker, archives, compose", "Ctrl+Shift+C"
        ),
        settings=action(
            "Se&ttings…",
            "Database, who you are, online sources, limits",
            QKeySequence.StandardKey.Preferences,
            "Ctrl+,",
        ),
        copy_database=action(
            "Copy the &database…",
            "Copy every audit into a new SQLite file or a PostgreSQL database, then check it",
            "Ctrl+Shift+D",
        ),
        quit=action("&Quit", "Save and close auditapp", QKeySequence.StandardKey.Quit),
    )
