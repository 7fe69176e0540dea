"""The package manifest: every companion file with its SHA-256, and the package fingerprint
(the SHA-256 of the manifest in canonical JSON) that the cover page prints and `verify` checks.

Also the rules for names inside a package, shared by the writer and by `verify`, which reads
packages that may come from anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditapp.errors import AuditappError
from auditapp.report.model import Companion

PACKAGE_FORMAT = "auditapp-package"
PACKAGE_VERSION = 1
MANIFEST_NAME = "auditapp-manifest.json"
BUNDLE_MANIFEST_NAME = "bundle-manifest.json"
BLOB_FOLDER = "evidence/blobs/"
RESERVED_NAMES = frozenset({MANIFEST_NAME, BUNDLE_MANIFEST_NAME})
NAME_LIMIT = 255
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Written where the update's own SHA-256 goes while that hash is computed: same length, so
# replacing it changes no offset (see package_pdf.attach and package_verify).
UPDATE_PLACEHOLDER = "0" * 64


class PackageError(AuditappError):
    """An audit package could not be built or written."""


@dataclass(frozen=True)
class ManifestFile:
    name: str  # "sbom/api.cdx.json"
    sha256: str
    size: int
    media_type: str
    description: str


@dataclass(frozen=True)
class Manifest:
    """Build with `build_manifest`: the fingerprint is computed from the other fields."""

    files: tuple[ManifestFile, ...]  # sorted by name
    as_of: datetime | None  # the data's own time: ModDate of the attachments, zip entry dates
    fingerprint: str
    format: str = PACKAGE_FORMAT
    version: int = PACKAGE_VERSION

    def file(self, name: str) -> ManifestFile | None:
        return next((f for f in self.files if f.name == name), None)


@dataclass(frozen=True)
class PackageRecord:
    """What `auditapp-manifest.json` inside a PDF says: the manifest as recorded (with the
    fingerprint it claims), the SHA-256 and length of the rendered revision, and the SHA-256
    of everything after it (with that hash itself written as UPDATE_PLACEHOLDER)."""

    manifest: Manifest
    recorded_fingerprint: str
    rendered_sha256: str
    rendered_size: int
    update_sha256: str


def build_manifest(companions: Iterable[Companion], *, as_of: datetime | None = None) -> Manifest:
    """The manifest of `companions`; refuses unsafe or duplicate names."""
    files: list[ManifestFile] = []
    seen: set[str] = set()
    for companion in companions:
        problem = name_problem(companion.name)
        if problem is None and companion.name in RESERVED_NAMES:
            problem = "is reserved for the package's own manifests"
        if problem is None and companion.name.startswith(BLOB_FOLDER):
            problem = f"lies in {BLOB_FOLDER}, where the bundle keeps evidence blobs"
        if problem is None and companion.name in seen:
            problem = "is used by two companions"
        if problem is not None:
            raise PackageError(f"companion file {companion.name!r} {problem}")
        seen.add(companion.name)
        files.append(
            ManifestFile(
                name=companion.name,
                sha256=hashlib.sha256(companion.data).hexdigest(),
                size=len(companion.data),
                media_type=companion.media_type,
                description=companion.description,
            )
        )
    ordered = tuple(sorted(files, key=lambda f: f.name))
    return Manifest(ordered, as_of, fingerprint(ordered, as_of))


def fingerprint(files: tuple[ManifestFile, ...], as_of: datetime | None) -> str:
    return hashlib.sha256(canonical_json(_body(files, as_of))).hexdigest()


def canonical_json(value: object) -> bytes:
    """One byte sequence per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_json(manifest: Manifest, rendered: bytes) -> bytes:
    """`auditapp-manifest.json`: indented so a person can read it in the raw file. The
    update's hash is left as UPDATE_PLACEHOLDER, to be filled in once the update is written."""
    document = {
        **_body(manifest.files, manifest.as_of),
        "fingerprint": manifest.fingerprint,
        "rendered": {"sha256": hashlib.sha256(rendered).hexdigest(), "size": len(rendered)},
        "update": {"sha256": UPDATE_PLACEHOLDER},
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n"


def parse_record(data: bytes) -> PackageRecord:
    """Read `auditapp-manifest.json`; ValueError says what is wrong with it."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict):
        raise ValueError("it is not a JSON object")
    if document.get("format") != PACKAGE_FORMAT:
        raise ValueError(f"its format is {document.get('format')!r}, not {PACKAGE_FORMAT!r}")
    if document.get("version") != PACKAGE_VERSION:
        raise ValueError(f"version {document.get('version')!r} is not one this auditapp reads")
    as_of_text = document.get("as_of")
    if as_of_text is not None and not isinstance(as_of_text, str):
        raise ValueError("as_of is not a date and time")
    as_of = datetime.fromisoformat(as_of_text) if as_of_text else None
    raw_files = document.get("files")
    if not isinstance(raw_files, list):
        raise ValueError("it has no list of files")
    files = tuple(_file(entry) for entry in raw_files)
    rendered, update = document.get("rendered"), document.get("update")
    if not isinstance(rendered, dict) or not isinstance(update, dict):
        raise ValueError("it does not record the rendered revision and the update")
    recorded = _text(document, "fingerprint")
    return PackageRecord(
        manifest=Manifest(files, as_of, fingerprint(files, as_of)),
        recorded_fingerprint=recorded,
        rendered_sha256=_sha(rendered, "sha256"),
        rendered_size=_count(rendered, "size"),
        update_sha256=_sha(update, "sha256"),
    )


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a file inside a package (None: it can). Such names never leave a
    package's folder when unpacked, on any system."""
    if not name:
        return "is empty"
    if len(name) > NAME_LIMIT:
        return f"is longer than {NAME_LIMIT} characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains control characters"
    if "\\" in name or ":" in name:
        return "contains a backslash or a colon"
    if name.startswith("/"):
        return "is an absolute path"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "has an empty, '.' or '..' path segment"
    return None


def is_sha256(text: str) -> bool:
    return bool(_SHA256.fullmatch(text))


def _body(files: tuple[ManifestFile, ...], as_of: datetime | None) -> dict[str, Any]:
    return {
        "format": PACKAGE_FORMAT,
        "version": PACKAGE_VERSION,
        "as_of": as_of.isoformat() if as_of else None,
        "files": [
            {
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "media_type": f.media_type,
                "description": f.description,
            }
            for f in files
        ],
    }


def _file(entry: object) -> ManifestFile:
    if not isinstance(entry, dict):
        raise ValueError("a file entry is not a JSON object")
    name = _text(entry, "name")
    problem = name_problem(name)
    if problem:
        raise ValueError(f"file name {name!r} {problem}")
    return ManifestFile(
        name=name,
        sha256=_sha(entry, "sha256"),
        size=_count(entry, "size"),
        media_type=_text(entry, "media_type"),
        description=_text(entry, "description"),
    )


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is missing or not text")
    return value


def _sha(entry: Mapping[str, Any], key: str) -> str:
    value = _text(entry, key)
    if not is_sha256(value):
        raise ValueError(f"{key!r} is not a SHA-256 in lowercase hex")
    return value


def _count(entry: Mapping[str, Any], key: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key!r} is not a size in bytes")
    return value
