"""One bounded HTTP request with retries, shared by the online sources (package registries, the
lifecycle API, the OSV API). Each caller words the failures as its own exception.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


@dataclass(frozen=True)
class BadStatus:
    """An answer that is not asked for and not worth another try (a 4xx, an unfollowed 3xx)."""

    url: str
    status: int
    location: str = ""  # the Location header, for a redirect that was not followed

    def __str__(self) -> str:
        return f"{self.url} answered HTTP {self.status}"


@dataclass(frozen=True)
class TooLarge:
    """A body over the cap: as its Content-Length declared it, or (`declared` None) once read."""

    url: str
    cap: int
    declared: int | None = None

    def __str__(self) -> str:
        if self.declared is None:
            return f"{self.url}: answer is over the {self.cap} byte cap"
        return f"{self.url}: answer of {self.declared} bytes is over the {self.cap} byte cap"


@dataclass(frozen=True)
class OffHostRedirect:
    """A redirect to another scheme or host, which is never followed."""

    url: str
    target: str

    def __str__(self) -> str:
        return f"{self.url} redirects to {self.target[:200]}: not followed"


@dataclass(frozen=True)
class TooManyRedirects:
    url: str
    limit: int

    def __str__(self) -> str:
        return f"{self.url}: more than {self.limit} redirects"


@dataclass(frozen=True)
class GaveUp:
    """Every try met a 429, a 5xx, a timeout or a broken connection; `problem` is the last."""

    url: str
    problem: str  # e.g. "HTTP 503", "no answer within 20 s", "connection failed (SSLError)"
    tries: int

    def __str__(self) -> str:
        return f"{self.url}: {self.problem}, {self.tries} tries"


FetchFailure = BadStatus | TooLarge | OffHostRedirect | TooManyRedirects | GaveUp
# The caller's own exception for a failure (never a requests exception: those are retried).
ErrorFactory = Callable[[FetchFailure], Exception]


@dataclass(frozen=True)
class Answer:
    status: int  # 200, or one of the `absent` statuses
    body: bytes  # empty unless the status is 200


def fetch(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    tries: int,
    backoff: float,
    max_delay: float,
    sleep: Callable[[float], None],
    error: ErrorFactory,
    method: str = "GET",
    payload: dict[str, Any] | None = None,
    accept: str = "application/json",
    absent: Collection[int] = (),
    redirects: int | None = None,
) -> Answer:
    """The answer of `method url` (with `payload` as its JSON body): 200 or a status in `absent`.

    `timeout` bounds connecting and each read; a whole body must arrive within four times it and
    be at most `max_bytes`. 429 and 5xx answers, timeouts and broken connections are tried `tries`
    times, waiting `backoff`, then twice that (or the server's Retry-After in seconds), never more
    than `max_delay`. `redirects`: None lets requests follow them; 0 follows none (a 3xx is a
    BadStatus); n follows up to n, on the URL's own scheme and host only. Any other outcome
    raises `error(failure)`, always naming `url` as given.
    """
    problem = ""
    for attempt in range(1, tries + 1):
        wait: float | None = None
        try:
            reply = _once(
                session, url, method, payload, accept, timeout, max_bytes, redirects, error
            )
            status, wait = reply.status, reply.retry_after
            if status == 200 or status in absent:
                return Answer(status, reply.body)
            if status != 429 and status < 500:
                raise error(BadStatus(url, status, reply.location))
            problem = f"HTTP {status}"
        except requests.Timeout:
            problem = f"no answer within {timeout:g} s"
        except requests.RequestException as failure:
            problem = f"connection failed ({failure.__class__.__name__})"
        if attempt < tries:
            sleep(min(max_delay, wait if wait is not None else backoff * 2 ** (attempt - 1)))
    raise error(GaveUp(url, problem, tries))


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""  # of a 200
    retry_after: float | None = None
    location: str = ""


def _once(
    session: requests.Session,
    url: str,
    method: str,
    payload: dict[str, Any] | None,
    accept: str,
    timeout: float,
    max_bytes: int,
    redirects: int | None,
    error: ErrorFactory,
) -> _Reply:
    """One try, following redirects as `fetch` says; the body is read only for a 200."""
    current = url
    for _ in range((redirects or 0) + 1):
        with session.request(
            method,
            current,
            json=payload,
            timeout=timeout,
            stream=True,
            allow_redirects=redirects is None,
            headers={"Accept": accept},
        ) as response:
            status = response.status_code
            if redirects and status in _REDIRECTS:
                target = urljoin(current, response.headers.get("Location", ""))
                if urlsplit(target)[:2] != urlsplit(url)[:2]:
                    raise error(OffHostRedirect(url, target))
                current = target
                continue
            if status != 200:
                location = response.headers.get("Location", "")
                return _Reply(status, retry_after=_retry_after(response), location=location)
            return _Reply(status, _read_capped(response, url, max_bytes, timeout, error))
    raise error(TooManyRedirects(url, redirects or 0))


def _read_capped(
    response: requests.Response, url: str, max_bytes: int, timeout: float, error: ErrorFactory
) -> bytes:
    declared = _header_number(response, "Content-Length")
    if declared is not None and declared > max_bytes:
        raise error(TooLarge(url, max_bytes, declared))
    deadline = time.monotonic() + 4 * timeout
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise error(TooLarge(url, max_bytes))
        if time.monotonic() > deadline:
            raise requests.Timeout(f"{url}: answer took longer than {4 * timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _header_number(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,15}", value) else None


def _retry_after(response: requests.Response) -> float | None:
    seconds = _header_number(response, "Retry-After")  # the HTTP-date form is not honoured
    return None if seconds is None else float(seconds)
