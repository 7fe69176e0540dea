"""Verifying a bundle zip, which may come from anywhere: nothing is extracted to disk, names
that could leave a folder are reported, and every read is capped (entries, bytes per entry and
in all, compression ratio, overlapping entries), so a zip bomb costs nothing but a line in the
report."""

from __future__ import annotations

import hashlib
import itertools
import json
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from auditapp.report.package_bundle import BUNDLE_FORMAT, BUNDLE_VERSION
from auditapp.report.package_manifest import (
    BLOB_FOLDER,
    BUNDLE_MANIFEST_NAME,
    MANIFEST_NAME,
    is_sha256,
    name_problem,
)
from auditapp.report.package_verify import (
    Check,
    Outcome,
    PdfFindings,
    VerifyReport,
    verify_pdf_stream,
)

MiB = 1024 * 1024
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 200_000
    max_entry_bytes: int = 4 * 1024 * MiB
    max_total_bytes: int = 32 * 1024 * MiB
    max_ratio: int = 1000  # uncompressed / compressed; real evidence stays far below
    ratio_floor: int = MiB  # small entries may compress as well as they like
    max_manifest_bytes: int = 64 * MiB


@dataclass(frozen=True)
class _Listed:
    name: str
    sha256: str
    size: int


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total


def verify_bundle(path: Path, limits: ZipLimits | None = None) -> VerifyReport:
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(path)
    except (*_READ_ERRORS, ValueError) as error:
        return _not_a_package(path, f"not a zip archive that can be read: {error}", ())
    with archive:
        return _verify(path, archive, limits)


def _verify(path: Path, archive: zipfile.ZipFile, limits: ZipLimits) -> VerifyReport:
    infos = archive.infolist()
    checks: list[Check] = []
    if len(infos) > limits.max_entries:
        checks.append(
            Check(
                "entries",
                False,
                f"{len(infos)} entries, over the cap of {limits.max_entries}; nothing was read",
            )
        )
        claims = any(i.filename == BUNDLE_MANIFEST_NAME for i in infos)
        if not claims:
            return _not_a_package(path, "no bundle-manifest.json", checks)
        return VerifyReport(str(path), "bundle", Outcome.TAMPERED, tuple(checks))
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        problem = name_problem(info.filename)
        if problem:
            checks.append(Check(info.filename, False, f"unsafe name: it {problem}"))
        elif info.filename in by_name:
            checks.append(Check(info.filename, False, "appears twice in the zip"))
        else:
            by_name[info.filename] = info
    checks.extend(_overlaps(path, infos))

    manifest_info = by_name.get(BUNDLE_MANIFEST_NAME)
    if manifest_info is None:
        return _not_a_package(path, f"no {BUNDLE_MANIFEST_NAME} in the zip", checks)
    budget = _Budget(limits.max_total_bytes)
    read = _read(archive, manifest_info, limits.max_manifest_bytes, limits, budget, keep=True)
    document = _json(read.data) if read.data is not None else None
    if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
        reason = (
            f"its {BUNDLE_MANIFEST_NAME} {read.problem}"
            if read.problem
            else f"its {BUNDLE_MANIFEST_NAME} is not an auditapp bundle manifest"
        )
        return _not_a_package(path, reason, checks)
    try:
        fingerprint, pdf_name, listed = _parse(document)
    except ValueError as error:
        checks.append(Check(BUNDLE_MANIFEST_NAME, False, f"is damaged: {error}"))
        return VerifyReport(str(path), "bundle", Outcome.TAMPERED, tuple(checks))
    checks.append(Check(BUNDLE_MANIFEST_NAME, True, f"read: {len(listed)} files listed"))

    found: PdfFindings | None = None
    sums: dict[str, str] = {}
    for entry in listed:
        member = by_name.get(entry.name)
        if member is None:
            checks.append(Check(entry.name, False, "missing: listed in the bundle manifest"))
            continue
        if entry.name == pdf_name:
            check, found = _pdf_entry(archive, member, entry, limits, budget)
        else:
            check = _entry_check(archive, member, entry, limits, budget)
        checks.append(check)
        if check.ok:
            sums[entry.name] = entry.sha256
    names = {e.name for e in listed}
    for name in sorted(set(by_name) - names - {BUNDLE_MANIFEST_NAME}):
        checks.append(Check(name, False, "extra: in the zip, but not in the bundle manifest"))
    if found is not None:
        checks.extend(_against_pdf(found, pdf_name, fingerprint, sums))
    elif pdf_name not in names:
        checks.append(Check(pdf_name, False, "the bundle manifest does not list its PDF"))
    outcome = Outcome.TAMPERED if any(not c.ok for c in checks) else Outcome.INTACT
    checked = (
        f"{BUNDLE_MANIFEST_NAME}, the names and layout of the zip's {len(infos)} entries, "
        f"{len(listed)} files against their SHA-256"
    )
    if found is not None and found.checked:
        checked += f"; in {pdf_name}: {found.checked}"
    return VerifyReport(
        str(path), "bundle", outcome, tuple(checks), fingerprint=fingerprint, checked=checked
    )


def _against_pdf(
    found: PdfFindings, pdf_name: str, fingerprint: str, sums: dict[str, str]
) -> list[Check]:
    """The PDF's own checks, and the bundle's copies of its companions against its manifest."""
    checks = [Check(f"{pdf_name}: {c.subject}", c.ok, c.detail) for c in found.checks]
    if found.reason:
        return [*checks, Check(pdf_name, False, f"is not an auditapp package: {found.reason}")]
    if found.record is None:
        return checks
    if found.record.recorded_fingerprint != fingerprint:
        checks.append(
            Check(
                "fingerprint",
                False,
                f"the bundle records {fingerprint}, its PDF {found.record.recorded_fingerprint}",
            )
        )
    for entry in found.record.manifest.files:
        if entry.name in sums and sums[entry.name] != entry.sha256:
            checks.append(Check(entry.name, False, "differs from the copy inside the PDF"))
        elif entry.name not in sums:
            checks.append(Check(entry.name, False, "in the PDF, but not (intact) in the bundle"))
    if sums.get(MANIFEST_NAME) != found.record_sha256:
        checks.append(Check(MANIFEST_NAME, False, "differs from the one inside the PDF"))
    return checks


def _entry_check(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    entry: _Listed,
    limits: ZipLimits,
    budget: _Budget,
) -> Check:
    if entry.name.startswith(BLOB_FOLDER) and entry.name[len(BLOB_FOLDER) :] != entry.sha256:
        return Check(entry.name, False, f"an evidence blob whose listed SHA-256 is {entry.sha256}")
    read = _read(archive, info, entry.size, limits, budget)
    return Check(entry.name, False, read.problem) if read.problem else _compare(entry, read)


def _pdf_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    entry: _Listed,
    limits: ZipLimits,
    budget: _Budget,
) -> tuple[Check, PdfFindings | None]:
    with tempfile.SpooledTemporaryFile(max_size=64 * MiB) as spool:
        read = _read(archive, info, entry.size, limits, budget, sink=spool)
        if read.problem:
            return Check(entry.name, False, read.problem), None
        found = verify_pdf_stream(spool)
    return _compare(entry, read), found


def _compare(entry: _Listed, read: _Read) -> Check:
    if read.sha256 == entry.sha256 and read.size == entry.size:
        return Check(entry.name, True, "matches its SHA-256")
    return Check(
        entry.name,
        False,
        f"edited: {read.size} bytes with SHA-256 {read.sha256}; the bundle manifest says "
        f"{entry.size} bytes with {entry.sha256}",
    )


@dataclass(frozen=True)
class _Read:
    sha256: str = ""
    size: int = 0
    data: bytes | None = None  # kept only when asked
    problem: str = ""


def _read(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    expected: int,
    limits: ZipLimits,
    budget: _Budget,
    *,
    keep: bool = False,
    sink: IO[bytes] | None = None,
) -> _Read:
    """Hash an entry (keeping it, or copying it to `sink`), reading at most one byte more than
    the `expected` size: the zip's own header may lie."""
    if info.flag_bits & 0x1:
        return _Read(problem="is encrypted")
    if info.file_size > limits.max_entry_bytes:
        return _Read(problem=f"declares {info.file_size} bytes, over the cap; not read")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
        return _Read(problem=f"would expand {ratio:.0f} times (a zip bomb?); not read")
    cap = min(expected, limits.max_entry_bytes) + 1
    if cap > budget.left:
        return _Read(problem="not read: the bundle's total read cap is reached")
    digest = hashlib.sha256()
    kept: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while size < cap and (chunk := stream.read(min(MiB, cap - size))):
                size += len(chunk)
                digest.update(chunk)
                if keep:
                    kept.append(chunk)
                if sink is not None:
                    sink.write(chunk)
    except _READ_ERRORS as error:
        return _Read(problem=f"cannot be read: {error}")
    finally:
        budget.left -= size
    if size > expected:
        return _Read(
            digest.hexdigest(), size, problem=f"edited: longer than the {expected} bytes listed"
        )
    return _Read(digest.hexdigest(), size, b"".join(kept) if keep else None)


def _overlaps(path: Path, infos: list[zipfile.ZipInfo]) -> list[Check]:
    """Entries whose data overlaps another's: the trick behind the smallest zip bombs."""
    spans: list[tuple[int, int, str]] = []
    try:
        with path.open("rb") as raw:
            for info in infos:
                raw.seek(info.header_offset)
                header = raw.read(30)
                if len(header) < 30 or header[:4] != b"PK\x03\x04":
                    return [Check(info.filename, False, "its local header is missing")]
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                start = info.header_offset
                end = start + 30 + name_length + extra_length + info.compress_size
                spans.append((start, end, info.filename))
    except OSError as error:
        return [Check("zip structure", False, f"cannot be read: {error}")]
    spans.sort()
    return [
        Check(b[2], False, f"overlaps {a[2]} inside the zip (a zip bomb?)")
        for a, b in itertools.pairwise(spans)
        if b[0] < a[1]
    ]


def _parse(document: dict[str, Any]) -> tuple[str, str, list[_Listed]]:
    if document.get("version") != BUNDLE_VERSION:
        raise ValueError(f"version {document.get('version')!r} is not one this auditapp reads")
    fingerprint, pdf_name = document.get("fingerprint"), document.get("pdf")
    if not isinstance(fingerprint, str) or not is_sha256(fingerprint):
        raise ValueError("its fingerprint is not a SHA-256")
    if not isinstance(pdf_name, str) or name_problem(pdf_name):
        raise ValueError("it does not name its PDF safely")
    files = document.get("files")
    if not isinstance(files, list):
        raise ValueError("it has no list of files")
    listed: list[_Listed] = []
    for entry in files:
        if not isinstance(entry, dict):
            raise ValueError("a file entry is not a JSON object")
        name, sha256, size = entry.get("name"), entry.get("sha256"), entry.get("size")
        if not isinstance(name, str) or name_problem(name):
            raise ValueError(f"file name {name!r} is unsafe")
        if not isinstance(sha256, str) or not is_sha256(sha256):
            raise ValueError(f"{name}: its SHA-256 is malformed")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"{name}: its size is malformed")
        listed.append(_Listed(name, sha256, size))
    if len({e.name for e in listed}) != len(listed):
        raise ValueError("it lists a name twice")
    return fingerprint, pdf_name, listed


def _json(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _not_a_package(
    path: Path, reason: str, checks: list[Check] | tuple[Check, ...]
) -> VerifyReport:
    return VerifyReport(str(path), "", Outcome.NOT_A_PACKAGE, tuple(checks), reason=reason)
