"""Opt-in refresh of lifecycle data from an endoflife.date-compatible API, and the cache through
which an offline run uses the last refresh and says how old it is.

Nothing here runs at import or on its own: the caller passes the session, base URL, timeout and
cache path. A refresh returns everything or raises `LifecycleError`; it never half-applies.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from auditapp.formats import strict_json
from auditapp.vulns.http_fetch import BadStatus, FetchFailure, TooLarge, fetch
from auditapp.vulns.lifecycle import (
    Cycle,
    End,
    LifecycleData,
    LifecycleError,
    cycle_from_record,
    date_order_problem,
    parse_day,
    parse_end,
)

DEFAULT_BASE_URL = "https://endoflife.date"
MAX_BYTES = 2 * 1024 * 1024  # a real product answer is a few kilobytes
MAX_CYCLES = 1000
TRIES = 3
CACHE_FORMAT = 1
MAX_CACHE_BYTES = 32 * 1024 * 1024
_KEEP_OFFLINE = "the shipped or cached lifecycle data stay in use"
_PRODUCT = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}\Z")
_CYCLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}\Z")


def refresh_from_api(
    session: requests.Session,
    base_url: str,
    products: Sequence[str],
    timeout: float,
    *,
    max_bytes: int = MAX_BYTES,
    backoff: float = 1.0,
    max_delay: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[Cycle]]:
    """Cycles of each endoflife.date product (`GET {base_url}/api/{product}.json`), all validated.

    `timeout` bounds connecting and each read; the whole body must arrive within four times it.
    429 and 5xx answers, timeouts and broken connections are tried `TRIES` times, waiting
    `backoff`, then twice that (or the server's Retry-After), never more than `max_delay`.
    """
    if not re.match(r"https?://[^/?#\s]+", base_url):
        raise LifecycleError(f"not an http(s) base URL: {base_url[:200]!r}")
    fetched: dict[str, list[Cycle]] = {}
    for product in products:
        if not _PRODUCT.match(product):
            raise LifecycleError(f"not an endoflife.date product name: {product[:100]!r}")
        url = f"{base_url.rstrip('/')}/api/{product}.json"
        answer = fetch(
            session,
            url,
            timeout=timeout,
            max_bytes=max_bytes,
            tries=TRIES,
            backoff=backoff,
            max_delay=max_delay,
            sleep=sleep,
            error=_fetch_error,
        )
        fetched[product] = parse_cycles(_decode(answer.body, url), url)
    return fetched


def _fetch_error(failure: FetchFailure) -> LifecycleError:
    if isinstance(failure, TooLarge):
        if failure.declared is None:
            return LifecycleError(str(failure))
        return LifecycleError(
            f"{failure.url}: answer of {failure.declared} bytes is over the {failure.cap} cap"
        )
    if isinstance(failure, BadStatus) and failure.status == 404:
        hint = "is this a product name the API knows? " + _KEEP_OFFLINE
        return LifecycleError(str(failure), hint=hint)
    return LifecycleError(str(failure), hint=_KEEP_OFFLINE)


def _decode(body: bytes, url: str) -> object:
    try:
        return strict_json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise LifecycleError(f"{url} did not answer valid JSON: {str(error)[:200]}") from None


def parse_cycles(payload: object, url: str) -> list[Cycle]:
    """Release cycles from one endoflife.date API answer; anything off is a LifecycleError."""
    if not isinstance(payload, list):
        raise LifecycleError(f"{url}: expected a list of release cycles, got {_kind(payload)}")
    if not 1 <= len(payload) <= MAX_CYCLES:
        raise LifecycleError(f"{url}: {len(payload)} release cycles (1 to {MAX_CYCLES} expected)")
    cycles: list[Cycle] = []
    for index, item in enumerate(payload):
        try:
            cycles.append(_api_cycle(item))
        except ValueError as error:
            raise LifecycleError(f"{url}: release cycle #{index + 1}: {error}") from None
    names = [cycle.cycle for cycle in cycles]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise LifecycleError(f"{url}: release cycles listed twice: {duplicates[:5]}")
    return cycles


def _api_cycle(item: object) -> Cycle:
    if not isinstance(item, dict):
        raise ValueError(f"expected an object, got {_kind(item)}")
    name = item.get("cycle")
    if isinstance(name, bool) or not isinstance(name, str | int):
        raise ValueError(f"cycle must be text, got {_kind(name)}")
    if not _CYCLE.match(str(name)):
        raise ValueError(f"cycle {str(name)[:40]!r} is not a release name")
    eol = parse_end(item.get("eol"), "eol")
    if eol is None:
        raise ValueError(f"cycle {name}: eol is missing")
    # endoflife.date: support true = still actively supported; extendedSupport true = an
    # extended programme runs with no end given, false = there is none; lts may be the day a
    # line became LTS.
    support = parse_end(item.get("support"), "support")
    extended = parse_end(item.get("extendedSupport"), "extendedSupport")
    lts, codename = item.get("lts"), item.get("codename")
    if not isinstance(lts, bool) and lts is not None:
        parse_day(lts, "lts")
    if codename is not None and (not isinstance(codename, str) or len(codename) > 100):
        raise ValueError(f"cycle {name}: codename must be short text")
    cycle = Cycle(
        cycle=str(name),
        eol=eol,
        release=parse_day(item.get("releaseDate"), "releaseDate"),
        support=(not support) if isinstance(support, bool) else support,
        extended=None if extended is False else (False if extended is True else extended),
        codename=codename or "",
        lts=lts is True or isinstance(lts, str),
    )
    if problem := date_order_problem(cycle):
        raise ValueError(f"cycle {cycle.cycle}: {problem}")
    return cycle


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


# ---- cache -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedCycles:
    """A saved refresh: the cycles per API product, when they were fetched and from where."""

    cycles: Mapping[str, list[Cycle]]
    fetched_at: datetime
    source: str

    def age(self, now: datetime) -> timedelta:
        return now - self.fetched_at

    def apply(self, data: LifecycleData) -> LifecycleData:
        """`data` with these cycles laid over it, each status naming this source and date."""
        fetched = self.fetched_at.astimezone(UTC)
        source = f"{self.source or 'lifecycle API'} (fetched {fetched:%Y-%m-%d %H:%M} UTC)"
        return refreshed(data, self.cycles, source, fetched.date())


def api_products(data: LifecycleData) -> list[str]:
    """The endoflife.date product names to ask an API for."""
    return sorted({p.api for p in data.products.values() if p.api and not p.follows})


def refreshed(
    data: LifecycleData, cycles: Mapping[str, Sequence[Cycle]], source: str, as_of: date
) -> LifecycleData:
    """`data` with the cycles of every product the API returned (keyed by API name) replaced.
    Paid-programme dates, which the API does not carry, are kept from the replaced cycle."""
    products = dict(data.products)
    for key, product in data.products.items():
        fresh = cycles.get(product.api) if product.api and not product.follows else None
        if fresh is None:
            continue
        old = {c.cycle: c.commercial for c in product.cycles}
        merged = tuple(replace(c, commercial=c.commercial or old.get(c.cycle)) for c in fresh)
        products[key] = replace(product, cycles=merged, source=source, data_as_of=as_of)
    return LifecycleData(products)


def save_cache(
    cycles: Mapping[str, Sequence[Cycle]],
    path: Path,
    *,
    fetched_at: datetime | None = None,
    source: str = "",
) -> None:
    """Write a refresh to `path` atomically: the previous cache stays whole if this fails."""
    when = (fetched_at or datetime.now(UTC)).astimezone(UTC)
    document = {
        "format": CACHE_FORMAT,
        "fetched_at": when.isoformat(),
        "source": source,
        "products": {name: [_to_json(c) for c in cs] for name, cs in cycles.items()},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=1)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise LifecycleError(f"cannot write lifecycle cache {path}: {error}") from error


def load_cache(path: Path) -> CachedCycles:
    """A cache written by `save_cache`; a damaged or foreign file is a LifecycleError."""
    try:
        if path.stat().st_size > MAX_CACHE_BYTES:
            raise ValueError(f"over {MAX_CACHE_BYTES} bytes")
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
            raise ValueError(f"not a format {CACHE_FORMAT} lifecycle cache")
        fetched_at = datetime.fromisoformat(document["fetched_at"])
        source, products = document.get("source", ""), document["products"]
        if fetched_at.tzinfo is None or not isinstance(source, str):
            raise ValueError("fetched_at needs a time zone, source must be text")
        if not isinstance(products, dict):
            raise ValueError("products must be an object")
        cycles = {
            str(name): [cycle_from_record(c, f"product {name}") for c in items]
            for name, items in products.items()
        }
    except (OSError, UnicodeDecodeError) as error:
        raise LifecycleError(f"cannot read lifecycle cache {path}: {error}") from error
    except (KeyError, TypeError, ValueError, RecursionError) as error:
        raise LifecycleError(
            f"lifecycle cache {path} is damaged: {str(error)[:200]}",
            hint="refresh it again; " + _KEEP_OFFLINE,
        ) from None
    return CachedCycles(cycles, fetched_at, source)


def _json_end(value: End | None) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _to_json(cycle: Cycle) -> dict[str, Any]:
    return {
        "cycle": cycle.cycle,
        "release": _json_end(cycle.release),
        "support": _json_end(cycle.support),
        "eol": _json_end(cycle.eol),
        "extended": _json_end(cycle.extended),
        "commercial": _json_end(cycle.commercial),
        "codename": cycle.codename,
        "lts": cycle.lts,
        "uncertain": cycle.uncertain,
    }
