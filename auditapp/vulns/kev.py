"""The CISA Known Exploited Vulnerabilities (KEV) catalogue, read from its JSON feed as hostile
input: capped in size and entries, checked field by field, a bad entry skipped and counted.

The feed is https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json:
{"title", "catalogVersion", "dateReleased", "count", "vulnerabilities": [{"cveID",
"vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate",
"knownRansomwareCampaignUse", ...}]}.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditapp.errors import AuditappError

MAX_BYTES = 32 * 1024 * 1024  # the real catalogue is about 1.5 MB
MAX_ENTRIES = 100_000  # it holds about 1,400
TEXT_LIMIT = 500
_CVE = re.compile(r"CVE-\d{4}-\d{4,8}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MAX_PROBLEMS = 20
_HINT = "download it again from cisa.gov (known_exploited_vulnerabilities.json); nothing was stored"


class KevError(AuditappError):
    """A KEV catalogue file cannot be used; nothing was stored."""


@dataclass(frozen=True)
class KevEntry:
    cve_id: str
    vendor_project: str
    product: str
    name: str
    date_added: str  # YYYY-MM-DD
    due_date: str  # YYYY-MM-DD, "" when absent
    ransomware: str  # "Known", "Unknown" or ""


@dataclass(frozen=True)
class KevCatalogue:
    catalog_version: str
    date_released: str
    entries: tuple[KevEntry, ...]
    sha256: str
    skipped: int  # entries that could not be read
    problems: tuple[str, ...]  # the first of them, with the reason


def read_catalogue(path: Path, max_bytes: int = MAX_BYTES) -> KevCatalogue:
    """The catalogue in `path`; KevError naming the file when it cannot be used."""
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise KevError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise KevError(f"{path}: larger than {max_bytes // (1024 * 1024)} MB", hint=_HINT)
    return parse_catalogue(data, str(path))


def parse_catalogue(data: bytes, where: str) -> KevCatalogue:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise KevError(f"{where}: not UTF-8 text", hint=_HINT) from None
    except (ValueError, RecursionError):
        raise KevError(f"{where}: not JSON", hint=_HINT) from None
    if not isinstance(document, dict):
        raise KevError(f"{where}: not a KEV catalogue (the top level is not an object)", hint=_HINT)
    listed = document.get("vulnerabilities")
    if not isinstance(listed, list):
        raise KevError(f'{where}: not a KEV catalogue (no "vulnerabilities" list)', hint=_HINT)
    if len(listed) > MAX_ENTRIES:
        raise KevError(f"{where}: more than {MAX_ENTRIES} entries", hint=_HINT)
    entries: dict[str, KevEntry] = {}
    problems: list[str] = []
    skipped = 0
    for index, raw in enumerate(listed):
        try:
            entry = _entry(raw)
        except ValueError as error:
            skipped += 1
            if len(problems) < _MAX_PROBLEMS:
                problems.append(f"{where}: entry #{index + 1}: {error}")
            continue
        entries.setdefault(entry.cve_id, entry)  # a repeated CVE: the first one counts
    if listed and not entries:
        raise KevError(
            f"{where}: none of its {len(listed)} entries is a KEV entry"
            + (f" ({problems[0].split(': ', 2)[-1]})" if problems else ""),
            hint=_HINT,
        )
    return KevCatalogue(
        catalog_version=_optional(document, "catalogVersion", 40),
        date_released=_optional(document, "dateReleased", 40),
        entries=tuple(sorted(entries.values(), key=lambda e: e.cve_id)),
        sha256=hashlib.sha256(data).hexdigest(),
        skipped=skipped,
        problems=tuple(problems),
    )


def _entry(raw: Any) -> KevEntry:
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    cve = raw.get("cveID")
    if not isinstance(cve, str) or not _CVE.match(cve.strip()):
        raise ValueError(f"cveID {_shown(cve)} is not a CVE id")
    added = _text(raw, "dateAdded")
    if not _DATE.match(added):
        raise ValueError(f"dateAdded {_shown(added)} is not a YYYY-MM-DD date")
    due = _text(raw, "dueDate")
    if due and not _DATE.match(due):
        raise ValueError(f"dueDate {_shown(due)} is not a YYYY-MM-DD date")
    return KevEntry(
        cve_id=cve.strip(),
        vendor_project=_text(raw, "vendorProject"),
        product=_text(raw, "product"),
        name=_text(raw, "vulnerabilityName"),
        date_added=added,
        due_date=due,
        ransomware=_text(raw, "knownRansomwareCampaignUse")[:20],
    )


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    # control characters would reach a terminal and a chat message as they are
    return "".join(c for c in value.strip() if c.isprintable())[:TEXT_LIMIT]


def _optional(document: dict[str, Any], key: str, limit: int) -> str:
    value = document.get(key)
    return "".join(c for c in value if c.isprintable())[:limit] if isinstance(value, str) else ""


def _shown(value: object) -> str:
    return repr(value)[:60]
