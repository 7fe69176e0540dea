"""SHA-256 digests of a file and of byte ranges inside it, from one sequential read.

An image archive is checked twice over: its own digest (provenance) and each layer's digest
(integrity). They are separate hashes of the same bytes, so the file is read once into a few
reused buffers; this thread hashes the whole file while a helper thread hashes the ranges
(hashlib works outside the GIL), and whoever calls runs beside both.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CHUNK = 4 * 1024 * 1024
BUFFERS = 3  # the reader may run two chunks ahead of the range hasher


class DigestCancelled(Exception):
    """Hashing stopped because the caller said so."""


@dataclass(frozen=True)
class FileDigests:
    whole: str  # hex SHA-256 of the file
    ranges: tuple[str | None, ...]  # hex SHA-256 of each range; None if it runs past the end


def file_digests(
    path: str,
    ranges: Sequence[tuple[int, int]],
    cancelled: Callable[[], bool] = lambda: False,
) -> FileDigests:
    """The SHA-256 of `path` and of each (start, length) range in it. `cancelled` is asked
    before each chunk; when it says yes, `DigestCancelled` is raised."""
    whole = hashlib.sha256()
    hashers = [hashlib.sha256() for _ in ranges]
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(BUFFERS):
        free.put(bytearray(CHUNK))
    work: queue.Queue[tuple[bytearray, int, int] | None] = queue.Queue()
    failure: list[BaseException] = []

    def hash_ranges() -> None:
        while (item := work.get()) is not None:
            buffer, position, count = item
            try:
                if not failure:
                    view, end = memoryview(buffer), position + count
                    for (start, length), hasher in zip(ranges, hashers, strict=True):
                        low, high = max(start, position), min(start + length, end)
                        if low < high:
                            hasher.update(view[low - position : high - position])
            except BaseException as error:  # handed to the reading thread, raised there
                failure.append(error)
            finally:
                free.put(buffer)  # always, so the reader never waits for a buffer forever

    helper = threading.Thread(target=hash_ranges, name="range-sha256", daemon=True)
    helper.start()
    size = 0
    try:
        with open(path, "rb", buffering=0) as handle:
            while not failure:
                if cancelled():
                    raise DigestCancelled(f"hashing {path} was cancelled")
                buffer = free.get()
                count = handle.readinto(buffer) or 0
                if not count:
                    free.put(buffer)
                    break
                work.put((buffer, size, count))
                whole.update(memoryview(buffer)[:count])
                size += count
    finally:
        work.put(None)
        helper.join()
    if failure:
        raise failure[0]
    return FileDigests(
        whole.hexdigest(),
        tuple(
            hasher.hexdigest() if start + length <= size else None
            for (start, length), hasher in zip(ranges, hashers, strict=True)
        ),
    )


def range_digest(
    path: str, start: int, length: int, cancelled: Callable[[], bool] = lambda: False
) -> str | None:
    """The SHA-256 of bytes [start, start + length) of `path`; None when the file ends first."""
    digest = hashlib.sha256()
    buffer = bytearray(min(CHUNK, max(length, 1)))
    view = memoryview(buffer)
    left = length
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while left > 0:
            if cancelled():
                raise DigestCancelled(f"hashing {path} was cancelled")
            count = handle.readinto(view[: min(left, len(buffer))]) or 0
            if not count:
                return None
            digest.update(view[:count])
            left -= count
    return digest.hexdigest()
