"""A strict, streaming tar reader that walks headers and reads only the data asked for.

`tarfile` parses every header into objects and is lenient; container layers are hostile and
large, so this reader checks each header's checksum, bounds every length, understands ustar,
GNU long names and PAX headers, and seeks over (or, on a stream, discards) the data of entries
nobody reads. Errors are `TarError`s that say what was wrong and where.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import BinaryIO, NamedTuple
from zlib import adler32

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
SKIP_CHUNK = 1024 * 1024


class TarError(ValueError):
    """The archive is corrupt or breaks a limit; the message names the offset."""


class EntryType(Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR = "char"
    BLOCK = "block"
    FIFO = "fifo"
    OTHER = "other"  # sparse files and unknown types: metadata only


_TYPES = {
    b"0": EntryType.FILE,
    b"\0": EntryType.FILE,
    b"7": EntryType.FILE,
    b"1": EntryType.HARDLINK,
    b"2": EntryType.SYMLINK,
    b"3": EntryType.CHAR,
    b"4": EntryType.BLOCK,
    b"5": EntryType.DIR,
    b"6": EntryType.FIFO,
}


@dataclass(frozen=True)
class TarLimits:
    max_entries: int = 1_000_000
    max_name_bytes: int = 64 * 1024  # GNU long names and PAX paths
    max_pax_bytes: int = 1024 * 1024
    deadline: float | None = None  # time.monotonic() value after which we stop


class TarEntry(NamedTuple):  # a tuple: made once per entry of every layer, so made cheaply
    name: str  # as stored (undecodable bytes kept as surrogate escapes)
    type: EntryType
    size: int  # bytes of data that follow the header
    mode: int
    linkname: str
    offset: int  # where the data starts, from the start of the stream


class TarReader:
    """Iterate entries; while on an entry, `read(n)` returns up to n bytes of its data."""

    def __init__(self, stream: BinaryIO, *, seekable: bool, limits: TarLimits | None = None):
        self._stream = stream
        self._seekable = seekable
        self._limits = limits or TarLimits()
        self._pos = stream.tell() if seekable else 0
        self._end: int | None = None
        if seekable:  # a seek past the end does not fail, so know where the end is
            self._end = stream.seek(0, 2)
            stream.seek(self._pos)
        # Byte ranges of a file on disk offer pread: headers are read in place, data skipped
        # by arithmetic, with no seek calls at all.
        self._pread: Callable[[int, int], bytes] | None = (
            getattr(stream, "pread", None) if seekable else None
        )
        self._remaining = 0  # data bytes of the current entry not yet consumed
        self._padding = 0
        self.entries = 0

    def read(self, size: int) -> bytes:
        size = min(size, self._remaining)
        data = self._raw_read(size) if size > 0 else b""
        if len(data) != size:
            raise TarError(f"truncated archive: data ends early at offset {self._pos + len(data)}")
        self._pos += size
        self._remaining -= size
        return data

    @property
    def seekable(self) -> bool:
        return self._seekable

    def read_at(self, entry: TarEntry, offset: int, length: int) -> bytes:
        """Random access into the current entry's data (seekable streams only). The walk's own
        position is untouched: skipping to the next entry seeks absolutely."""
        if not self._seekable:
            raise TarError("random access needs a seekable stream")
        if offset < 0 or length < 0 or offset + length > entry.size:
            raise ValueError(f"read of {length} bytes at {offset} runs past the file")
        if self._pread is not None:
            data = self._pread(entry.offset + offset, length)
        else:
            self._stream.seek(entry.offset + offset)
            data = self._stream.read(length)
        if len(data) != length:
            raise TarError(f"truncated archive: data ends early at offset {entry.offset + offset}")
        return data

    def __iter__(self) -> Iterator[TarEntry]:
        pax_global: dict[str, str] = {}
        pending: dict[str, str] = {}
        # This loop runs once per entry of every layer, so it keeps to locals and C calls.
        limits, types, other, monotonic = self._limits, _TYPES, EntryType.OTHER, time.monotonic
        while True:
            if self._remaining or self._padding or self._pread is None:
                self._skip_rest()
            offset = self._pos
            header = self._raw_read(BLOCK)
            if len(header) != BLOCK:
                if not header:
                    return  # tolerated: some writers omit the end-of-archive blocks
                raise TarError(f"truncated archive: partial header at offset {offset}")
            self._pos += BLOCK
            if header == ZERO_BLOCK:
                return
            if self.entries >= limits.max_entries:
                raise TarError(f"more than {limits.max_entries} entries (at offset {offset})")
            if limits.deadline is not None and monotonic() > limits.deadline:
                raise TarError(f"time limit reached while reading (at offset {offset})")
            kind, size, mode, name, linkname = _parse_header(header, offset)
            self._remaining = size
            self._padding = -size % BLOCK
            if kind in _META_KINDS:
                self._read_meta_entry(kind, size, offset, pax_global, pending)
                continue
            if pending or pax_global:
                fields = {**pax_global, **pending}
                pending = {}
                if "size" in fields:
                    size = _pax_int(fields["size"], offset)
                    self._remaining = size
                    self._padding = -size % BLOCK
                name = fields.get("path", name)
                linkname = fields.get("linkpath", linkname)
            self.entries += 1
            yield TarEntry(name, types.get(kind, other), size, mode, linkname, self._pos)

    def _read_meta_entry(
        self,
        kind: bytes,
        size: int,
        offset: int,
        pax_global: dict[str, str],
        pending: dict[str, str],
    ) -> None:
        """A PAX header (x: for the next entry, g: for all that follow) or a GNU long name."""
        if kind in (b"x", b"g"):
            records = _parse_pax(self._read_meta(size, self._limits.max_pax_bytes, offset), offset)
            (pax_global if kind == b"g" else pending).update(records)
            return
        text = self._read_meta(size, self._limits.max_name_bytes, offset)
        value = text.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        pending["path" if kind == b"L" else "linkpath"] = value

    def _raw_read(self, size: int) -> bytes:
        """Read at the current position (the position itself is moved by the callers)."""
        if self._pread is not None:
            return self._pread(self._pos, size)
        return self._stream.read(size)

    def _read_meta(self, size: int, cap: int, offset: int) -> bytes:
        if size > cap:
            raise TarError(f"metadata entry of {size} bytes at offset {offset} is over {cap}")
        return self.read(size)

    def _skip_rest(self) -> None:
        """Move past the current entry's unread data (which must be there) and its padding
        (which the last entry of some archives lacks)."""
        data, padding = self._remaining, self._padding
        self._remaining = self._padding = 0
        if self._seekable:
            assert self._end is not None
            if self._pos + data > self._end:
                raise TarError(f"truncated archive: data ends early at offset {self._end}")
            self._pos = min(self._pos + data + padding, self._end)
            if self._pread is None:
                self._stream.seek(self._pos)
            return
        for count, required in ((data, True), (padding, False)):
            while count:
                chunk = self._stream.read(min(count, SKIP_CHUNK))
                if not chunk:
                    if required:
                        raise TarError(f"truncated archive: data ends early at offset {self._pos}")
                    return
                count -= len(chunk)
                self._pos += len(chunk)


_META_KINDS = frozenset((b"x", b"g", b"L", b"K"))


def _parse_header(header: bytes, offset: int) -> tuple[bytes, int, int, str, str]:
    checksum_field = header[148:156]
    stored = _octal(checksum_field, "checksum", offset)
    # The sum of all 512 bytes, in C: adler32's low half is 1 + the byte sum (mod 65521),
    # exact for 256 bytes (at most 65280), so two halves give the whole sum.
    total = (adler32(header[:256]) & 0xFFFF) + (adler32(header[256:]) & 0xFFFF) - 2
    if stored != total - sum(checksum_field) + 8 * 32 and stored != _signed_sum(header):
        raise TarError(f"bad header checksum at offset {offset} (not a tar archive, or corrupt)")
    size = _number(header[124:136], "size", offset)
    mode = _number(header[100:108], "mode", offset) & 0o7777
    end = header.find(0, 0, 100)
    name = header[: end if end >= 0 else 100]
    if header[257:263] == b"ustar\0":  # POSIX ustar: a prefix extends the name
        end = header.find(0, 345, 500)
        prefix = header[345 : end if end >= 0 else 500]
        if prefix:
            name = prefix + b"/" + name
    end = header.find(0, 157, 257)
    linkname = header[157 : end if end >= 0 else 257]
    return (
        header[156:157],
        size,
        mode,
        name.decode("utf-8", "surrogateescape"),
        linkname.decode("utf-8", "surrogateescape") if linkname else "",
    )


def _signed_sum(header: bytes) -> int:
    """Some old writers summed the header as signed chars; only asked when unsigned fails."""
    chunk = header[:148] + b" " * 8 + header[156:]
    return sum(b - 256 if b > 127 else b for b in chunk)


def _octal(field: bytes, what: str, offset: int) -> int:
    try:  # the usual field: digits, then NULs or spaces
        value = int(field.rstrip(b"\0 ") or b"0", 8)
    except ValueError:
        text = field.replace(b"\0", b" ").strip()
        try:
            value = int(text, 8) if text else 0
        except ValueError:
            raise TarError(f"bad {what} field {field!r} in the header at offset {offset}") from None
    if value < 0:  # int() takes a sign; a negative size would walk backwards
        raise TarError(f"negative {what} field {field!r} in the header at offset {offset}")
    return value


def _number(field: bytes, what: str, offset: int) -> int:
    """Octal, or GNU base-256 for large values; negative numbers are refused."""
    if field[0] & 0x80:
        if field[0] == 0xFF:
            raise TarError(f"negative {what} in the header at offset {offset}")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    return _octal(field, what, offset)


def _parse_pax(data: bytes, offset: int) -> dict[str, str]:
    """PAX records: "<length> <key>=<value>\\n", each length counting the whole record."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos:].strip(b"\0") == b"":
            break
        space = data.find(b" ", pos, pos + 20)
        if space < 0:
            raise TarError(f"bad PAX record at offset {offset + pos}")
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarError(f"bad PAX record length at offset {offset + pos}") from None
        if length <= space - pos + 1 or pos + length > len(data):
            raise TarError(f"PAX record of impossible length {length} at offset {offset + pos}")
        record = data[space + 1 : pos + length]
        if not record.endswith(b"\n") or b"=" not in record:
            raise TarError(f"malformed PAX record at offset {offset + pos}")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


def _pax_int(text: str, offset: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise TarError(f"bad PAX size {text!r} at offset {offset}") from None
    if value < 0:
        raise TarError(f"negative PAX size at offset {offset}")
    return value
