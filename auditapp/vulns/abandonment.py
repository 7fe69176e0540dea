"""Abandonment signals from the package registries (PCI DSS 12.3.4: is a component still
maintained?): deprecated npm versions, yanked PyPI releases, PyPI projects with no release for
longer than an age limit, and projects the registry itself marks archived.

Online and opt-in: the caller passes the session, base URLs and limits. Only the registries are
asked (never GitHub or a project's own site). A check returns everything or raises
`AbandonmentError`; a package a registry does not know is data (`PackageCheck.outcome`).
What a check finds is `abandonment_result`; how the answers are read, `abandonment_answers`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from auditapp.vulns.abandonment_answers import (
    answer_dict,
    clean_text,
    decode_answer,
    kind_of,
    npm_repository,
    pypi_repository,
    release_files,
    release_key,
)
from auditapp.vulns.abandonment_result import (
    AbandonmentError,
    AbandonmentResult,
    PackageCheck,
    PackageRef,
    Signal,
    SignalKind,
)
from auditapp.vulns.http_fetch import FetchFailure, GaveUp, fetch

DEFAULT_NPM_BASE = "https://registry.npmjs.org"
DEFAULT_PYPI_BASE = "https://pypi.org"
DEFAULT_MAX_AGE_DAYS = 730
DEFAULT_TIMEOUT = 20.0
MAX_BYTES = 32 * 1024 * 1024  # the abbreviated npm document of a busy package is a few MB
TRIES = 3
MAX_REDIRECTS = 3
# npm's abbreviated ("corgi") document is far smaller and still carries `deprecated`.
_NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
_SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json"
_NPM_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*\Z", re.IGNORECASE)
_PYPI_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?\Z", re.IGNORECASE)


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
        doc = answer_dict(decode_answer(body, url), "the document", url)
        versions = doc.get("versions")
        if versions is None:
            return replace(found, outcome="not-found", note="no versions: unpublished")
        entry = answer_dict(versions, "versions", url).get(version)
        if entry is None:
            return replace(found, outcome="not-found", note=f"version {version} is not published")
        entry = answer_dict(entry, f"versions[{version!r}]", url)
        message = entry.get("deprecated")
        if message is not None and not isinstance(message, str | bool):
            raise AbandonmentError(f"{url}: deprecated must be text, not {kind_of(message)}")
        repository = npm_repository(entry.get("repository", doc.get("repository")))
        signals: tuple[Signal, ...] = ()
        if message:
            text = clean_text(message) if isinstance(message, str) else "(no message)"
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
        doc = answer_dict(decode_answer(body, url), "the document", url)
        info = answer_dict(doc.get("info") or {}, "info", url)
        releases = {
            str(key): release_files(value, f"releases[{key!r}]", url)
            for key, value in answer_dict(doc.get("releases"), "releases", url).items()
        }
        repository = pypi_repository(info, url)
        signals: list[Signal] = []
        installed = release_key(releases, version)
        if installed is None:
            note = f"version {version} is not on PyPI"
            return replace(found, outcome="not-found", note=note, repository=repository)
        files = releases[installed]
        if files and all(yanked for yanked, _, _ in files):
            reasons = sorted({reason for _, reason, _ in files if reason})
            detail = f"every file of {installed} is yanked" + (
                f": {clean_text('; '.join(reasons))}" if reasons else ""
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
        doc = answer_dict(decode_answer(body, url), "the document", url)
        marker = doc.get("project-status")
        if marker is None:
            return []
        marker = answer_dict(marker, "project-status", url)
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
        detail = f"PyPI marks the project {status}" + (f": {clean_text(reason)}" if reason else "")
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


def _fetch_error(failure: FetchFailure) -> AbandonmentError:
    if isinstance(failure, GaveUp):
        return AbandonmentError(str(failure), hint="nothing was stored; try again later")
    return AbandonmentError(str(failure))
