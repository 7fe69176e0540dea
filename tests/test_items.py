"""Answering items, optimistic locking, and the roll-up, through the services."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditapp.checklist import Method, Status, load_checklist
from auditapp.services import audits, evidence, items
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.items import ItemEdit
from auditapp.services.workspace import Workspace
from auditapp.store.errors import StaleEditError
from tests.conftest import DEVELOPER, OFFICER, evidence_item_key, item_keys

KEY = evidence_item_key()


def test_a_new_audit_has_every_item_unanswered(team_ws: Workspace) -> None:
    views = items.list_items(team_ws, OFFICER)
    assert [v.key for v in views] == item_keys()
    assert all(v.status is None and v.version == 1 and not v.complete for v in views)


def test_section_filter(team_ws: Workspace) -> None:
    third = items.list_items(team_ws, OFFICER, section=3)
    assert third and {v.item.section for v in third} == {3}
    with pytest.raises(InvalidInputError, match="no section 9"):
        items.list_items(team_ws, OFFICER, section=9)


def test_answer_every_field(team_ws: Workspace) -> None:
    view = items.update_item(
        team_ws,
        OFFICER,
        KEY,
        ItemEdit(
            status=Status.NOT_IN_PLACE,
            method=Method.COMPENSATING_CONTROL,
            rationale="Two containers run as root.",
            owner="Dev Developer",
            due_date=date(2027, 1, 31),
        ),
    )
    assert view.version == 2
    again = items.get_item(team_ws, OFFICER, KEY)
    assert again == view
    assert (again.status, again.method, again.owner, again.due_date) == (
        Status.NOT_IN_PLACE,
        Method.COMPENSATING_CONTROL,
        "Dev Developer",
        date(2027, 1, 31),
    )


def test_clearing_a_status(team_ws: Workspace) -> None:
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=Status.IN_PLACE))
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=None))
    assert items.get_item(team_ws, OFFICER, KEY).status is None


def test_unknown_item_key(team_ws: Workspace) -> None:
    with pytest.raises(NotFoundError, match=r"no checklist item 'profile\.nope'"):
        items.update_item(team_ws, OFFICER, "profile.nope", ItemEdit(rationale="x"))


def test_a_stale_edit_is_refused_and_nothing_is_lost(team_ws: Workspace) -> None:
    seen = items.get_item(team_ws, OFFICER, KEY)
    items.update_item(
        team_ws,
        DEVELOPER,
        KEY,
        ItemEdit(rationale="developer's draft"),
        expected_version=seen.version,
    )
    with pytest.raises(StaleEditError, match="changed by Dev Developer"):
        items.update_item(
            team_ws,
            OFFICER,
            KEY,
            ItemEdit(rationale="officer's text"),
            expected_version=seen.version,
        )
    assert items.get_item(team_ws, OFFICER, KEY).rationale == "developer's draft"


def test_an_edit_that_changes_nothing_keeps_the_version(team_ws: Workspace) -> None:
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(rationale="same"))
    view = items.update_item(team_ws, OFFICER, KEY, ItemEdit(rationale="same"))
    assert view.version == 2


def test_a_very_long_rationale_is_refused(team_ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="longer than"):
        items.update_item(team_ws, OFFICER, KEY, ItemEdit(rationale="x" * 100_001))


def test_roll_up_counts_statuses_and_completeness(team_ws: Workspace, tmp_path: Path) -> None:
    checklist = load_checklist()
    no_evidence = next((i.key for i in checklist.items() if not i.expects_evidence), None)
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=Status.IN_PLACE, rationale="ok"))
    rollup = items.roll_up(team_ws, OFFICER)
    assert rollup.overall.count(Status.IN_PLACE) == 1
    assert rollup.overall.complete == 0  # In Place but no evidence yet
    proof = tmp_path / "proof.json"
    proof.write_text('{"User": "app"}')
    evidence.attach_file(team_ws, OFFICER, proof, item_key=KEY)
    rollup = items.roll_up(team_ws, OFFICER)
    assert rollup.overall.complete == 1
    section = dict(rollup.sections)[checklist.item(KEY).section]
    assert (section.complete, section.answered) == (1, 1)
    assert rollup.overall.unanswered == len(checklist.items()) - 1
    if no_evidence:
        items.update_item(
            team_ws, OFFICER, no_evidence, ItemEdit(status=Status.IN_PLACE, rationale="declared")
        )
        assert items.roll_up(team_ws, OFFICER).overall.complete == 2


def test_not_applicable_needs_a_rationale_but_no_evidence(team_ws: Workspace) -> None:
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=Status.NOT_APPLICABLE))
    assert not items.get_item(team_ws, OFFICER, KEY).complete
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(rationale="No swarm in use."))
    assert items.get_item(team_ws, OFFICER, KEY).complete


def test_audits_are_separate(team_ws: Workspace) -> None:
    items.update_item(team_ws, OFFICER, KEY, ItemEdit(status=Status.IN_PLACE))
    audits.create_audit(team_ws, "Another")
    assert audits.current_audit(team_ws).name == "Another"  # type: ignore[union-attr]
    audits.open_audit(team_ws, "Shop 2026")
    assert items.get_item(team_ws, OFFICER, KEY).status is Status.IN_PLACE


def test_duplicate_audit_name(team_ws: Workspace) -> None:
    with pytest.raises(InvalidInputError, match="already exists"):
        audits.create_audit(team_ws, "Shop 2026")


def test_values_changed_outside_auditapp_are_named(team_ws: Workspace) -> None:
    """Database contents are input too: an unknown status is reported, not crashed on."""
    from sqlalchemy import text

    from auditapp.checklist import ChecklistError
    from auditapp.store.errors import CorruptDataError

    with team_ws.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE checklist_response SET status = 'done' WHERE item_key = :k"), {"k": KEY}
        )
    with pytest.raises(CorruptDataError, match=f"unknown status 'done' for item {KEY}"):
        items.list_items(team_ws, OFFICER)
    with team_ws.db.engine.begin() as connection:
        connection.execute(text("UPDATE audit SET checklist_id = '../../../etc/passwd'"))
    with pytest.raises(ChecklistError, match="not a checklist id"):
        items.list_items(team_ws, OFFICER)
