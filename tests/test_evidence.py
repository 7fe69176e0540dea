"""Attaching evidence: provenance, de-duplication, caps and unreadable inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auditapp.evidence import EvidenceError, EvidenceTooLargeError, guess_media_type
from auditapp.services import evidence, journal
from auditapp.services.workspace import Caller, Settings, Workspace
from auditapp.store.models import Blob
from tests.conftest import OFFICER, item_keys


def _blobs(ws: Workspace) -> int:
    with ws.db.read() as session:
        return session.scalar(select(func.count()).select_from(Blob)) or 0


def test_attach_records_provenance_and_bytes(team_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text('{"icc": false}')
    added = evidence.attach_file(team_ws, OFFICER, path, item_key=item_keys()[0])
    assert added.media_type == "application/json"
    assert added.size == 14
    assert added.collected_by == "Olga Officer"
    assert added.source == str(path.resolve())
    assert added.collected_at.tzinfo is not None
    assert added.kind == "attachment"
    assert evidence.read_evidence_bytes(team_ws, OFFICER, added.id) == b'{"icc": false}'
    assert [e.items for e in evidence.list_evidence(team_ws, OFFICER)] == [(item_keys()[0],)]


def test_same_bytes_are_stored_once(team_ws: Workspace, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"identical")
    b.write_bytes(b"identical")
    first = evidence.attach_file(team_ws, OFFICER, a)
    second = evidence.attach_file(team_ws, OFFICER, b, title="Second copy")
    assert first.sha256 == second.sha256
    assert (first.stored_new_bytes, second.stored_new_bytes) == (True, False)
    assert _blobs(team_ws) == 1
    assert len(evidence.list_evidence(team_ws, OFFICER)) == 2


def test_link_and_unlink(team_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x")
    added = evidence.attach_file(team_ws, OFFICER, path)
    keys = item_keys()
    evidence.link(team_ws, OFFICER, added.id, keys[1])
    linked = evidence.link(team_ws, OFFICER, added.id, keys[2])
    assert set(linked.items) == {keys[1], keys[2]}
    evidence.unlink(team_ws, OFFICER, added.id, keys[1])
    assert evidence.list_evidence(team_ws, OFFICER, item_key=keys[2])[0].id == added.id
    assert evidence.list_evidence(team_ws, OFFICER, item_key=keys[1]) == []


def _unchanged(ws: Workspace) -> None:
    assert evidence.list_evidence(ws, OFFICER) == []
    assert _blobs(ws) == 0
    assert journal.verify_journal(ws, Caller()).intact


def test_oversized_file_is_refused(team_ws: Workspace, tmp_path: Path) -> None:
    small = Workspace(team_ws.db, Settings(evidence_max_bytes=1024))
    path = tmp_path / "big.bin"
    path.write_bytes(b"\0" * 2048)
    with pytest.raises(EvidenceTooLargeError) as caught:
        evidence.attach_file(small, OFFICER, path)
    assert "big.bin" in str(caught.value) and "size cap" in str(caught.value)
    _unchanged(team_ws)


def test_missing_file(team_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="no such file"):
        evidence.attach_file(team_ws, OFFICER, tmp_path / "nope.pdf")
    _unchanged(team_ws)


def test_folder(team_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="folder"):
        evidence.attach_file(team_ws, OFFICER, tmp_path)
    _unchanged(team_ws)


def test_fifo_is_refused_without_blocking(team_ws: Workspace, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(EvidenceError, match="not a regular file"):
        evidence.attach_file(team_ws, OFFICER, fifo)
    _unchanged(team_ws)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(team_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(EvidenceError, match="Permission denied"):
        evidence.attach_file(team_ws, OFFICER, path)
    _unchanged(team_ws)


def test_unknown_item_is_refused_before_reading(team_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("x")
    from auditapp.services.errors import NotFoundError

    with pytest.raises(NotFoundError):
        evidence.attach_file(team_ws, OFFICER, path, item_key="network.nothing_here")
    _unchanged(team_ws)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("scan.pdf", b"%PDF-1.7\n", "application/pdf"),
        ("shot.bin", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("inspect.json", b"[{}]", "application/json"),
        ("noext", b'{"a": 1}', "application/json"),
        ("notes", "Ünïcode text".encode(), "text/plain"),
        ("blob", b"\xff\xfe\x00\x81", "application/octet-stream"),
    ],
)
def test_media_types(name: str, data: bytes, expected: str) -> None:
    assert guess_media_type(name, data) == expected


def test_a_file_that_fails_while_being_read(team_ws: Workspace) -> None:
    """/proc/self/mem opens as a regular file and then fails with EIO, even for root."""
    with pytest.raises(EvidenceError, match="cannot read /proc/self/mem"):
        evidence.attach_file(team_ws, OFFICER, Path("/proc/self/mem"))
    _unchanged(team_ws)
