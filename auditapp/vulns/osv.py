"""OSV records: parsed and checked field by field, because vulnerability data is input too.

https://ossf.github.io/osv-schema/ — only the fields auditapp uses are kept; the whole record is
stored beside them as it was imported.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from auditapp.errors import AuditappError

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$")
MAX_RECORD = 8 * 1024 * 1024
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class InvalidRecord(AuditappError):
    """One OSV record that cannot be used; the import counts it and goes on."""


@dataclass(frozen=True)
class Event:
    kind: str  # introduced, fixed, last_affected, limit
    version: str


@dataclass(frozen=True)
class Range:
    type: str  # ECOSYSTEM, SEMVER, GIT
    events: tuple[Event, ...]


@dataclass(frozen=True)
class AffectedPackage:
    ecosystem: str
    name: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    severity: tuple[tuple[str, str], ...]

    @property
    def ecosystem_base(self) -> str:
        return self.ecosystem.split(":", 1)[0]

    @property
    def ecosystem_release(self) -> str:
        return self.ecosystem.split(":", 1)[1] if ":" in self.ecosystem else ""


@dataclass(frozen=True)
class OsvRecord:
    id: str
    modified: str
    published: str
    withdrawn: str
    summary: str
    aliases: tuple[str, ...]
    severity: tuple[tuple[str, str], ...]  # (type, score or vector)
    database_severity: str
    affected: tuple[AffectedPackage, ...]
    raw: str  # canonical JSON of the record
    sha256: str


def parse_record(data: bytes, origin: str) -> OsvRecord:
    """Parse one record; `origin` (file or zip member) names it in errors."""
    if len(data) > MAX_RECORD:
        raise InvalidRecord(f"{origin}: record larger than {MAX_RECORD} bytes")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidRecord(f"{origin}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise InvalidRecord(f"{origin}: a record must be a JSON object")
    try:
        return _record(document, origin)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidRecord(f"{origin}: {error}") from None


def _record(document: dict[str, Any], origin: str) -> OsvRecord:
    identifier = _text(document.get("id"), "id")
    if not ID.match(identifier):
        raise ValueError(f"unusable id {identifier[:60]!r}")
    aliases = tuple(
        a for a in _list(document.get("aliases"), "aliases") if isinstance(a, str) and ID.match(a)
    )
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    database = document.get("database_specific")
    db_severity = database.get("severity") if isinstance(database, dict) else None
    return OsvRecord(
        id=identifier,
        modified=_timestamp(document.get("modified"), "modified"),
        published=_timestamp(document.get("published"), "published"),
        withdrawn=_timestamp(document.get("withdrawn"), "withdrawn"),
        summary=str(document.get("summary") or "")[:1000],
        aliases=aliases,
        severity=_severity(document.get("severity")),
        database_severity=str(db_severity).upper()[:20] if isinstance(db_severity, str) else "",
        affected=tuple(_affected(a) for a in _list(document.get("affected"), "affected")),
        raw=raw,
        sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
    )


def _affected(value: Any) -> AffectedPackage:
    if not isinstance(value, dict):
        raise ValueError("an affected entry is not an object")
    package = value.get("package")
    if not isinstance(package, dict):
        raise ValueError("an affected entry has no package")
    ranges = []
    for item in _list(value.get("ranges"), "ranges"):
        if not isinstance(item, dict):
            raise ValueError("a range is not an object")
        events = []
        for event in _list(item.get("events"), "events"):
            if not isinstance(event, dict) or len(event) != 1:
                raise ValueError("an event must have exactly one field")
            ((kind, version),) = event.items()
            if kind not in EVENT_KINDS or not isinstance(version, str) or len(version) > 200:
                raise ValueError(f"bad event {str(event)[:80]}")
            events.append(Event(kind, version))
        ranges.append(Range(_text(item.get("type"), "range type").upper(), tuple(events)))
    versions = tuple(
        v for v in _list(value.get("versions"), "versions") if isinstance(v, str) and len(v) <= 200
    )
    return AffectedPackage(
        ecosystem=_text(package.get("ecosystem"), "ecosystem")[:100],
        name=_text(package.get("name"), "package name")[:300],
        ranges=tuple(ranges),
        versions=versions,
        severity=_severity(value.get("severity")),
    )


def _severity(value: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for item in _list(value, "severity"):
        if (
            isinstance(item, dict)
            and isinstance(item.get("type"), str)
            and isinstance(item.get("score"), str)
            and len(item["score"]) <= 300
        ):
            found.append((item["type"], item["score"]))
    return tuple(found)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"missing or empty {what}")
    return value.strip()


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


def _timestamp(value: Any, what: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{what} is not a timestamp")
    return value
