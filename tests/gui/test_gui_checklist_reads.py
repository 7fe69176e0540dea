"""The navigator shows the newest read of the open audit's checklist, never an older read of
another audit that finished later."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from auditapp.checklist import Status
from auditapp.gui.main_window import MainWindow
from auditapp.gui.status_look import status_label
from auditapp.services import audits, items, members
from auditapp.services.items import ItemEdit
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace
from tests.gui.conftest import AUDIT, OFFICER

pytestmark = pytest.mark.gui


def test_a_read_of_the_previous_audit_does_not_land_on_the_next(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    other = "Other 2026"
    audits.create_audit(team, other, entity="Example Payments Ltd")
    members.add_member(team, Caller(audit=other), OFFICER, Role.OFFICER)
    key = items.list_items(team, Caller(audit=AUDIT, member=OFFICER))[0].key
    items.update_item(
        team, Caller(audit=AUDIT, member=OFFICER), key, ItemEdit(status=Status.IN_PLACE)
    )
    window = make_window(team, AUDIT, OFFICER)
    assert window.tree.section_progress(1).counts.get(Status.IN_PLACE) == 1

    window.reload_checklist()  # queued on the worker: a read of the first audit …
    assert window.open_audit_named(other, OFFICER)  # … then the other is opened at once
    qtbot.waitUntil(lambda: not window.runner.busy)

    assert window.acting.audit == other
    assert window.tree.section_progress(1).counts.get(Status.IN_PLACE) is None


def test_a_re_read_repaints_only_what_changed(
    qtbot: QtBot, team: Workspace, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(team, AUDIT, OFFICER)
    keys = window.tree.item_keys()
    changed = keys[1]  # an item of section 1, not the one shown
    changed_rows: list[tuple[int, int, int]] = []  # (section row + 1 or 0, first row, last row)
    window.tree.dataChanged.connect(
        lambda first, last, _roles=(): changed_rows.append(
            (first.internalId(), first.row(), last.row())
        )
    )
    window.reload_checklist()  # nothing changed: nothing repainted
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert changed_rows == []

    items.update_item(
        team, Caller(audit=AUDIT, member=OFFICER), changed, ItemEdit(status=Status.IN_PLACE)
    )
    window.reload_checklist()
    qtbot.waitUntil(lambda: bool(changed_rows) and not window.runner.busy)
    row = window.tree.item_index(changed).row()
    assert sorted(changed_rows) == [(0, 0, 0), (1, row, row)]  # section 1's progress, the item
    shown = window.tree.data(window.tree.item_index(changed, 1), Qt.ItemDataRole.DisplayRole)
    assert shown == status_label(Status.IN_PLACE)
