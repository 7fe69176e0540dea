"""`auditapp db copy`: a rich database (the demo plus a second audit with a multi-megabyte file)
copied SQLite -> PostgreSQL and PostgreSQL -> SQLite, compared row by row with its source,
verified, written to afterwards; refused into a non-empty target and from hostile sources;
cancelled and failed copies leave the target empty."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from auditapp.cli import main
from auditapp.progress import Cancelled, NoProgress
from auditapp.resources import resource_path
from auditapp.services import audits, comments, evidence, journal, members, vulndb
from auditapp.services.dbcopy import CopyRefusedError, copy_database
from auditapp.services.demo import build_demo
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace
from auditapp.store import copy
from auditapp.store.database import open_database
from auditapp.store.errors import NotADatabaseError
from auditapp.store.models import AppSetting, Base
from tests.conftest import evidence_item_key

SECOND = "Second shop"
CHIEF = Caller(SECOND, "Chief Officer")
DEMO = "Kestrel Outfitters demo"


def _build_source(url: str, scratch: Path) -> None:
    """The demo audit, and a second one holding a 3 MB attachment, all through the services."""
    ws = Workspace.open(url)
    try:
        build_demo(ws, progress=NoProgress())
        audits.create_audit(ws, SECOND, entity="Second Ltd")
        members.add_member(ws, Caller(SECOND), "Chief Officer", Role.OFFICER)
        members.add_member(ws, CHIEF, "Dana Developer", Role.DEVELOPER)
        big = scratch / "capture.bin"
        big.write_bytes(os.urandom(3 * 1024 * 1024))
        evidence.attach_file(ws, CHIEF, big, item_key=evidence_item_key())
        comments.add_comment(ws, CHIEF, evidence_item_key(), "seen on site")
    finally:
        ws.close()


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{folder / 'source.sqlite3'}"
    _build_source(url, folder)
    return url


@pytest.fixture(scope="module")
def pg_source(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Built on PostgreSQL through the services, not by the copy under test."""
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    name = f"auditapp_copy_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
        _build_source(url, tmp_path_factory.mktemp("pg-source"))
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rows_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order, read through the model's column types."""
    db = open_database(url)
    try:
        with db.engine.connect() as connection:
            stored = set(inspect(connection).get_table_names()) - {"alembic_version"}
            assert stored == set(Base.metadata.tables)  # no table the copy could miss
            return {
                name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for name, table in Base.metadata.tables.items()
            }
    finally:
        db.close()


def total_rows(url: str) -> int:
    return sum(len(rows) for rows in rows_of(url).values())


class Watcher:
    """A real progress observer that records what it is told and can cancel at one stage."""

    def __init__(self, cancel_at: str | None = None) -> None:
        self.cancel_at = cancel_at
        self.stages: list[tuple[str, int | None]] = []
        self.steps: dict[str, int] = {}
        self._cancel = False

    def start(self, label: str, total: int | None = None) -> None:
        self.stages.append((label, total))
        self.steps[label] = 0
        self._cancel = self._cancel or label == self.cancel_at

    def advance(self, steps: int = 1) -> None:
        self.steps[self.stages[-1][0]] += steps

    def message(self, text: str) -> None:
        pass

    def cancelled(self) -> bool:
        return self._cancel


def _check_whole(url: str, source: str) -> None:
    assert rows_of(url) == rows_of(source)
    ws = Workspace.open(url)
    try:
        for name in (DEMO, SECOND):
            report = journal.verify_journal(ws, Caller(name))
            assert report.intact and report.entries > 3
    finally:
        ws.close()


@pytest.mark.postgres
def test_sqlite_to_postgresql_copies_every_row_and_verifies(
    sqlite_source: str, pg_url: str
) -> None:
    before = rows_of(sqlite_source)
    watcher = Watcher()
    report = copy_database(sqlite_source, pg_url, watcher)
    assert rows_of(sqlite_source) == before  # no journal entry, no "current audit" written
    assert report.verified and report.problems() == []
    assert {a.audit for a in report.audits} == {DEMO, SECOND}
    assert all(a.intact and not a.broken_in_source for a in report.audits)
    assert report.rows == total_rows(sqlite_source) > 700
    _check_whole(pg_url, sqlite_source)
    # Parents before children, every row counted once, as the progress said.
    copied = [label.removeprefix("copying ") for label, _ in watcher.stages[:-1]]
    assert copied == [t.name for t in Base.metadata.sorted_tables]
    assert all(watcher.steps[label] == total for label, total in watcher.stages[:-1])


@pytest.mark.postgres
def test_new_writes_on_the_postgresql_copy_get_fresh_ids(
    sqlite_source: str, pg_url: str, tmp_path: Path
) -> None:
    copy_database(sqlite_source, pg_url, NoProgress())
    note = tmp_path / "note.txt"
    note.write_text("written after the move\n")
    ws = Workspace.open(pg_url)
    try:
        # Each of these inserts into tables whose ids were copied (audit, member, journal,
        # comment, evidence): a sequence left at 1 would collide with a copied key.
        audits.create_audit(ws, "After the move")
        members.add_member(ws, Caller("After the move"), "New Officer", Role.OFFICER)
        comments.add_comment(ws, CHIEF, evidence_item_key(), "after the move")
        added = evidence.attach_file(ws, CHIEF, note)
        for name in (DEMO, SECOND, "After the move"):
            assert journal.verify_journal(ws, Caller(name)).intact
    finally:
        ws.close()
    assert added.id > max(row[0] for row in rows_of(sqlite_source)["evidence"])


@pytest.mark.postgres
def test_postgresql_to_sqlite_copies_every_row_and_takes_writes(
    pg_source: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'moved' / 'copy.sqlite3'}"
    report = copy_database(pg_source, target, NoProgress())
    assert report.verified
    _check_whole(target, pg_source)
    ws = Workspace.open(target)
    try:
        comments.add_comment(ws, CHIEF, evidence_item_key(), "back on a laptop")
        assert journal.verify_journal(ws, CHIEF).intact
    finally:
        ws.close()


@pytest.mark.parametrize("holding", ["an audit", "vulnerability data"])
def test_a_non_empty_target_is_refused_and_left_unchanged(
    sqlite_source: str, db_url: str, holding: str
) -> None:
    ws = Workspace.open(db_url)
    try:
        if holding == "an audit":
            audits.create_audit(ws, "Already here")
        else:
            vulndb.import_paths(ws, [resource_path("demo") / "osv" / "PyPI"])
    finally:
        ws.close()
    before = rows_of(db_url)
    with pytest.raises(CopyRefusedError) as refused:
        copy_database(sqlite_source, db_url, NoProgress())
    message = str(refused.value)
    assert "is not empty" in message and str(make_url(db_url).database) in message
    assert ("1 audit(s)" in message) == (holding == "an audit")
    assert rows_of(db_url) == before


def test_a_copy_cancelled_halfway_leaves_the_target_empty(sqlite_source: str, db_url: str) -> None:
    watcher = Watcher(cancel_at="copying journal")
    with pytest.raises(Cancelled):
        copy_database(sqlite_source, db_url, watcher)
    assert watcher.steps["copying audit"] == 2  # earlier tables had been written
    assert total_rows(db_url) == 0
    # Nothing half-done lingers (rows, locks): the same target takes a whole copy after.
    assert copy_database(sqlite_source, db_url, NoProgress()).verified


def test_many_small_batches_copy_the_same_rows(sqlite_source: str, tmp_path: Path) -> None:
    """One row per batch (and one blob at a time), as a database of huge evidence is copied."""
    source, target = open_database(sqlite_source), open_database(str(tmp_path / "t.sqlite3"))
    try:
        with (
            copy.source_snapshot(source.engine) as reader,
            target.engine.connect() as writer,
            writer.begin(),
        ):
            written = copy.copy_tables(
                reader,
                writer,
                NoProgress(),
                totals={},
                source_name="source",
                target_name="target",
                batch_rows=1000,
                batch_bytes=1,
            )
            assert written == copy.count_rows(reader)
    finally:
        source.close()
        target.close()
    assert rows_of(str(tmp_path / "t.sqlite3")) == rows_of(sqlite_source)


def test_the_source_is_read_through_a_read_only_snapshot(db_url: str) -> None:
    db = open_database(db_url)
    try:
        with (
            copy.source_snapshot(db.engine) as reader,
            pytest.raises(sa_exc.DBAPIError, match=r"read-?only"),
        ):
            reader.execute(insert(AppSetting).values(key="written", value="by the copy"))
        with db.read() as session:
            assert session.get(AppSetting, "written") is None
    finally:
        db.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hostile_sources_are_refused_with_one_clear_message(tmp_path: Path) -> None:
    target = tmp_path / "target.sqlite3"
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(NotADatabaseError, match=re.escape(f"{missing} does not exist")):
        copy_database(str(missing), str(target), NoProgress())
    assert not missing.exists()

    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    with pytest.raises(NotADatabaseError, match=r"junk\.sqlite3 cannot be read as an SQLite"):
        copy_database(str(junk), str(target), NoProgress())

    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE audit (id INTEGER)")
    before = _sha(foreign)
    with pytest.raises(CopyRefusedError, match=r"foreign\.sqlite3 is not an auditapp database"):
        copy_database(str(foreign), str(target), NoProgress())
    assert _sha(foreign) == before and not target.exists()

    with pytest.raises(CopyRefusedError, match="the same database"):
        copy_database(str(foreign), f"sqlite:///{foreign}", NoProgress())
    # a password, given on one side only, does not make it another database
    with pytest.raises(CopyRefusedError, match="the same database"):
        copy_database(
            "postgresql://audit@db.invalid/audits",
            "postgresql+psycopg://audit:s3cret@db.invalid/audits",
            NoProgress(),
        )


@pytest.mark.parametrize(
    ("tamper", "where"),
    [
        ("UPDATE member SET created_at = 'not a time'", "cannot read table member of"),
        ("UPDATE comment SET body = 'a' || char(0) || 'b'", "cannot write table comment into"),
    ],
)
@pytest.mark.postgres
def test_a_hostile_row_fails_the_copy_and_leaves_the_target_empty(
    tmp_path: Path, pg_url: str, tamper: str, where: str
) -> None:
    """A value written beside auditapp: the SQLite file takes it, reading or PostgreSQL not."""
    source = tmp_path / "tampered.sqlite3"
    ws = Workspace.open(str(source))
    try:
        audits.create_audit(ws, SECOND)
        members.add_member(ws, Caller(SECOND), "Chief Officer", Role.OFFICER)
        comments.add_comment(ws, CHIEF, evidence_item_key(), "fine")
    finally:
        ws.close()
    with sqlite3.connect(source) as connection:
        connection.execute(tamper)
    with pytest.raises(copy.CopyError, match=where) as failed:
        copy_database(str(source), pg_url, NoProgress())
    assert "nothing was copied" in str(failed.value)
    assert total_rows(pg_url) == 0


@pytest.mark.postgres
def test_the_command_line_copies_verifies_and_hides_the_password(
    sqlite_source: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with_password = make_url(pg_url).set(password="hunter2").render_as_string(False)
    source = make_url(sqlite_source).database
    assert source is not None
    assert main(["--db", source, "db", "copy", "--to", with_password]) == 0
    out, err = capsys.readouterr()
    assert "hunter2" not in out + err and "***" in out
    assert "journal of 'Second shop'" in out and "intact" in out
    tables = len(Base.metadata.tables)
    assert out.rstrip().splitlines()[-1].startswith(f"verified: {tables} tables")

    assert main(["db", "copy", "--db", source, "--to", with_password]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "hunter2" not in err
    [line] = [line for line in err.splitlines() if "not empty" in line]
    assert line.startswith("auditapp: postgresql+psycopg://postgres:***@")
