"""Digests of a file and of ranges in it from one read, against hashlib on the same bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from auditapp.formats import digests
from auditapp.formats.digests import DigestCancelled, file_digests, range_digest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 1000 bytes, so ranges start, end and span inside and across chunks.
    monkeypatch.setattr(digests, "CHUNK", 1000)


def test_the_file_and_its_ranges(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40  # 10,240 bytes: ten full chunks and a short one
    path = tmp_path / "archive.tar"
    path.write_bytes(data)
    ranges = [(0, 10), (990, 20), (1000, 1000), (3500, 6000), (10_240, 0), (0, len(data))]
    found = file_digests(str(path), ranges)
    assert found.whole == _sha(data)
    assert found.ranges == tuple(_sha(data[s : s + n]) for s, n in ranges)


def test_a_range_past_the_end_has_no_digest(tmp_path: Path) -> None:
    path = tmp_path / "short.tar"
    path.write_bytes(b"x" * 1500)
    found = file_digests(str(path), [(1000, 500), (1000, 501), (2000, 1)])
    assert found.ranges == (_sha(b"x" * 500), None, None)
    assert range_digest(str(path), 1000, 500) == _sha(b"x" * 500)
    assert range_digest(str(path), 1000, 501) is None


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert file_digests(str(path), [(0, 0)]) == digests.FileDigests(_sha(b""), (_sha(b""),))


def test_cancelling_stops_between_chunks(tmp_path: Path) -> None:
    path = tmp_path / "archive.tar"
    path.write_bytes(b"y" * 5000)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(DigestCancelled):
        file_digests(str(path), [(0, 5000)], cancelled)
    assert len(asked) == 3
    with pytest.raises(DigestCancelled):
        range_digest(str(path), 0, 5000, lambda: True)


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        file_digests(str(tmp_path / "missing"), [(0, 1)])
