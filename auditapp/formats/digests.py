"""SHA-256 digests of a file and of byte ranges inside it, from one sequential pass.

An image archive is checked twice over: its own digest (provenance) and each layer's digest
(integrity). They are separate hashes of the same bytes, so the file is passed over once: this
thread hashes the whole file while a helper thread hashes the ranges (hashlib works outside the
GIL), and whoever calls runs beside both.

Where `map_files()` allows it, the bytes are hashed where they lie, in windows of the file
mapped into memory a few at a time, not copied into buffers first: on a 750 MB archive the
copies cost about as much CPU as one of the two hashes. A window is unmapped once both hashes
are past it, so memory stays a few windows. Otherwise, and where a file cannot be mapped (a
pipe, some network file systems), it is read into a few reused buffers. A file that shrinks
while it is hashed ends there, as a read would: the size is checked before each window. The
windows already mapped (up to `IN_FLIGHT`) stay exposed, though: a truncation that cuts into one
(`docker save -o` over the same file does) makes the kernel end the process with SIGBUS, with
no word of its own. That is why mapping is for processes whose end another process reports.
"""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import queue
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

WINDOW = 8 * 1024 * 1024  # bytes mapped at a time (a multiple of mmap.ALLOCATIONGRANULARITY)
CHUNK = 4 * 1024 * 1024  # bytes read at a time where the file cannot be mapped
IN_FLIGHT = 3  # windows or buffers: the reader may run two ahead of the range hasher


_mapping = False  # see map_files


def map_files(allowed: bool = True) -> None:
    """Let this process hash from mapped windows (see above): only a process whose sudden end
    is reported by another, such as a worker or a job's process."""
    global _mapping
    _mapping = allowed


class DigestCancelled(Exception):
    """Hashing stopped because the caller said so."""


@dataclass(frozen=True)
class FileDigests:
    whole: str  # hex SHA-256 of the file
    ranges: tuple[str | None, ...]  # hex SHA-256 of each range; None if it runs past the end


@dataclass(frozen=True)
class _Chunk:
    view: memoryview
    position: int  # the file offset of view[0]
    release: Callable[[], None]  # once nobody reads the view any more


def file_digests(
    path: str,
    ranges: Sequence[tuple[int, int]],
    cancelled: Callable[[], bool] = lambda: False,
) -> FileDigests:
    """The SHA-256 of `path` and of each (start, length) range in it. `cancelled` is asked
    before each chunk; when it says yes, `DigestCancelled` is raised."""
    whole = hashlib.sha256()
    hashers = [hashlib.sha256() for _ in ranges]
    work: queue.Queue[_Chunk | None] = queue.Queue()
    failure: list[BaseException] = []

    def hash_ranges() -> None:
        while (chunk := work.get()) is not None:
            try:
                if not failure:
                    position, end = chunk.position, chunk.position + len(chunk.view)
                    for (start, length), hasher in zip(ranges, hashers, strict=True):
                        low, high = max(start, position), min(start + length, end)
                        if low < high:
                            hasher.update(chunk.view[low - position : high - position])
            except BaseException as error:  # handed to the reading thread, raised there
                failure.append(error)
            finally:
                _release(chunk, failure)  # always, so the reader never waits for a slot

    helper = threading.Thread(target=hash_ranges, name="range-sha256", daemon=True)
    helper.start()
    size = 0
    try:
        with open(path, "rb", buffering=0) as handle:
            for chunk in _chunks(handle, 0, None, cancelled):
                if failure:
                    chunk.release()
                    break
                whole.update(chunk.view)
                size = chunk.position + len(chunk.view)
                work.put(chunk)  # the range hasher has it now, and releases it
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


def _release(chunk: _Chunk, failure: list[BaseException]) -> None:
    try:
        chunk.release()
    except BaseException as error:  # e.g. a view still exported: the reader raises it
        failure.append(error)


def range_digest(
    path: str, start: int, length: int, cancelled: Callable[[], bool] = lambda: False
) -> str | None:
    """The SHA-256 of bytes [start, start + length) of `path`; None when the file ends first."""
    digest = hashlib.sha256()
    hashed = 0
    with open(path, "rb", buffering=0) as handle:
        for chunk in _chunks(handle, start, start + length, cancelled):
            try:
                digest.update(chunk.view)
                hashed += len(chunk.view)
            finally:
                chunk.release()
    return digest.hexdigest() if hashed == length else None


def _chunks(
    handle: io.FileIO, start: int, end: int | None, cancelled: Callable[[], bool]
) -> Iterator[_Chunk]:
    """Views of the file's bytes from `start` to `end` (None: its end), in order, at most
    `IN_FLIGHT` unreleased at a time. `cancelled` is asked before each one."""
    slots = threading.Semaphore(IN_FLIGHT)
    fd = handle.fileno()
    position = start
    mapped = _mapping and stat.S_ISREG(os.fstat(fd).st_mode)  # a pipe or device is read
    if not mapped and start:
        handle.seek(start)  # a file that cannot seek fails here, as it should
    buffers: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
    while True:
        if cancelled():
            raise DigestCancelled(f"hashing {handle.name} was cancelled")
        if mapped:
            size = os.fstat(fd).st_size  # before every window: a file that shrank ends here
            stop = size if end is None else min(end, size)
            if position >= stop:
                return
            base = position - position % mmap.ALLOCATIONGRANULARITY
            count = min(WINDOW - (position - base), stop - position)
            slots.acquire()
            try:
                length = position - base + count
                window = mmap.mmap(fd, length, access=mmap.ACCESS_READ, offset=base)
            except (OSError, ValueError):  # not mappable: read it instead, from here on
                slots.release()
                mapped = False
                handle.seek(position)
                continue
            yield _mapped_chunk(window, position - base, position, slots)
            position += count
            continue
        slots.acquire()
        buffer = buffers.get() if not buffers.empty() else bytearray(CHUNK)
        want = CHUNK if end is None else min(CHUNK, end - position)
        count = (handle.readinto(memoryview(buffer)[:want]) or 0) if want > 0 else 0
        if not count:
            buffers.put(buffer)
            slots.release()
            return
        yield _read_chunk(buffer, count, position, buffers, slots)
        position += count


def _mapped_chunk(
    window: mmap.mmap, skip: int, position: int, slots: threading.Semaphore
) -> _Chunk:
    view = memoryview(window)[skip:]

    def release() -> None:
        try:
            view.release()  # the last view over the window, so it can be unmapped
            window.close()
        finally:
            slots.release()  # whatever happened, so the reader never waits for ever

    return _Chunk(view, position, release)


def _read_chunk(
    buffer: bytearray,
    count: int,
    position: int,
    buffers: queue.SimpleQueue[bytearray],
    slots: threading.Semaphore,
) -> _Chunk:
    view = memoryview(buffer)[:count]

    def release() -> None:
        try:
            view.release()
            buffers.put(buffer)
        finally:
            slots.release()

    return _Chunk(view, position, release)
