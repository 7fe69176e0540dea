"""Importing OSV data: the real dumps, idempotence, newer records, hostile sources."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auditapp.services import vulndb
from auditapp.services.workspace import Workspace
from auditapp.store.models import Advisory, Affected, VulnSource
from auditapp.vulns.sources import SourceError
from tests.vulns.osv_records import GO_ZIP, PYPI_ZIP, record, write


def _count(ws: Workspace, table: type) -> int:
    with ws.db.read() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_the_shipped_dumps_import_and_reimport_idempotently(ws: Workspace) -> None:
    done = vulndb.import_paths(ws, [PYPI_ZIP, GO_ZIP])
    assert done.records == 2661 + 4291
    assert done.added == 2661 + 4291 and done.invalid == 0
    again = vulndb.import_paths(ws, [PYPI_ZIP])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2661)
    assert _count(ws, Advisory) == 6952
    with ws.db.read() as session:
        sources = list(session.scalars(select(VulnSource).order_by(VulnSource.id)))
    assert [s.kind for s in sources] == ["osv-zip", "osv-zip", "osv-zip"]
    assert len(sources[0].sha256) == 64 and sources[0].records == 2661
    assert json.loads(sources[1].ecosystems) == ["Go"]
    status = {s.ecosystem: s for s in vulndb.status(ws)}
    assert status["PyPI"].records == 2661 and status["Go"].records == 4291
    assert status["PyPI"].stale  # a 2024 snapshot is older than 7 days
    assert status["PyPI"].newest_modified.startswith("2024-10")
    # Go's records all say modified 0001-01-01: the age comes from real timestamps instead
    assert status["Go"].newest_modified[:4] >= "2022" and status["Go"].age_days is not None


def test_newer_records_replace_older_ones_do_not(ws: Workspace, tmp_path: Path) -> None:
    old = record(
        "TEST-1",
        "PyPI",
        "demo",
        [{"introduced": "0"}, {"fixed": "1.0"}],
        modified="2026-01-01T00:00:00Z",
    )
    vulndb.import_paths(ws, [write(tmp_path / "a", old)])
    newer = record(
        "TEST-1",
        "PyPI",
        "demo",
        [{"introduced": "0"}, {"fixed": "2.0"}],
        modified="2026-02-01T00:00:00Z",
    )
    assert vulndb.import_paths(ws, [write(tmp_path / "b", newer)]).updated == 1
    stale = record(
        "TEST-1",
        "PyPI",
        "demo",
        [{"introduced": "0"}, {"fixed": "0.5"}],
        modified="2025-12-01T00:00:00Z",
    )
    assert vulndb.import_paths(ws, [write(tmp_path / "c", stale)]).unchanged == 1
    with ws.db.read() as session:
        (ranges,) = session.scalars(select(Affected.ranges)).all()
    assert json.loads(ranges)[0]["events"][1] == ["fixed", "2.0"]


def test_duplicate_ids_in_one_dump_keep_the_newest(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "dump.zip"
    with zipfile.ZipFile(path, "w") as dump:
        for month in ("03", "01", "02"):
            dump.writestr(
                f"{month}/TEST-2.json",
                json.dumps(
                    record(
                        "TEST-2",
                        "PyPI",
                        "demo",
                        [{"introduced": "0"}, {"fixed": f"{month}.0"}],
                        modified=f"2026-{month}-01T00:00:00Z",
                    )
                ),
            )
    vulndb.import_paths(ws, [path])
    with ws.db.read() as session:
        advisory = session.get(Advisory, "TEST-2")
    assert advisory is not None and advisory.modified.startswith("2026-03")


def test_hostile_dump(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "hostile.zip"
    good = record("TEST-3", "PyPI", "demo", [{"introduced": "0"}, {"fixed": "1.0"}])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dump:
        dump.writestr("../../escape/TEST-3.json", json.dumps(good))
        dump.writestr("bomb.json", b"[" * 0 + b" " * (30 * 1024 * 1024))  # 30 MB of spaces
        dump.writestr("broken.json", b"{not json")
        dump.writestr("wrong.json", json.dumps({"id": "../../x", "affected": []}))
        dump.writestr("events.json", json.dumps(record("TEST-4", "PyPI", "x", [{"fixed": 1}])))
    sentinel = sorted(p.name for p in tmp_path.parent.iterdir())
    done = vulndb.import_paths(ws, [path])
    assert (done.added, done.invalid) == (1, 4)
    assert any("bomb.json" in p and "larger than" in p for p in done.problems)
    assert any("broken.json" in p and "not valid JSON" in p for p in done.problems)
    assert any("unusable id" in p for p in done.problems)
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == sentinel
    assert not (tmp_path.parent / "escape").exists()


def test_an_unreadable_source_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    good = write(tmp_path / "good", record("TEST-5", "PyPI", "demo", [{"introduced": "0"}]))
    with pytest.raises(SourceError, match=r"missing\.zip"):
        vulndb.import_paths(ws, [good, tmp_path / "missing.zip"])
    assert _count(ws, Advisory) == 0 and _count(ws, VulnSource) == 0


def test_withdrawn_records_are_kept_but_marked(ws: Workspace, tmp_path: Path) -> None:
    gone = record("TEST-6", "PyPI", "demo", [{"introduced": "0"}], withdrawn="2026-01-02T00:00:00Z")
    vulndb.import_paths(ws, [write(tmp_path / "w", gone)])
    with ws.db.read() as session:
        advisory = session.get(Advisory, "TEST-6")
    assert advisory is not None and advisory.withdrawn.startswith("2026-01-02")
