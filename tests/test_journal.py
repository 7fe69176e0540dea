"""The hash chain: intact after real changes; each kind of tampering named at its first entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from auditapp.checklist import Status
from auditapp.services import evidence, items, journal
from auditapp.services.items import ItemEdit
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import OFFICER, item_keys


@pytest.fixture
def busy_ws(team_ws: Workspace, tmp_path) -> Workspace:  # type: ignore[no-untyped-def]
    for n, key in enumerate(item_keys()[:2]):
        items.update_item(
            team_ws, OFFICER, key, ItemEdit(status=Status.IN_PLACE, rationale=f"checked {n}")
        )
    note = tmp_path / "note.txt"
    note.write_text("inspect output")
    evidence.attach_file(team_ws, OFFICER, note, item_key=item_keys()[0])
    return team_ws


def _raw(ws: Workspace, sql: str, **params: object) -> None:
    with ws.db.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_chain_is_intact_after_changes(busy_ws: Workspace) -> None:
    report = journal.verify_journal(busy_ws, Caller())
    # audit.create, 3 x member.add, 2 x item.update, evidence.attach
    assert report.intact
    assert report.entries == 7
    assert len(report.head) == 64


def test_an_edited_entry_is_named(busy_ws: Workspace) -> None:
    _raw(busy_ws, "UPDATE journal SET member = 'Mallory' WHERE seq = 5")
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None
    assert report.first_break.seq == 5
    assert "altered" in report.first_break.reason


def test_an_edited_summary_is_named(busy_ws: Workspace) -> None:
    _raw(busy_ws, "UPDATE journal SET summary = '{}' WHERE seq = 6")
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None and report.first_break.seq == 6


def test_a_deleted_entry_is_named(busy_ws: Workspace) -> None:
    _raw(busy_ws, "DELETE FROM journal WHERE seq = 3")
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None
    assert report.first_break.seq == 3
    assert "missing" in report.first_break.reason


def test_a_deleted_tail_is_named(busy_ws: Workspace) -> None:
    _raw(busy_ws, "DELETE FROM journal WHERE seq = 7")
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None
    assert report.first_break.seq == 7
    assert "removed from the end" in report.first_break.reason


def test_two_swapped_entries_are_named(busy_ws: Workspace) -> None:
    _raw(busy_ws, "UPDATE journal SET seq = -1 WHERE seq = 4")
    _raw(busy_ws, "UPDATE journal SET seq = 4 WHERE seq = 6")
    _raw(busy_ws, "UPDATE journal SET seq = 6 WHERE seq = -1")
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None
    assert report.first_break.seq == 4
    assert "does not follow" in report.first_break.reason


def test_a_rehashed_entry_still_breaks_the_next_link(busy_ws: Workspace) -> None:
    """Recomputing an edited entry's own hash is not enough: its successor points elsewhere."""
    from auditapp.store.journal import entry_hash
    from auditapp.store.models import JournalEntry

    with busy_ws.db.write() as session:
        entry = session.query(JournalEntry).filter_by(seq=2).one()
        entry.member = "Mallory"
        entry.hash = entry_hash(entry.prev_hash, entry)
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None and report.first_break.seq == 3


def _mismatch(ws: Workspace) -> str:
    report = journal.verify_journal(ws, Caller())
    assert report.chain.intact, report.first_break
    assert not report.intact
    return report.mismatches[0]


def test_a_cut_tail_with_the_head_moved_back(busy_ws: Workspace) -> None:
    """The chain alone cannot see this; the replayed data does (the attach is gone)."""
    _raw(busy_ws, "DELETE FROM journal WHERE seq = 7")
    _raw(
        busy_ws,
        "UPDATE audit SET journal_seq = 6, journal_head = (SELECT hash FROM journal WHERE seq = 6)",
    )
    assert "evidence #1" in _mismatch(busy_ws)


def test_an_emptied_journal(busy_ws: Workspace) -> None:
    _raw(busy_ws, "DELETE FROM journal")
    _raw(busy_ws, "UPDATE audit SET journal_seq = 0, journal_head = :z", z="0" * 64)
    report = journal.verify_journal(busy_ws, Caller())
    assert report.first_break is not None and "empty" in report.first_break.reason


def test_a_value_of_the_wrong_type(busy_ws: Workspace) -> None:
    if busy_ws.db.is_sqlite:
        _raw(busy_ws, "UPDATE journal SET summary = x'00ff' WHERE seq = 3")
        report = journal.verify_journal(busy_ws, Caller())
        assert report.first_break is not None and report.first_break.seq == 3
        assert "wrong type" in report.first_break.reason


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE member SET role = 'officer' WHERE name = 'Aud Auditor'", "role 'officer'"),
        (
            "UPDATE checklist_response SET status = 'not_applicable', version = version + 1 "
            "WHERE status = 'in_place' AND id = (SELECT min(id) FROM checklist_response "
            "WHERE status = 'in_place')",
            "status differs",
        ),
        ("UPDATE checklist_response SET version = 9 WHERE status = 'in_place'", "version 9"),
        ("UPDATE blob SET data = :x", "bytes of evidence #1"),
        ("DELETE FROM evidence_link", "is missing"),
    ],
)
def test_data_changed_beside_the_journal(busy_ws: Workspace, sql: str, words: str) -> None:
    _raw(busy_ws, sql, x=b"forged")
    assert words in _mismatch(busy_ws)


def test_a_deleted_signoff(busy_ws: Workspace) -> None:
    from auditapp.services import signoff

    signoff.sign_off(busy_ws, OFFICER, "Complete")
    assert journal.verify_journal(busy_ws, Caller()).intact
    _raw(busy_ws, "DELETE FROM signoff")
    assert "sign-off" in _mismatch(busy_ws)


def test_a_disposition_changed_beside_the_journal(busy_ws: Workspace) -> None:
    from auditapp.services import vex

    vex.set_disposition(
        busy_ws,
        OFFICER,
        "pkg:pypi/urllib3@1.26.4",
        "CVE-2021-33503",
        "not_affected",
        "vulnerable_code_not_in_execute_path",
    )
    assert journal.verify_journal(busy_ws, Caller()).intact
    _raw(busy_ws, "UPDATE vex_statement SET status = 'affected'")
    assert "disposition of CVE-2021-33503" in _mismatch(busy_ws)
