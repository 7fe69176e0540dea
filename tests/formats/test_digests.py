"""Digests of a file and of ranges in it from one pass, against hashlib on the same bytes.

Every test runs three ways: over windows mapped into memory (in a process that allows it),
over reads into buffers (the default), and over reads where mapping is allowed but the file
system cannot map the file. Windows and chunks are made tiny, so ranges start, end and span
inside and across them.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
from pathlib import Path
from typing import Any

import pytest

from auditapp.formats import digests
from auditapp.formats.digests import DigestCancelled, file_digests, range_digest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["mapped", "read", "unmappable"])
def unit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Bytes per window or chunk, in the mode of this run."""
    monkeypatch.setattr(digests, "_mapping", request.param != "read")
    if request.param == "mapped":
        monkeypatch.setattr(digests, "WINDOW", mmap.ALLOCATIONGRANULARITY)
        return mmap.ALLOCATIONGRANULARITY
    if request.param == "unmappable":

        def cannot_map(*args: Any, **kwargs: Any) -> mmap.mmap:
            raise OSError(errno.ENODEV, "this file system cannot map files")

        monkeypatch.setattr(mmap, "mmap", cannot_map)
    monkeypatch.setattr(digests, "CHUNK", 1000)
    return 1000


def test_mapping_is_off_unless_a_process_allows_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert digests._mapping is False  # a crash under a mapped window would go unreported
    monkeypatch.setattr(digests, "_mapping", False)
    digests.map_files()
    assert digests._mapping is True


def test_the_file_and_its_ranges(tmp_path: Path, unit: int) -> None:
    data = bytes(range(256)) * 160  # 40,960 bytes: ten windows, or forty chunks and a short one
    path = tmp_path / "archive.tar"
    path.write_bytes(data)
    ranges = [
        (0, 10),
        (990, 20),
        (unit - 5, 10),
        (unit, unit),
        (3500, 30_000),
        (len(data), 0),
        (0, len(data)),
    ]
    found = file_digests(str(path), ranges)
    assert found.whole == _sha(data)
    assert found.ranges == tuple(_sha(data[s : s + n]) for s, n in ranges)
    for start, length in ranges:
        assert range_digest(str(path), start, length) == _sha(data[start : start + length])


def test_a_range_past_the_end_has_no_digest(tmp_path: Path, unit: int) -> None:
    path = tmp_path / "short.tar"
    path.write_bytes(b"x" * 1500)
    found = file_digests(str(path), [(1000, 500), (1000, 501), (2000, 1)])
    assert found.ranges == (_sha(b"x" * 500), None, None)
    assert range_digest(str(path), 1000, 500) == _sha(b"x" * 500)
    assert range_digest(str(path), 1000, 501) is None


def test_an_empty_file(tmp_path: Path, unit: int) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert file_digests(str(path), [(0, 0)]) == digests.FileDigests(_sha(b""), (_sha(b""),))
    assert range_digest(str(path), 0, 0) == _sha(b"")


def test_cancelling_stops_between_chunks(tmp_path: Path, unit: int) -> None:
    path = tmp_path / "archive.tar"
    path.write_bytes(b"y" * (5 * unit))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(DigestCancelled):
        file_digests(str(path), [(0, 5 * unit)], cancelled)
    assert len(asked) == 3
    with pytest.raises(DigestCancelled):
        range_digest(str(path), 0, 5 * unit, lambda: True)


def test_a_file_that_shrinks_while_hashed_ends_there(tmp_path: Path, unit: int) -> None:
    data = bytes(range(256)) * (5 * unit // 256 + 1)
    path = tmp_path / "archive.tar"
    path.write_bytes(data)
    left = 2 * unit + unit // 2
    asked: list[int] = []

    def truncate_after_the_first_chunk() -> bool:
        asked.append(1)
        if len(asked) == 2:
            with path.open("r+b") as handle:
                handle.truncate(left)
        return False

    found = file_digests(str(path), [(0, unit), (0, len(data))], truncate_after_the_first_chunk)
    assert found.whole == _sha(data[:left])
    assert found.ranges == (_sha(data[:unit]), None)


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        file_digests(str(tmp_path / "missing"), [(0, 1)])


def test_a_range_of_a_pipe_is_refused_not_taken_from_its_start(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # so opening it to read does not wait
    try:
        os.write(writer, b"0123456789abcdef")
        with pytest.raises(OSError, match="seek"):
            range_digest(str(fifo), 10, 5)
    finally:
        os.close(writer)
