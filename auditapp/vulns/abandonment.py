"""Abandonment signals from the package registries (PCI DSS 12.3.4: is a component still
maintained?): deprecated npm versions, yanked PyPI releases, PyPI projects with no release for
longer than an age limit, and projects the registry itself marks archived.

Online and opt-in: the caller passes the session, base URLs and limits. Only the registries are
asked (never GitHub or a project's own site). A check returns everything or raises
`AbandonmentError`; a package a registry does not know is data (`PackageCheck.outcome`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests
from packaging.version import InvalidVersion, Version

from auditapp.errors import AuditappError
from auditapp.vulns.http_fetch import FetchFailure, GaveUp, fetch

SignalKind = Literal["deprecated", "yanked", "stale", "archived"]
Outcome = Literal["checked", "not-found", "skipped"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("yanked", "deprecated", "archived", "stale")  # urgent first
DEFAULT_NPM_BASE = "https://registry.npmjs.org"
DEFAULT_PYPI_BASE = "https://pypi.org"
DEFAULT_MAX_AGE_DAYS = 730
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 32 * 1024 * 1024  # the abbreviated npm document of a busy package is a few MB
TRIES = 3
MAX_REDIRECTS = 3
DOCUMENT_FORMAT = 1
# npm's abbreviated ("corgi") document is far smaller and still carries `deprecated`.
_NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
_SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json"
_NPM_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*\Z", re.IGNORECASE)
_PYPI_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?\Z", re.IGNORECASE)
_REPO_KEYS = {"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"}
_REPO_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "git.sr.ht"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class AbandonmentError(AuditappError):
    """A registry answer that cannot be fetched or trusted; nothing is stored."""


@dataclass(frozen=True)
class Signal:
    """What a registry says about an installed package: `kind` and the registry's own words."""

    ecosystem: str  # "npm" or "pypi"
    name: str
    version: str
    kind: SignalKind
    detail: str
    source_url: str
    fetched_at: datetime


@dataclass(frozen=True, order=True)
class PackageRef:
    """A package to ask about; with a `skip_reason` it is recorded, not asked."""

    ecosystem: str
    name: str
    version: str
    skip_reason: str = ""


@dataclass(frozen=True)
class PackageCheck:
    """What the registry said about one package: "checked", "not-found" (the registry does not
    hold it: private or unpublished) or "skipped" (not asked), with the reason in `note`."""

    ecosystem: str
    name: str
    version: str
    outcome: Outcome
    source_url: str
    fetched_at: datetime
    signals: tuple[Signal, ...] = ()
    newest_release: date | None = None  # PyPI: the newest release that is not yanked
    repository: str = ""  # the source repository the registry names, never visited
    note: str = ""


@dataclass(frozen=True)
class AbandonmentResult:
    """One refresh: every package asked about, when, from which registries."""

    checks: tuple[PackageCheck, ...]
    fetched_at: datetime
    npm_base: str
    pypi_base: str
    max_age_days: int

    @property
    def signals(self) -> tuple[Signal, ...]:
        return tuple(s for check in self.checks for s in check.signals)

    def to_document(self) -> dict[str, Any]:
        """The evidence: all signals, and what was asked of which registry, as plain JSON."""
        return {
            "format": DOCUMENT_FORMAT,
            "fetched_at": self.fetched_at.isoformat(),
            "sources": {"npm": self.npm_base, "pypi": self.pypi_base},
            "max_age_days": self.max_age_days,
            "signals": [
                {
                    "ecosystem": s.ecosystem,
                    "name": s.name,
                    "version": s.version,
                    "kind": s.kind,
                    "detail": s.detail,
                    "source_url": s.source_url,
                    "fetched_at": s.fetched_at.isoformat(),
                }
                for s in self.signals
            ],
            "packages": [
                {
                    "ecosystem": c.ecosystem,
                    "name": c.name,
                    "version": c.version,
                    "outcome": c.outcome,
                    "source_url": c.source_url,
                    "fetched_at": c.fetched_at.isoformat(),
                    "newest_release": c.newest_release.isoformat() if c.newest_release else None,
                    "repository": c.repository,
                    "note": c.note,
                }
                for c in self.checks
            ],
        }

    @classmethod
    def from_document(cls, document: object, where: str) -> AbandonmentResult:
        """A result stored by `to_document`; anything else is an AbandonmentError."""
        # Imported here: the reader builds these classes, so it imports this module.
        from auditapp.vulns.abandonment_document import result_from_document

        return result_from_document(document, where)


class AbandonmentChecker:
    """Asks npm and PyPI about installed packages through an injected `requests.Session`.

    `timeout` bounds connecting and each read (the whole body: four times it); 429, 5xx,
    timeouts and broken connections are tried `TRIES` times, waiting `backoff`, then twice that
    (or the server's Retry-After), at most `max_delay`. Redirects are followed only on the same
    host. A project is "stale" when its newest release that is not yanked is older than
    `max_age_days` on the day of the check.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        npm_base: str = DEFAULT_NPM_BASE,
        pypi_base: str = DEFAULT_PYPI_BASE,
        max_age_days: int = DEFAULT_MAX_AGE_DAYS,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_BYTES,
        backoff: float = 1.0,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        for base in (npm_base, pypi_base):
            if not re.match(r"https?://[^/?#\s]+", base):
                raise AbandonmentError(f"not an http(s) base URL: {base[:200]!r}")
        self.session, self.timeout, self.max_bytes = session, timeout, max_bytes
        self.npm_base, self.pypi_base = npm_base.rstrip("/"), pypi_base.rstrip("/")
        self.max_age_days, self.backoff, self.max_delay = max_age_days, backoff, max_delay
        self.sleep = sleep
        self.clock = clock or (lambda: datetime.now(UTC))

    def check(
        self,
        packages: Iterable[PackageRef],
        on_checked: Callable[[PackageCheck], None] | None = None,
    ) -> AbandonmentResult:
        """Every package asked about in turn (npm and pypi; others are skipped)."""
        started = self.clock()
        checks = []
        for ref in sorted(set(packages)):
            if ref.skip_reason:
                checked = self._skipped(ref, ref.skip_reason)
            elif ref.ecosystem == "npm":
                checked = self.check_npm(ref.name, ref.version)
            elif ref.ecosystem == "pypi":
                checked = self.check_pypi(ref.name, ref.version)
            else:
                checked = self._skipped(ref, f"no registry is asked about {ref.ecosystem} packages")
            checks.append(checked)
            if on_checked is not None:
                on_checked(checked)
        return AbandonmentResult(
            tuple(checks), started, self.npm_base, self.pypi_base, self.max_age_days
        )

    def check_npm(self, name: str, version: str) -> PackageCheck:
        """`GET {npm_base}/{name}`: is the installed version deprecated?"""
        if len(name) > 214 or not _NPM_NAME.match(name):
            return self._skipped(PackageRef("npm", name, version), "not an npm package name")
        url = f"{self.npm_base}/{quote(name, safe='@')}"  # @scope/name → @scope%2Fname
        body = self._get(url, _NPM_ACCEPT)
        now = self.clock()
        found = PackageCheck("npm", name, version, "checked", url, now)
        if body is None:
            return replace(found, outcome="not-found", note="the npm registry does not hold it")
        doc = _dict(_decode(body, url), "the document", url)
        versions = doc.get("versions")
        if versions is None:
            return replace(found, outcome="not-found", note="no versions: unpublished")
        entry = _dict(versions, "versions", url).get(version)
        if entry is None:
            return replace(found, outcome="not-found", note=f"version {version} is not published")
        entry = _dict(entry, f"versions[{version!r}]", url)
        message = entry.get("deprecated")
        if message is not None and not isinstance(message, str | bool):
            raise AbandonmentError(f"{url}: deprecated must be text, not {_kind(message)}")
        repository = _npm_repository(entry.get("repository", doc.get("repository")))
        signals: tuple[Signal, ...] = ()
        if message:
            text = _text(message) if isinstance(message, str) else "(no message)"
            signals = (Signal("npm", name, version, "deprecated", text, url, now),)
        return replace(found, signals=signals, repository=repository)

    def check_pypi(self, name: str, version: str) -> PackageCheck:
        """`GET {pypi_base}/pypi/{name}/json` (yanked files, newest release, repository) and
        the simple index's project status (PEP 792: archived, deprecated, quarantined)."""
        if len(name) > 200 or not _PYPI_NAME.match(name):
            return self._skipped(PackageRef("pypi", name, version), "not a PyPI project name")
        project = re.sub(r"[-_.]+", "-", name).lower()
        url = f"{self.pypi_base}/pypi/{project}/json"
        body = self._get(url, "application/json")
        now = self.clock()
        found = PackageCheck("pypi", name, version, "checked", url, now)
        if body is None:
            return replace(found, outcome="not-found", note="PyPI does not hold it")
        doc = _dict(_decode(body, url), "the document", url)
        info = _dict(doc.get("info") or {}, "info", url)
        releases = {
            str(key): _files(value, f"releases[{key!r}]", url)
            for key, value in _dict(doc.get("releases"), "releases", url).items()
        }
        repository = _pypi_repository(info, url)
        signals: list[Signal] = []
        installed = _release_key(releases, version)
        if installed is None:
            note = f"version {version} is not on PyPI"
            return replace(found, outcome="not-found", note=note, repository=repository)
        files = releases[installed]
        if files and all(yanked for yanked, _, _ in files):
            reasons = sorted({reason for _, reason, _ in files if reason})
            detail = f"every file of {installed} is yanked" + (
                f": {_text('; '.join(reasons))}" if reasons else ""
            )
            signals.append(Signal("pypi", name, version, "yanked", detail, url, now))
        uploads = [when for fs in releases.values() for yanked, _, when in fs if not yanked]
        newest = max(uploads) if uploads else None
        limit = self.max_age_days
        if newest is None or (now.date() - newest).days > limit:
            detail = "no release that is not yanked"
            if newest is not None:
                days = (now.date() - newest).days
                detail = (
                    f"no release since {newest.isoformat()} ({days} days; the limit is {limit})"
                )
            if repository:
                detail += f"; source repository {repository}"
            signals.append(Signal("pypi", name, version, "stale", detail, url, now))
        signals.extend(self._pypi_status(project, name, version))
        return replace(found, signals=tuple(signals), newest_release=newest, repository=repository)

    def _pypi_status(self, project: str, name: str, version: str) -> list[Signal]:
        url = f"{self.pypi_base}/simple/{project}/"
        body = self._get(url, _SIMPLE_ACCEPT)
        if body is None:
            return []
        doc = _dict(_decode(body, url), "the document", url)
        marker = doc.get("project-status")
        if marker is None:
            return []
        marker = _dict(marker, "project-status", url)
        status, reason = marker.get("status", "active"), marker.get("reason")
        if not isinstance(status, str) or not isinstance(reason, str | None):
            raise AbandonmentError(f"{url}: project-status must hold text")
        kinds: dict[str, SignalKind] = {
            "archived": "archived",
            "deprecated": "deprecated",
            "quarantined": "deprecated",
        }
        if status not in kinds:
            return []
        detail = f"PyPI marks the project {status}" + (f": {_text(reason)}" if reason else "")
        if status == "quarantined":
            detail += " (considered unsafe to install, e.g. malware)"
        return [Signal("pypi", name, version, kinds[status], detail, url, self.clock())]

    def _skipped(self, ref: PackageRef, why: str) -> PackageCheck:
        return PackageCheck(
            ref.ecosystem, ref.name, ref.version, "skipped", "", self.clock(), note=why
        )

    # ---- HTTP ----------------------------------------------------------------------------------

    def _get(self, url: str, accept: str) -> bytes | None:
        """The body of a 200 answer, None for 404 or 410; anything else an AbandonmentError."""
        answer = fetch(
            self.session,
            url,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            tries=TRIES,
            backoff=self.backoff,
            max_delay=self.max_delay,
            sleep=self.sleep,
            error=_fetch_error,
            accept=accept,
            absent=(404, 410),
            redirects=MAX_REDIRECTS,
        )
        return answer.body if answer.status == 200 else None


# ---- reading answers ---------------------------------------------------------------------------


def _fetch_error(failure: FetchFailure) -> AbandonmentError:
    if isinstance(failure, GaveUp):
        return AbandonmentError(str(failure), hint="nothing was stored; try again later")
    return AbandonmentError(str(failure))


def _decode(body: bytes, url: str) -> object:
    def reject(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(body.decode("utf-8"), parse_constant=reject)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise AbandonmentError(f"{url} did not answer valid JSON: {str(error)[:200]}") from None


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _dict(value: object, what: str, url: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        message = f"{what} must be an object, not {_kind(value)}"
        if url:
            raise AbandonmentError(f"{url}: {message}")
        raise ValueError(message)
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {_kind(value)}")
    return value


def _instant(value: object) -> datetime:
    moment = datetime.fromisoformat(_str(value, "a time"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: str, limit: int = 500) -> str:
    """A registry's free text, safe to show on a terminal: no control characters, bounded."""
    text = _CONTROL.sub(" ", value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _files(value: object, what: str, url: str) -> list[tuple[bool, str, date]]:
    """(yanked, reason, upload day) of each file of one release."""
    if not isinstance(value, list):
        raise AbandonmentError(f"{url}: {what} must be a list of files, not {_kind(value)}")
    files = []
    for index, raw in enumerate(value):
        item = _dict(raw, f"{what}[{index}]", url)
        yanked, reason = item.get("yanked", False), item.get("yanked_reason")
        uploaded = item.get("upload_time_iso_8601", item.get("upload_time"))
        if not isinstance(yanked, bool) or not isinstance(reason, str | None):
            raise AbandonmentError(f"{url}: {what}[{index}]: yanked must be true or false")
        try:
            day = _instant(uploaded).astimezone(UTC).date()
        except (ValueError, TypeError):
            raise AbandonmentError(
                f"{url}: {what}[{index}]: upload time {str(uploaded)[:40]!r} is not a time"
            ) from None
        if not date(1990, 1, 1) <= day <= date(2100, 12, 31):
            raise AbandonmentError(f"{url}: {what}[{index}]: upload time {day} is not plausible")
        files.append((yanked, reason or "", day))
    return files


def _release_key(releases: Mapping[str, object], version: str) -> str | None:
    """The release the installed version is: the same text, or the same PEP 440 version."""
    if version in releases:
        return version
    try:
        wanted = Version(version)
    except InvalidVersion:
        return None
    for key in releases:
        try:
            if Version(key) == wanted:
                return key
        except InvalidVersion:
            continue
    return None


def _repository_url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 500:
        return ""
    url = re.sub(r"^git\+", "", value.strip())
    return url if re.match(r"https?://[^\s/]+", url) and not _CONTROL.search(url) else ""


def _pypi_repository(info: Mapping[str, Any], url: str) -> str:
    """The source repository among `info.project_urls` (by label, else by host)."""
    urls = info.get("project_urls") or {}
    if not isinstance(urls, dict):
        raise AbandonmentError(f"{url}: info.project_urls must be an object")
    labelled = [
        (re.sub(r"[^a-z]", "", str(k).lower()), _repository_url(v)) for k, v in urls.items()
    ]
    for label, link in labelled:
        if label in _REPO_KEYS and link:
            return link
    for link in [link for _, link in labelled] + [_repository_url(info.get("home_page"))]:
        if link and (urlsplit(link).hostname or "") in _REPO_HOSTS:
            return link
    return ""


def _npm_repository(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("url")
    return _repository_url(value)
