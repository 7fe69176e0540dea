"""The OSV API (`/v1/querybatch`, `/v1/vulns/{id}`) through requests: opt-in, bounded, checked.

Nothing here runs at import or on its own: the session, base URL, timeout and size cap come in
through `OsvClient`. Every failure is an `OsvApiError` naming the URL and what to do instead.
https://google.github.io/osv.dev/api/
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from auditapp.errors import AuditappError
from auditapp.formats import strict_json
from auditapp.vulns.http_fetch import BadStatus, FetchFailure, TooLarge, fetch
from auditapp.vulns.osv import ID

DEFAULT_BASE_URL = "https://api.osv.dev"
MAX_BYTES = 32 * 1024 * 1024  # the API's own answer limit over HTTP/1.1
BATCH = 1000  # queries per querybatch request, the API's limit
MAX_PAGES = 100  # follow-up requests for one batch's page tokens before giving up
MAX_TOKEN = 10_000
_DUMP = "use `auditapp vulndb import` with a downloaded dump"
_OFFLINE = "check the network or the base URL, or " + _DUMP
_KEEP = "; the imported data stay as they were"
_TOO_BIG = "ask about fewer packages at once (--ecosystem), or " + _DUMP + _KEEP
_NOT_OSV = "is the base URL an OSV API? " + _OFFLINE + _KEEP


class OsvApiError(AuditappError):
    """The OSV API could not be asked, or answered something unusable; nothing was stored."""


@dataclass(frozen=True)
class Query:
    """One installed package version to ask about, named as OSV names it."""

    ecosystem: str  # "PyPI", "Debian:12", "Alpine:v3.19"
    name: str
    version: str


@dataclass(frozen=True)
class VulnRef:
    """An advisory a query matched, with its `modified` stamp (to skip what is already held)."""

    id: str
    modified: str


class OsvClient:
    """A client for one OSV API. POST /v1/querybatch is a pure query, so it is retried like GET.

    429 and 5xx answers, timeouts and broken connections are tried `tries` times, waiting
    `backoff`, then twice that (or the server's Retry-After), never more than `max_delay`; any
    other 4xx and redirects fail at once. `timeout` bounds connecting and each read; a whole
    body must arrive within four times it and be at most `max_bytes`.
    """

    def __init__(
        self,
        session: requests.Session,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30,
        max_bytes: int = MAX_BYTES,
        tries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        *,
        backoff: float = 1.0,
        max_delay: float = 30.0,
    ) -> None:
        if not re.match(r"https?://[^/?#\s]+(/[^?#\s]*)?\Z", base_url):
            raise OsvApiError(
                f"not an http(s) base URL: {base_url[:200]!r}",
                hint="give one like https://api.osv.dev",
            )
        if tries < 1 or timeout <= 0 or max_bytes < 1:
            raise ValueError("tries, timeout and max_bytes must be positive")
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.timeout, self.max_bytes, self.tries = timeout, max_bytes, tries
        self.sleep, self.backoff, self.max_delay = sleep, backoff, max_delay

    def query_batch(self, queries: Sequence[Query]) -> list[list[VulnRef]]:
        """The advisories matching each query, in the order of `queries`, every page followed."""
        found: list[list[VulnRef]] = []
        for start in range(0, len(queries), BATCH):
            found.extend(self._batch(queries[start : start + BATCH]))
        return found

    def get_vuln(self, identifier: str) -> bytes:
        """The whole OSV record of one advisory, as the API sent it (a JSON object of that id)."""
        if not isinstance(identifier, str) or not ID.match(identifier):
            raise OsvApiError(
                f"{self.base_url}: refused to ask for advisory {str(identifier)[:60]!r}: "
                "not an OSV id",
                hint=_NOT_OSV,
            )
        url = f"{self.base_url}/v1/vulns/{quote(identifier, safe='')}"
        body = self._send("GET", url, None)
        document = _decode(body, url)
        if not isinstance(document, dict):
            raise OsvApiError(
                f"{url}: expected a record object, got {_kind(document)}", hint=_NOT_OSV
            )
        if document.get("id") != identifier:
            got = str(document.get("id"))[:60]
            raise OsvApiError(
                f"{url}: answered record {got!r} instead of {identifier}", hint=_NOT_OSV
            )
        return body

    # ---- querybatch ----------------------------------------------------------------------------

    def _batch(self, queries: Sequence[Query]) -> list[list[VulnRef]]:
        url = f"{self.base_url}/v1/querybatch"
        found: list[list[VulnRef]] = [[] for _ in queries]
        pending: dict[int, str] = {}  # query index -> page token
        for page in range(MAX_PAGES + 1):
            indices = sorted(pending) if page else list(range(len(queries)))
            payload = {"queries": [_query_json(queries[i], pending.get(i, "")) for i in indices]}
            results = _results(_decode(self._send("POST", url, payload), url), url, len(indices))
            pending = {}
            for index, (refs, token) in zip(indices, results, strict=True):
                found[index].extend(refs)
                if token:
                    pending[index] = token
            if not pending:
                return found
        raise OsvApiError(
            f"{url}: still more pages after {MAX_PAGES} follow-up requests",
            hint="ask about fewer packages at once (--ecosystem)" + _KEEP,
        )

    # ---- transport -----------------------------------------------------------------------------

    def _send(self, method: str, url: str, payload: dict[str, Any] | None) -> bytes:
        """The body of a 200 answer; redirects are not followed (answers come from the base URL,
        nowhere else)."""
        return fetch(
            self.session,
            url,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            tries=self.tries,
            backoff=self.backoff,
            max_delay=self.max_delay,
            sleep=self.sleep,
            error=_fetch_error,
            method=method,
            payload=payload,
            redirects=0,
        ).body


def _fetch_error(failure: FetchFailure) -> OsvApiError:
    if isinstance(failure, TooLarge):
        return OsvApiError(str(failure), hint=_TOO_BIG)
    if isinstance(failure, BadStatus) and 300 <= failure.status < 400:
        return OsvApiError(
            f"{failure.url} redirected (HTTP {failure.status}) to {failure.location[:200]!r}; "
            "not followed",
            hint="give the API's own address as the base URL" + _KEEP,
        )
    return OsvApiError(str(failure), hint=_OFFLINE + _KEEP)


def _query_json(query: Query, token: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "package": {"ecosystem": query.ecosystem, "name": query.name},
        "version": query.version,
    }
    if token:
        document["page_token"] = token
    return document


def _results(document: object, url: str, expected: int) -> list[tuple[list[VulnRef], str]]:
    """(advisories, next page token) per query; anything off is an OsvApiError."""
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise OsvApiError(
            f"{url}: expected an object with a results list, got {_kind(document)}",
            hint=_NOT_OSV,
        )
    if len(results) != expected:
        raise OsvApiError(f"{url}: {len(results)} results for {expected} queries", hint=_NOT_OSV)
    parsed = []
    for index, result in enumerate(results):
        try:
            parsed.append(_result(result))
        except ValueError as error:
            raise OsvApiError(f"{url}: result #{index + 1}: {error}", hint=_NOT_OSV) from None
    return parsed


def _result(result: object) -> tuple[list[VulnRef], str]:
    if not isinstance(result, dict):
        raise ValueError(f"expected an object, got {_kind(result)}")
    vulns = result.get("vulns", [])
    token = result.get("next_page_token", "") or ""
    if not isinstance(vulns, list):
        raise ValueError(f"vulns must be a list, got {_kind(vulns)}")
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        raise ValueError("next_page_token must be short text")
    refs = []
    for vuln in vulns:
        identifier = vuln.get("id") if isinstance(vuln, dict) else None
        modified = vuln.get("modified", "") if isinstance(vuln, dict) else None
        if not isinstance(identifier, str) or not ID.match(identifier):
            raise ValueError(f"refused advisory id {str(identifier)[:60]!r}: not an OSV id")
        if not isinstance(modified, str) or len(modified) > 40:
            raise ValueError(f"advisory {identifier}: modified is not a timestamp")
        refs.append(VulnRef(identifier, modified))
    return refs, token


def _decode(body: bytes, url: str) -> object:
    try:
        return strict_json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise OsvApiError(
            f"{url} did not answer valid JSON: {str(error)[:200]}", hint=_NOT_OSV
        ) from None


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
