"""`verify`: is a file an intact auditapp package? For a PDF: its manifest, the rendered
revision's bytes, every embedded file, the fingerprint and the cover page that prints it. For a
bundle (zip): the same for its PDF, plus every entry against the bundle's manifest.

The result names each check and what it found: intact, tampered (naming what), or not a package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

from auditapp.report.package_manifest import (
    MANIFEST_NAME,
    PACKAGE_FORMAT,
    UPDATE_PLACEHOLDER,
    PackageRecord,
    parse_record,
)
from auditapp.report.package_reader import (
    Attachment,
    UnreadablePdfError,
    cover_text,
    open_pdf,
    quiet_pypdf,
    read_attachments,
)

_MARKER = f'"format": "{PACKAGE_FORMAT}"'.encode()
_CHUNK = 1024 * 1024


class Outcome(StrEnum):
    INTACT = "intact"
    TAMPERED = "tampered"
    NOT_A_PACKAGE = "not a package"


@dataclass(frozen=True)
class Check:
    subject: str  # a file inside the package, or "rendered revision", "fingerprint", ...
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    path: str
    kind: str  # "pdf", "bundle", or "" when it is neither
    outcome: Outcome
    checks: tuple[Check, ...]
    fingerprint: str = ""  # the one the package records, when it was read
    reason: str = ""  # why it is not a package
    checked: str = ""  # what was checked, in a sentence

    @property
    def problems(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def exit_code(self) -> int:
        return {Outcome.INTACT: 0, Outcome.TAMPERED: 1, Outcome.NOT_A_PACKAGE: 2}[self.outcome]


@dataclass(frozen=True)
class PdfFindings:
    """What checking one PDF found; a bundle folds these into its own report."""

    checks: tuple[Check, ...]
    record: PackageRecord | None = None
    record_sha256: str = ""  # of auditapp-manifest.json as embedded
    reason: str = ""  # set when the PDF is not a package at all
    files: tuple[str, ...] = field(default=())  # names of the embedded files

    @property
    def checked(self) -> str:
        if self.record is None:
            return ""
        return (
            f"{MANIFEST_NAME}, every byte of the file (the rendered revision and the "
            "attachments update, each against its SHA-256), the fingerprint, "
            f"the cover page, and {len(self.files) - 1} embedded files against their SHA-256"
        )

    @property
    def outcome(self) -> Outcome:
        if self.reason:
            return Outcome.NOT_A_PACKAGE
        return Outcome.TAMPERED if any(not c.ok for c in self.checks) else Outcome.INTACT


def verify_package(path: Path) -> VerifyReport:
    """Check a package PDF or bundle zip; see `Outcome` for the results."""
    from auditapp.report.package_verify_bundle import verify_bundle

    try:
        with path.open("rb") as stream:
            head = stream.read(1024)
            if b"%PDF-" in head:
                return _pdf_report(path, verify_pdf_stream(stream))
    except OSError as error:
        return VerifyReport(
            str(path), "", Outcome.NOT_A_PACKAGE, (), reason=f"cannot be read: {error}"
        )
    if head.startswith(b"PK"):
        return verify_bundle(path)
    with path.open("rb") as stream:
        if _carries_marker(stream):  # a package whose first bytes were damaged
            check = Check("PDF header", False, "damaged, yet the file carries an auditapp manifest")
            return VerifyReport(str(path), "pdf", Outcome.TAMPERED, (check,))
    return VerifyReport(
        str(path), "", Outcome.NOT_A_PACKAGE, (), reason="it is neither a PDF nor a zip bundle"
    )


def verify_pdf_stream(stream: IO[bytes]) -> PdfFindings:
    with quiet_pypdf():
        return _verify_pdf(stream)


def _verify_pdf(stream: IO[bytes]) -> PdfFindings:
    try:
        stream.seek(0)
        reader = open_pdf(stream)
        attachments = list(read_attachments(reader))
    except UnreadablePdfError as error:
        return _unreadable(stream, f"the PDF cannot be read: {error}")
    names = tuple(a.name for a in attachments)
    manifests = [a for a in attachments if a.name == MANIFEST_NAME]
    if not manifests:
        return _unreadable(
            stream, f"no {MANIFEST_NAME} among its {len(attachments)} embedded files"
        )
    if len(manifests) > 1 or manifests[0].data is None:
        what = "is embedded twice" if len(manifests) > 1 else manifests[0].problem
        return PdfFindings((Check(MANIFEST_NAME, False, what),), files=names)
    raw = manifests[0].data
    # From here the file claims to be a package: whatever is wrong with the manifest is
    # tampering (a damaged or re-labelled manifest), never "not a package".
    try:
        record = parse_record(raw)
    except (ValueError, UnicodeDecodeError) as error:
        return PdfFindings((Check(MANIFEST_NAME, False, f"is damaged: {error}"),), files=names)
    manifest = record.manifest
    checks = [Check(MANIFEST_NAME, True, f"read: {len(manifest.files)} files listed")]
    checks.append(_rendered_check(stream, record))
    checks.append(_update_check(stream, record))
    if manifest.fingerprint == record.recorded_fingerprint:
        checks.append(Check("fingerprint", True, f"{manifest.fingerprint} recomputed"))
    else:
        checks.append(
            Check(
                "fingerprint",
                False,
                f"the listed files hash to {manifest.fingerprint}, but the manifest "
                f"records {record.recorded_fingerprint}",
            )
        )
    try:
        shown = manifest.fingerprint in cover_text(reader)
        checks.append(
            Check(
                "cover page",
                shown,
                "prints the fingerprint"
                if shown
                else f"does not print the fingerprint {manifest.fingerprint}",
            )
        )
    except UnreadablePdfError as error:
        checks.append(Check("cover page", False, str(error)))
    checks.extend(_file_checks(attachments, record))
    return PdfFindings(tuple(checks), record, hashlib.sha256(raw).hexdigest(), files=names)


def _file_checks(attachments: list[Attachment], record: PackageRecord) -> list[Check]:
    checks: list[Check] = []
    listed = {f.name for f in record.manifest.files}
    for entry in record.manifest.files:
        found = [a for a in attachments if a.name == entry.name]
        if not found:
            checks.append(Check(entry.name, False, "missing: listed in the manifest, not embedded"))
        elif len(found) > 1:
            checks.append(Check(entry.name, False, f"embedded {len(found)} times"))
        elif found[0].data is None:
            checks.append(Check(entry.name, False, found[0].problem))
        else:
            checks.append(_content_check(entry.name, found[0].data, entry.sha256, entry.size))
    for name in sorted({a.name for a in attachments} - listed - {MANIFEST_NAME}):
        checks.append(Check(name, False, "extra: embedded, but not in the manifest"))
    return checks


def _content_check(name: str, data: bytes, sha256: str, size: int) -> Check:
    actual = hashlib.sha256(data).hexdigest()
    if actual == sha256 and len(data) == size:
        return Check(name, True, "matches its SHA-256")
    return Check(
        name,
        False,
        f"edited: {len(data)} bytes with SHA-256 {actual}; the manifest says {size} bytes "
        f"with {sha256}",
    )


def _rendered_check(stream: IO[bytes], record: PackageRecord) -> Check:
    subject = "rendered revision"
    stream.seek(0)
    digest = hashlib.sha256()
    remaining = record.rendered_size
    while remaining:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            return Check(
                subject, False, f"the file is shorter than its {record.rendered_size} bytes"
            )
        digest.update(chunk)
        remaining -= len(chunk)
    if digest.hexdigest() != record.rendered_sha256:
        return Check(
            subject,
            False,
            f"its first {record.rendered_size} bytes changed: SHA-256 {digest.hexdigest()}, "
            f"recorded {record.rendered_sha256}",
        )
    return Check(subject, True, f"the first {record.rendered_size} bytes match their SHA-256")


def _update_check(stream: IO[bytes], record: PackageRecord) -> Check:
    """Everything after the rendered revision (the attachments, and anything appended since)
    against the SHA-256 the manifest records for it, that hash itself read as the placeholder."""
    subject = "attachments update"
    needle = record.update_sha256.encode()
    found = _find_all(stream, needle, record.rendered_size)
    if len(found) != 1:
        return Check(subject, False, "its recorded SHA-256 cannot be located: the file changed")
    digest = hashlib.sha256()
    _hash_range(stream, record.rendered_size, found[0], digest)
    digest.update(UPDATE_PLACEHOLDER.encode())
    size = found[0] - record.rendered_size + len(needle)
    size += _hash_range(stream, found[0] + len(needle), None, digest)
    if digest.hexdigest() != record.update_sha256:
        return Check(
            subject,
            False,
            f"the {size} bytes after the rendered revision changed (edited, or an update "
            "was appended after the package was written)",
        )
    return Check(subject, True, f"the {size} bytes after the rendered revision match")


def _find_all(stream: IO[bytes], needle: bytes, start: int) -> list[int]:
    found: list[int] = []
    stream.seek(start)
    offset, tail = start, b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        base = offset - len(tail)
        at = window.find(needle)
        while at != -1:
            if base + at not in found:
                found.append(base + at)
            at = window.find(needle, at + 1)
        offset += len(chunk)
        tail = window[-(len(needle) - 1) :]
    return found


def _hash_range(stream: IO[bytes], start: int, end: int | None, digest: hashlib._Hash) -> int:
    stream.seek(start)
    left = None if end is None else end - start
    total = 0
    while left is None or left > 0:
        chunk = stream.read(_CHUNK if left is None else min(_CHUNK, left))
        if not chunk:
            break
        digest.update(chunk)
        total += len(chunk)
        if left is not None:
            left -= len(chunk)
    return total


def _unreadable(stream: IO[bytes], reason: str) -> PdfFindings:
    """A PDF too damaged to find its manifest: tampered if the raw bytes still carry an
    auditapp manifest (it is stored uncompressed for this), otherwise not a package."""
    if _carries_marker(stream):
        return PdfFindings(
            (Check("PDF structure", False, f"{reason}; yet it carries an auditapp manifest"),)
        )
    return PdfFindings((), reason=reason)


def _carries_marker(stream: IO[bytes]) -> bool:
    stream.seek(0)
    tail = b""
    while chunk := stream.read(_CHUNK):
        if _MARKER in tail + chunk:
            return True
        tail = chunk[-len(_MARKER) :]
    return False


def _pdf_report(path: Path, found: PdfFindings) -> VerifyReport:
    return VerifyReport(
        str(path),
        "pdf",
        found.outcome,
        found.checks,
        fingerprint=found.record.recorded_fingerprint if found.record else "",
        reason=found.reason,
        checked=found.checked,
    )
