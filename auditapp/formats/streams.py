"""File-like views used to read layers: a byte range of a file, decompressors with a cap."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import zstandard

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class LayerSource:
    """One layer as a tar stream (already decompressed); `seekable` lets us skip data cheaply."""

    digest: str
    open: Callable[[], BinaryIO]
    seekable: bool


class StreamError(ValueError):
    """A compressed stream is corrupt or breaks a limit."""


class SizeCapError(StreamError):
    """A decompressed stream grew past its cap (a decompression bomb, or a huge layer)."""


class FileRange(io.RawIOBase):
    """Bytes [start, start + length) of a file, seekable within the range."""

    def __init__(self, path: str, start: int, length: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._fd = self._file.fileno()
        self._start, self._length, self._pos = start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._length}[whence]
        self._pos = max(0, min(base + offset, self._length))
        return self._pos

    def pread(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset` within the range, without moving the position."""
        left = self._length - offset  # called once per tar header: kept lean
        if size > left:
            size = max(left, 0)
        return os.pread(self._fd, size, self._start + offset) if size else b""

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._file.seek(self._start + self._pos)
        got = self._file.readinto(memoryview(buffer)[:want])
        self._pos += got or 0
        return got or 0

    def close(self) -> None:
        self._file.close()
        super().close()


class CappedReader(io.RawIOBase):
    """Passes reads through and fails once more than `cap` bytes came out."""

    def __init__(
        self, inner: BinaryIO, cap: int, what: str, raw: BinaryIO, expected: str = ""
    ) -> None:
        self._inner, self._cap, self._what, self._count = inner, cap, what, 0
        self._raw = raw
        self._expected = expected
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except zstandard.ZstdError as error:
            raise StreamError(f"{self._what} is not valid zstd data: {error}") from error
        self._count += len(data)
        if self._count > self._cap:
            raise SizeCapError(f"{self._what} decompresses to more than {self._cap} bytes")
        self._digest.update(data)
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def finish(self) -> None:
        """Read what the walk left (end-of-archive padding) and check the uncompressed bytes
        against the digest the image config gives for them (its diff_id)."""
        while self.readinto(bytearray(1024 * 1024)):
            pass
        actual = "sha256:" + self._digest.hexdigest()
        if self._expected and actual != self._expected:
            raise StreamError(
                f"{self._what} decompresses to content that does not match its diff_id "
                f"{self._expected} (it hashes to {actual})"
            )

    def close(self) -> None:
        self._inner.close()
        self._raw.close()
        super().close()


def compression_of(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class _Finishing(io.BufferedReader):
    """A buffered reader whose `finish()` checks the whole stream's digest."""

    def finish(self) -> None:
        raw = self.raw
        assert isinstance(raw, CappedReader)
        raw.finish()


def decompressed(
    raw: BinaryIO, compression: str, cap: int, what: str, expected: str = ""
) -> BinaryIO:
    """A buffered, capped, decompressing reader over `raw` (which it closes); `finish()`
    checks the uncompressed bytes against `expected`, a sha256 digest."""
    if compression == "gzip":
        inner: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    elif compression == "zstd":
        inner = zstandard.ZstdDecompressor().stream_reader(raw, closefd=False)
    else:
        return raw
    capped = CappedReader(inner, cap, what, raw, expected)
    return _Finishing(capped, buffer_size=1024 * 1024)
