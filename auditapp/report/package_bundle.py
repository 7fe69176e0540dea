"""The bundle: a zip with the PDF, the companions, every evidence blob (`evidence/blobs/<sha256>`)
and `bundle-manifest.json`, which lists every other entry with its SHA-256.

Reproducible: entries in name order (the manifest last, as it lists the others), dates from the
data, fixed permissions and compression level. Evidence blobs are re-hashed on the way in, so
evidence changed in the database after it was collected stops the export.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.report.model import Companion
from auditapp.report.package_atomic import atomic_output
from auditapp.report.package_manifest import (
    BLOB_FOLDER,
    BUNDLE_MANIFEST_NAME,
    MANIFEST_NAME,
    Manifest,
    PackageError,
    build_manifest,
    is_sha256,
    name_problem,
)

BUNDLE_FORMAT = "auditapp-bundle"
BUNDLE_VERSION = 1
COMPRESS_LEVEL = 6
FILE_MODE = 0o100644  # a regular file, rw-r--r--
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


@dataclass(frozen=True)
class BundleSummary:
    entries: int
    blobs: int


def write_bundle(
    path: Path,
    pdf_bytes: bytes,
    manifest: Manifest,
    companions: Sequence[Companion],
    blobs: Iterable[tuple[str, bytes]],
    *,
    pdf_name: str | None = None,
    progress: Progress | None = None,
) -> BundleSummary:
    """Write the bundle to `path` atomically. `blobs` are ("<sha256>", bytes) in any order
    that is ascending by hash; `pdf_name` defaults to the bundle's name with `.pdf`."""
    with atomic_output(path) as stream:
        return write_bundle_to(
            stream,
            pdf_bytes,
            manifest,
            companions,
            blobs,
            pdf_name=pdf_name or Path(path).with_suffix(".pdf").name,
            progress=progress,
        )


def write_bundle_to(
    stream: BinaryIO,
    pdf_bytes: bytes,
    manifest: Manifest,
    companions: Sequence[Companion],
    blobs: Iterable[tuple[str, bytes]],
    *,
    pdf_name: str,
    progress: Progress | None = None,
) -> BundleSummary:
    progress = progress or NoProgress()
    if build_manifest(companions, as_of=manifest.as_of) != manifest:
        raise PackageError("the companions do not match the manifest they were listed in")
    problem = name_problem(pdf_name)
    if problem is None and (
        pdf_name in {c.name for c in companions}
        or pdf_name in (MANIFEST_NAME, BUNDLE_MANIFEST_NAME)
    ):
        problem = "is taken by another file of the package"
    if problem is not None:
        raise PackageError(f"the PDF's name in the bundle, {pdf_name!r}, {problem}")
    fixed: dict[str, bytes] = {c.name: c.data for c in companions}
    fixed[pdf_name] = pdf_bytes
    # the same manifest as inside the PDF, so the bundle's companions can be read without it
    fixed[MANIFEST_NAME] = _embedded_manifest(pdf_bytes)
    date_time = _zip_time(manifest.as_of)
    listed: list[dict[str, object]] = []
    blob_count = 0
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr means the same everywhere
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
            if name != BUNDLE_MANIFEST_NAME:
                listed.append(
                    {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                )

        # Every blob name starts with BLOB_FOLDER and no fixed name does, so the blobs sort as
        # one run between the fixed names before and after them: stream them in between.
        names = sorted(fixed)
        for name in (n for n in names if n < BLOB_FOLDER):
            add(name, fixed[name])
        progress.start("writing evidence blobs into the bundle")
        for sha256, data in _checked(blobs):
            check_cancelled(progress)
            add(BLOB_FOLDER + sha256, data)
            blob_count += 1
            progress.advance()
        for name in (n for n in names if n > BLOB_FOLDER):
            add(name, fixed[name])
        document = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "fingerprint": manifest.fingerprint,
            "pdf": pdf_name,
            "files": listed,
        }
        body = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode()
        add(BUNDLE_MANIFEST_NAME, body + b"\n")
    return BundleSummary(entries=len(listed) + 1, blobs=blob_count)


def _checked(blobs: Iterable[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    previous = ""
    for sha256, data in blobs:
        if not is_sha256(sha256):
            raise PackageError(f"evidence blob {sha256[:80]!r} is not named by a SHA-256")
        if sha256 <= previous:
            raise PackageError(f"evidence blob {sha256} comes out of order or twice")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise PackageError(
                f"evidence blob {sha256} no longer matches its SHA-256: it was changed after "
                "it was collected",
                hint="`auditapp journal verify` and the evidence list show what changed",
            )
        previous = sha256
        yield sha256, data


def _embedded_manifest(pdf_bytes: bytes) -> bytes:
    from auditapp.report.package_reader import read_attachments

    for attachment in read_attachments(pdf_bytes):
        if attachment.name == MANIFEST_NAME and attachment.data is not None:
            return attachment.data
    raise PackageError("the PDF carries no auditapp-manifest.json: attach the companions first")


def _zip_time(moment: datetime | None) -> tuple[int, int, int, int, int, int]:
    if moment is None:
        return _ZIP_EPOCH
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, _ZIP_EPOCH)
