"""RPM packages from rpm's sqlite database (rpmdb.sqlite, rpm 4.16+). The database comes from
the image, so it is treated as hostile: opened read-only from a private copy, with a time
limit, and every header is bounds-checked. Berkeley DB and NDB databases are reported as
unsupported, so an inventory never shows "0 packages" for an image that has some."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditapp.catalog.interface import (
    CatalogResult,
    FileInfo,
    ImageFiles,
    OsRelease,
    Package,
    PathInterest,
    ReadPlan,
    Skipped,
)
from auditapp.catalog.os_release import distro_purl

SQLITE_PATHS = ("var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite")
UNSUPPORTED = {
    "var/lib/rpm/Packages": "Berkeley DB",
    "usr/lib/sysimage/rpm/Packages": "Berkeley DB",
    "var/lib/rpm/Packages.db": "NDB",
    "usr/lib/sysimage/rpm/Packages.db": "NDB",
}
MAX_BYTES = 64 * 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_ROWS = 200_000  # a distribution has ~70,000 packages in all
MAX_SKIPS_PER_DB = 100
# rpm's own limits (hdrchkTags, hdrchkData): fewer than 2^16 index entries, under 16 MiB data.
MAX_INDEX = 0xFFFF
MAX_DATA = 0x00FFFFFF

NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM = 1000, 1001, 1002, 1003, 1014, 1022, 1044
TAG_NAMES = {NAME: "NAME", VERSION: "VERSION", RELEASE: "RELEASE", EPOCH: "EPOCH"}
TAG_NAMES |= {LICENSE: "LICENSE", ARCH: "ARCH", SOURCERPM: "SOURCERPM"}
INT32_TYPE, STRING_TYPE, I18NSTRING_TYPE = 4, 6, 9

_TOKEN = re.compile(r"[^\s\x00-\x1f\x7f]{1,512}\Z")
_SRPM = re.compile(r"(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm\Z")


class BadHeader(ValueError):
    """A Packages row whose blob is not a usable rpm header."""


class UnreadableDb(ValueError):
    """The database as a whole cannot be read."""


def parse_header(blob: bytes) -> dict[int, str | int]:
    """The tags we need from one header blob (as rpmdb.sqlite stores it: no 8-byte magic; two
    big-endian counts, the index, the data store). Every offset and count is checked."""
    if len(blob) < 8:
        raise BadHeader(f"blob of {len(blob)} bytes is shorter than a header preamble")
    index_count, data_length = struct.unpack_from(">II", blob)
    if not 0 < index_count <= MAX_INDEX or data_length > MAX_DATA:
        raise BadHeader(f"absurd header sizes ({index_count} entries, {data_length} data bytes)")
    data_start = 8 + 16 * index_count
    if len(blob) != data_start + data_length:
        raise BadHeader(f"blob is {len(blob)} bytes, its header says {data_start + data_length}")
    data = blob[data_start:]
    values: dict[int, str | int] = {}
    for tag, type_, offset, count in struct.iter_unpack(">IIII", blob[8:data_start]):
        if tag not in TAG_NAMES:
            continue
        if tag in values:
            raise BadHeader(f"tag {TAG_NAMES[tag]} appears twice")
        values[tag] = _value(data, tag, type_, offset, count)
    return values


def _value(data: bytes, tag: int, type_: int, offset: int, count: int) -> str | int:
    where = f"tag {TAG_NAMES[tag]}"
    if offset >= len(data) or count == 0 or count > len(data):
        raise BadHeader(f"{where}: offset {offset} / count {count} outside the data store")
    if tag == EPOCH:
        if type_ != INT32_TYPE or offset % 4 or offset + 4 * count > len(data):
            raise BadHeader(f"{where}: not an aligned 32-bit integer inside the data store")
        return int.from_bytes(data[offset : offset + 4], "big")
    if type_ not in (STRING_TYPE, I18NSTRING_TYPE) or (type_ == STRING_TYPE and count != 1):
        raise BadHeader(f"{where}: type {type_} (count {count}) is not a string")
    end = data.find(b"\x00", offset)
    if end < 0:
        raise BadHeader(f"{where}: string at offset {offset} runs past the data store")
    try:
        return data[offset:end].decode("utf-8")
    except UnicodeDecodeError:
        if tag != LICENSE:
            raise BadHeader(f"{where}: not UTF-8") from None
        return data[offset:end].decode("latin-1")


def _text(values: dict[int, str | int], tag: int, required: bool = True) -> str:
    """A name-like tag: one token of printable characters. Optional tags may be absent."""
    value = values.get(tag)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not _TOKEN.match(value):
        shown = value[:80] if isinstance(value, str) else value
        raise BadHeader(f"tag {TAG_NAMES[tag]} {shown!r} is missing or not valid")
    return value


def _source(values: dict[int, str | int], name: str, version: str) -> tuple[str, str]:
    srpm = _text(values, SOURCERPM, required=False)
    if not srpm:
        return name, version
    match = _SRPM.match(srpm)
    if match is None:
        raise BadHeader(f"SOURCERPM {srpm[:80]!r} is not name-version-release.src.rpm")
    return match[1], f"{match[2]}-{match[3]}"


def to_package(values: dict[int, str | int], info: FileInfo, release: OsRelease | None) -> Package:
    name, version, rel = _text(values, NAME), _text(values, VERSION), _text(values, RELEASE)
    if "-" in version or "-" in rel:
        raise BadHeader(f"VERSION {version!r} or RELEASE {rel!r} contains '-'")
    arch, epoch = _text(values, ARCH, required=False), values.get(EPOCH)
    source_name, source_version = _source(values, name, f"{version}-{rel}")
    epoch_qualifier = {"epoch": "" if epoch is None else str(epoch)}
    purl = distro_purl("rpm", None, name, f"{version}-{rel}", arch, release, epoch_qualifier)
    license_ = values.get(LICENSE, "")
    license_ = license_[:512] if isinstance(license_, str) else ""
    return Package(
        ecosystem="rpm",
        name=name,
        version=f"{version}-{rel}" if epoch is None else f"{epoch}:{version}-{rel}",
        purl=purl,
        path=info.path,
        layer=info.layer,
        licenses=(license_,) if license_ else (),
        source_name=source_name,
        source_version=source_version,
    )


@dataclass(frozen=True)
class Rows:
    blobs: list[tuple[int, object]]  # (hnum, blob) as stored; blob may be of any SQLite type
    error: str = ""  # why reading stopped early; "" when every row was read


def check_sqlite_file(data: bytes) -> None:
    """Refuse what is plainly not a whole SQLite file before SQLite sees it."""
    if not data.startswith(SQLITE_MAGIC):
        raise UnreadableDb("not an SQLite database (no 'SQLite format 3' header)")
    if len(data) < 100:
        raise UnreadableDb(f"truncated: {len(data)} bytes, shorter than the SQLite header")
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise UnreadableDb(f"corrupt SQLite header (page size {page_size})")
    if data[24:28] == data[92:96]:  # the in-header page count is valid
        expected = page_size * int.from_bytes(data[28:32], "big")
        if expected > len(data):
            raise UnreadableDb(f"truncated: the header says {expected} bytes, found {len(data)}")


def read_rows(data: bytes, timeout: float) -> Rows:
    """The Packages rows of an rpmdb.sqlite image, read from a private read-only copy."""
    check_sqlite_file(data)
    with tempfile.TemporaryDirectory(prefix="auditapp-rpmdb-") as folder:
        handle, name = tempfile.mkstemp(suffix=".sqlite", dir=folder)
        with os.fdopen(handle, "wb") as copy:
            copy.write(data)
        uri = Path(name).as_uri() + "?mode=ro&immutable=1"
        deadline = time.monotonic() + timeout
        timed_out = False

        def progress() -> int:  # SQLite calls it every 1000 steps; non-zero aborts the query
            nonlocal timed_out
            timed_out = time.monotonic() > deadline
            return int(timed_out)

        blobs: list[tuple[int, object]] = []
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
                conn.set_progress_handler(progress, 1000)
                conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 8 + 16 * MAX_INDEX + MAX_DATA)
                for pragma in ("trusted_schema = OFF", "query_only = ON", "cell_size_check = ON"):
                    conn.execute(f"PRAGMA {pragma}")
                _check_schema(conn)
                total = 0
                for hnum, blob in conn.execute("SELECT hnum, blob FROM Packages"):
                    total += len(blob) if isinstance(blob, bytes | str) else 0
                    if len(blobs) >= MAX_ROWS or total > len(data):  # cells sharing pages
                        return Rows(blobs, f"more rows than the file can hold ({len(blobs)} read)")
                    blobs.append((hnum, blob))
        except sqlite3.Error as error:
            if timed_out:
                return Rows(blobs, f"reading took longer than {timeout:g} s; stopped")
            return Rows(blobs, f"SQLite error: {error}")
    return Rows(blobs)


def _check_schema(conn: sqlite3.Connection) -> None:
    schema = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    if any(kind in ("trigger", "view") for kind, _, _ in schema):
        raise UnreadableDb("has triggers or views, which a real rpmdb never has: not read")
    tables = [sql or "" for kind, name, sql in schema if kind == "table" and name == "Packages"]
    if not tables or tables[0].lstrip().upper().startswith("CREATE VIRTUAL"):
        raise UnreadableDb("has no Packages table")
    if any(column[6] for column in conn.execute("PRAGMA table_xinfo(Packages)")):
        raise UnreadableDb("Packages has computed columns, which a real rpmdb never has")


@dataclass
class DbResult:
    """What one database yields."""

    path: str
    packages: list[Package] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    incomplete: bool = False
    signing_keys: int = 0

    def skip(self, reason: str, incomplete: bool = False) -> None:
        self.skipped.append(Skipped(RpmCataloger.name, self.path, reason))
        self.incomplete = self.incomplete or incomplete


def packages_from_rows(
    rows: Rows, info: FileInfo, release: OsRelease | None, out: DbResult
) -> None:
    bad = 0
    for hnum, blob in rows.blobs:
        try:
            if not isinstance(blob, bytes):
                raise BadHeader(f"blob is {type(blob).__name__}, not bytes")
            package = to_package(parse_header(blob), info, release)
        except BadHeader as error:
            bad += 1
            if bad <= MAX_SKIPS_PER_DB:
                out.skip(f"Packages row {hnum}: {error}")
            continue
        if package.name == "gpg-pubkey":
            out.signing_keys += 1
        else:
            out.packages.append(package)
    if bad > MAX_SKIPS_PER_DB:
        out.skip(f"{bad - MAX_SKIPS_PER_DB} more bad Packages rows not listed")


class RpmCataloger:
    """`timeout` bounds the seconds SQLite may spend on one database. gpg-pubkey entries are
    imported signing keys, not software: they are left out and counted in a note."""

    name = "rpm"
    interest = PathInterest(suffixes=SQLITE_PATHS)

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=MAX_BYTES) if path in SQLITE_PATHS else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        # When one of the two folders is a symlink to the other only the real path is planned;
        # two real copies of one database are deduplicated by purl.
        packages: dict[str, Package] = {}
        results = [
            self._catalog_db(files, info, os_release)
            for info in files.planned()
            if info.path in SQLITE_PATHS
        ]
        skipped = [skip for result in results for skip in result.skipped]
        notes = [
            f"{result.path}: {result.signing_keys} gpg-pubkey entries left out"
            for result in results
            if result.signing_keys
        ]
        for package in (package for result in results for package in result.packages):
            packages.setdefault(package.purl, package)
        for path, kind in UNSUPPORTED.items():
            if files.info(path) is None:
                continue
            if results:  # rpm >= 4.16 uses the sqlite one; this is a leftover
                notes.append(f"{path}: {kind} rpmdb ignored, the sqlite rpmdb was read")
            else:
                skipped.append(Skipped(self.name, path, f"unsupported rpmdb format: {kind}"))
        return CatalogResult(
            packages=tuple(packages.values()),
            skipped=tuple(skipped),
            incomplete=any(r.incomplete for r in results) or (not results and bool(skipped)),
            notes=tuple(notes),
        )

    def _catalog_db(self, files: ImageFiles, info: FileInfo, release: OsRelease | None) -> DbResult:
        result = DbResult(info.path)
        wal = files.info(info.path + "-wal")
        if wal is not None and wal.size > 0:  # rpm checkpoints when it exits: a crashed write
            result.skip(f"rpmdb incomplete: its -wal holds {wal.size} bytes not read", True)
        data = files.read(info.path)
        try:
            if data is None:
                raise UnreadableDb(files.unreadable(info.path) or "could not be read")
            rows = read_rows(data, self.timeout)
        except UnreadableDb as error:
            result.skip(f"rpmdb unreadable: {error}", incomplete=True)
            return result
        except OSError as error:  # the private copy could not be written (disk full ...)
            result.skip(f"rpmdb unreadable: no temporary copy: {error.strerror}", True)
            return result
        if rows.error:
            result.skip(f"rpmdb unreadable: {rows.error}", incomplete=True)
        packages_from_rows(rows, info, release, result)
        return result
