"""The CISA Known Exploited Vulnerabilities (KEV) catalogue, read from its JSON feed as hostile
input: capped in size and entries, checked field by field, a bad entry skipped and counted.

The feed is https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json:
{"title", "catalogVersion", "dateReleased", "count", "vulnerabilities": [{"cveID",
"vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate",
"knownRansomwareCampaignUse", ...}]}. A file and an answer of the feed (`KevFeed`, opt-in,
through `http_fetch`) are read by the one `parse_catalogue`.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditapp.errors import AuditappError

if TYPE_CHECKING:  # requests loads when a feed is fetched, not with every monitor import
    import requests

    from auditapp.vulns.http_fetch import FetchFailure

DEFAULT_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
MAX_BYTES = 32 * 1024 * 1024  # the real catalogue is about 1.5 MB
FEED_MAX_BYTES = 16 * 1024 * 1024  # ten times the real feed: room to grow, not to be flooded
FEED_REDIRECTS = 3  # on the feed's own scheme and host only
MAX_ENTRIES = 100_000  # it holds about 1,400
TEXT_LIMIT = 500
_CVE = re.compile(r"CVE-\d{4}-\d{4,8}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MAX_PROBLEMS = 20
_HINT = "download it again from cisa.gov (known_exploited_vulnerabilities.json); nothing was stored"
ONLINE_HINT = (
    "check the network or the KEV URL (--kev-url, $AUDITAPP_KEV_URL), or download the file and "
    "`auditapp kev import FILE`; any catalogue already stored stays in use"
)


class KevError(AuditappError):
    """A KEV catalogue (a file or the feed's answer) cannot be used; nothing was stored."""


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


def parse_catalogue(data: bytes, where: str, hint: str = _HINT) -> KevCatalogue:
    """The catalogue in `data` (a file's or an HTTP answer's bytes); KevError naming `where`."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise KevError(f"{where}: not UTF-8 text", hint=hint) from None
    except (ValueError, RecursionError):
        raise KevError(f"{where}: not JSON", hint=hint) from None
    if not isinstance(document, dict):
        raise KevError(f"{where}: not a KEV catalogue (the top level is not an object)", hint=hint)
    listed = document.get("vulnerabilities")
    if not isinstance(listed, list):
        raise KevError(f'{where}: not a KEV catalogue (no "vulnerabilities" list)', hint=hint)
    if len(listed) > MAX_ENTRIES:
        raise KevError(f"{where}: more than {MAX_ENTRIES} entries", hint=hint)
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
            hint=hint,
        )
    return KevCatalogue(
        catalog_version=_optional(document, "catalogVersion", 40),
        date_released=_optional(document, "dateReleased", 40),
        entries=tuple(sorted(entries.values(), key=lambda e: e.cve_id)),
        sha256=hashlib.sha256(data).hexdigest(),
        skipped=skipped,
        problems=tuple(problems),
    )


class KevFeed:
    """The catalogue fetched from its feed URL: opt-in, bounded, read like a file.

    `timeout` bounds connecting and each read (the whole body within four times it), the body is
    at most `max_bytes`; 429 and 5xx answers, timeouts and broken connections are tried `tries`
    times with backoff; redirects are followed on the feed's own scheme and host only. Every
    failure is a KevError naming the URL.
    """

    def __init__(
        self,
        session: requests.Session,
        url: str = DEFAULT_URL,
        *,
        timeout: float = 30,
        max_bytes: int = FEED_MAX_BYTES,
        tries: int = 3,
        backoff: float = 1.0,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not re.match(r"https?://[^/?#\s]+(/[^#\s]*)?\Z", url):
            raise KevError(
                f"not an http(s) URL for the KEV catalogue: {url[:200]!r}",
                hint=f"give one like {DEFAULT_URL}",
            )
        if tries < 1 or timeout <= 0 or max_bytes < 1:
            raise ValueError("tries, timeout and max_bytes must be positive")
        self.session, self.url = session, url
        self.timeout, self.max_bytes, self.tries = timeout, max_bytes, tries
        self.backoff, self.max_delay, self.sleep = backoff, max_delay, sleep

    def fetch(self) -> KevCatalogue:
        """The whole catalogue, checked as a file is; KevError when it cannot be used."""
        from auditapp.vulns.http_fetch import fetch

        answer = fetch(
            self.session,
            self.url,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            tries=self.tries,
            backoff=self.backoff,
            max_delay=self.max_delay,
            sleep=self.sleep,
            error=_fetch_error,
            redirects=FEED_REDIRECTS,
        )
        catalogue = parse_catalogue(answer.body, self.url, ONLINE_HINT)
        if not catalogue.entries:
            # CISA's catalogue is never empty: an empty answer must not wipe the stored one
            raise KevError(f"{self.url}: answered an empty catalogue", hint=ONLINE_HINT)
        return catalogue


def _fetch_error(failure: FetchFailure) -> KevError:
    return KevError(str(failure), hint=ONLINE_HINT)


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
