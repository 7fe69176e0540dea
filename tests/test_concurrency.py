"""Two processes writing to one database at once: no lost update, stale edits refused."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from auditapp.services import comments, items, journal
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import OFFICER, item_keys

KEY = item_keys()[0]
ROUNDS = 25

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from auditapp.services import comments, items
    from auditapp.services.items import ItemEdit
    from auditapp.services.workspace import Caller, Workspace
    from auditapp.store.errors import StaleEditError

    url, name, key, rounds, go = sys.argv[1:6]
    while not Path(go).exists():
        time.sleep(0.005)
    ws = Workspace.open(url)
    caller = Caller(member="Olga Officer")
    stale = 0
    for n in range(int(rounds)):
        while True:  # the optimistic protocol every face follows: re-read and retry
            seen = items.get_item(ws, caller, key)
            edit = ItemEdit(rationale=f"{seen.rationale}{name}-{n}\\n")
            try:
                items.update_item(ws, caller, key, edit, expected_version=seen.version)
                break
            except StaleEditError:
                stale += 1
        comments.add_comment(ws, caller, key, f"comment {name}-{n}")
    ws.close()
    print(stale)
""")


def test_two_processes_lose_no_update(team_ws: Workspace, db_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    before = journal.verify_journal(team_ws, Caller()).entries
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db_url, name, KEY, str(ROUNDS), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    time.sleep(0.5)  # let both interpreters start, then release them together
    go.touch()
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
        print(f"stale edits retried: {out.strip()}")

    lines = items.get_item(team_ws, OFFICER, KEY).rationale.splitlines()
    expected = {f"{side}-{n}" for side in ("left", "right") for n in range(ROUNDS)}
    assert set(lines) == expected and len(lines) == 2 * ROUNDS
    assert len(comments.list_comments(team_ws, OFFICER, KEY)) == 2 * ROUNDS
    report = journal.verify_journal(team_ws, Caller())
    assert report.intact
    assert report.entries == before + 4 * ROUNDS
    path = team_ws.db.sqlite_path
    if path is not None:
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_reading_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """Opening and reading never queue behind a writer (WAL readers do not need the lock)."""
    from auditapp.services import audits

    path = tmp_path / "busy.sqlite3"
    ws = Workspace.open(f"sqlite:///{path}")
    audits.create_audit(ws, "Read me")
    ws.close()
    writer = sqlite3.connect(path, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE audit SET entity = 'uncommitted'")
    try:
        reader = Workspace.open(f"sqlite:///{path}")
        try:
            (audit,) = audits.list_audits(reader)
            assert audit.entity == ""  # the writer's change is not visible yet
        finally:
            reader.close()
    finally:
        writer.rollback()
        writer.close()
