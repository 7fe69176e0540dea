"""Where OSV records come from: a JSON file, a folder of them, or an ecosystem dump zip.

Records are yielded one by one (a 500 MB dump is never held in memory); member names are only
labels, never paths on disk; sizes and counts are capped against bombs.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditapp.errors import AuditappError
from auditapp.vulns.osv import MAX_RECORD

MAX_MEMBERS = 2_000_000
MAX_TOTAL = 20 * 1024**3  # uncompressed bytes read from one dump
MAX_RATIO = 200  # a member that inflates more than this is refused as a bomb


class SourceError(AuditappError):
    """A vulnerability data source that cannot be read at all."""


@dataclass(frozen=True)
class RawRecord:
    origin: str  # "PyPI.zip:PYSEC-2021-108.json"
    data: bytes | None  # None when `problem` says why it could not be read
    problem: str = ""


def describe(path: Path) -> tuple[str, str]:
    """(kind, sha256) of a source, for its provenance."""
    if path.is_dir():
        return "osv-folder", ""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(4 * 1024 * 1024):
                digest.update(chunk)
    except OSError as error:
        raise SourceError(f"cannot read {path}: {error.strerror}") from error
    return ("osv-zip" if zipfile.is_zipfile(path) else "osv-file"), digest.hexdigest()


def read_records(path: Path) -> Iterator[RawRecord]:
    if path.is_dir():
        yield from _folder(path)
    elif not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    elif zipfile.is_zipfile(path):
        yield from _zip(path)
    else:
        yield _file(path, path.name)


def _file(path: Path, origin: str) -> RawRecord:
    try:
        if not path.is_file():
            return RawRecord(origin, None, "not a regular file")
        if path.stat().st_size > MAX_RECORD:
            return RawRecord(origin, None, f"larger than {MAX_RECORD} bytes")
        return RawRecord(origin, path.read_bytes())
    except OSError as error:
        return RawRecord(origin, None, f"cannot read: {error.strerror}")


def _folder(folder: Path) -> Iterator[RawRecord]:
    for path in sorted(folder.rglob("*.json")):
        if path.is_symlink():
            yield RawRecord(str(path), None, "a symbolic link; not followed")
            continue
        yield _file(path, str(path.relative_to(folder)))


def _zip(path: Path) -> Iterator[RawRecord]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"{path} is not a readable zip: {error}") from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SourceError(f"{path} has more than {MAX_MEMBERS} members")
        total = 0
        for info in members:
            origin = f"{path.name}:{info.filename}"
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            if info.file_size > MAX_RECORD:
                yield RawRecord(origin, None, f"larger than {MAX_RECORD} bytes")
                continue
            if (
                info.compress_size
                and info.file_size / info.compress_size > MAX_RATIO
                and info.file_size > 1024 * 1024
            ):
                yield RawRecord(origin, None, "inflates like a zip bomb; not read")
                continue
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_RECORD + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
                yield RawRecord(origin, None, f"cannot be read: {error}")
                continue
            if len(data) > MAX_RECORD:
                yield RawRecord(origin, None, f"larger than {MAX_RECORD} bytes")
                continue
            total += len(data)
            if total > MAX_TOTAL:
                raise SourceError(f"{path} inflates to more than {MAX_TOTAL} bytes")
            yield RawRecord(origin, data)
