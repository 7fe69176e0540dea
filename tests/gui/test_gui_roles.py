"""What each acting member may do: disabled controls say why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from auditapp.gui.main_window import MainWindow
from auditapp.services import comments
from auditapp.services.workspace import Caller, Workspace

pytestmark = pytest.mark.gui


def act_as(window: MainWindow, label: str) -> None:
    picker = window.member_picker
    picker.setCurrentIndex(picker.findText(label))
    assert window.acting.member == label.split(" — ")[0]


def test_developer_cannot_set_status(officer_window: MainWindow) -> None:
    window = officer_window
    form = window.editor.form
    assert form.status.isEnabled()
    act_as(window, "Dev Developer — developer")
    assert not form.status.isEnabled()
    assert form.status.toolTip() == (
        "A developer may not set an item's status, method, owner or due date; only officers may"
    )
    assert not form.method.isEnabled()
    assert not form.owner.isEnabled()
    assert not form.rationale.isReadOnly()  # developers draft rationales
    assert window.editor.evidence.attach.isEnabled()  # and attach evidence


def test_auditor_reads_but_comments(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, "Shop 2026", "Aud Auditor")
    assert window.member_picker.currentText() == "Aud Auditor — auditor"
    form = window.editor.form
    key = window.editor.key
    assert key is not None
    assert not form.status.isEnabled()
    assert form.rationale.isReadOnly()
    assert form.rationale.toolTip() == (
        "An auditor may not draft an item's rationale; only developers or officers may"
    )
    assert not window.editor.evidence.attach.isEnabled()
    assert window.editor.evidence.attach.toolTip() == (
        "An auditor may not attach or unlink evidence; only developers or officers may"
    )

    panel = window.editor.comments
    assert not panel.add.isEnabled()  # nothing typed yet
    qtbot.keyClicks(panel.draft, "Where is the evidence for stopped containers?")
    qtbot.mouseClick(panel.add, Qt.MouseButton.LeftButton)

    stored = comments.list_comments(team, Caller(), key)
    assert [(c.author, c.role, c.body) for c in stored] == [
        ("Aud Auditor", "auditor", "Where is the evidence for stopped containers?")
    ]
    assert panel.model.rowCount() == 1
    assert panel.draft.toPlainText() == ""
    assert window.editor.tabs.tabText(1) == "Comments (1)"
