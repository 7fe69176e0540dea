"""End of life of the operating systems and language runtimes in an image, from dated data shipped
in resources/lifecycle (PCI DSS 12.3.4: do these technologies still receive fixes?).

The online refresh (lifecycle_online) lays `Cycle`s of the same shape over the shipped data, so
every status says which data it came from and how old it is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal, Protocol

from auditapp.errors import AuditappError
from auditapp.resources import resource_path

# Runtime detection lives in runtimes.py; its public names are still importable from here.
from auditapp.vulns.runtimes import PackageFacts as PackageFacts
from auditapp.vulns.runtimes import cycle_key
from auditapp.vulns.runtimes import detect_runtimes as detect_runtimes
from auditapp.vulns.runtimes import runtime_cycle as runtime_cycle

State = Literal["supported", "security-only", "extended-support", "end-of-life", "unknown"]
# When a phase ends: on that day (the day itself still counts); True: it has ended on a day the
# source does not give; False: it goes on, no end announced.
End = date | bool
RUNTIME_KINDS = ("python", "node", "go", "java")
# Dates outside this range are typing errors or hostile input, not lifecycles.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


class LifecycleError(AuditappError):
    """Lifecycle data that cannot be read, fetched or trusted."""


# What is read of the catalog's OsRelease; vulns does not import catalog (layers).
class OsReleaseFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def version_id(self) -> str: ...
    @property
    def pretty_name(self) -> str: ...


@dataclass(frozen=True)
class Cycle:
    """One release line ("12", "22.04", "3.19", "1.22") and when each support phase ends.

    `support`: end of full/active support (None: no separate phase, full support lasts to `eol`);
    `eol`: end of the vendor's regular security support; `extended`: end of the product's
    extended programme (Debian LTS, Ubuntu ESM, RHEL ELS), None when there is none;
    `commercial`: end of a paid programme beyond that (Freexian ELTS), shown but never counted.
    """

    cycle: str
    eol: End
    release: date | None = None
    support: End | None = None
    extended: End | None = None
    commercial: date | None = None
    codename: str = ""
    lts: bool = False
    uncertain: bool = False


@dataclass(frozen=True)
class Product:
    """A distribution or runtime, how os-release names it, and what its phases are called."""

    id: str
    name: str
    source: str
    data_as_of: date
    cycles: tuple[Cycle, ...] = ()
    api: str = ""  # the endoflife.date product name
    os_ids: tuple[str, ...] = ()
    pretty_name_contains: str = ""  # told apart from another product with the same os-release ID
    follows: str = ""  # takes its cycles from that product (distroless follows Debian)
    version_parts: int = 2  # VERSION_ID "3.19.1" with 2 parts is cycle "3.19"
    ordered: bool = True  # cycles are one number line, so an older cycle than all is past its end
    support_label: str = "full support"
    eol_label: str = "security support"
    extended_label: str = "extended support"
    commercial_label: str = "paid extended support"


@dataclass(frozen=True)
class LifecycleData:
    products: Mapping[str, Product]

    @property
    def data_as_of(self) -> date:
        return min(product.data_as_of for product in self.products.values())


@dataclass(frozen=True)
class LifecycleStatus:
    """Where a product's release stands on `today`. `eol` ends regular security support;
    `days_left` counts to it (negative once past); `note` says which phase and until when."""

    product: str
    cycle: str
    eol: date | None
    extended_until: date | None
    state: State
    days_left: int | None
    source: str
    data_as_of: date
    note: str = ""
    uncertain: bool = False


# ---- status ------------------------------------------------------------------------------------


def os_status(
    os_release: OsReleaseFacts, today: date, data: LifecycleData | None = None
) -> LifecycleStatus:
    """The lifecycle state of an image's distribution release; "unknown" (never "supported")
    for a distribution, release or development branch the data does not know."""
    data = shipped_data() if data is None else data
    product = _os_product(data, os_release)
    version = os_release.version_id
    if product is None:
        note = f"no lifecycle data for distribution {os_release.id!r}"
        return _unknown(os_release.id or "unknown", version, data, note)
    if not version or re.search(r"alpha|beta|rc\d|_rc|~rc", version, re.IGNORECASE):
        note = "no release number: a testing or development branch has no lifecycle"
        return _unknown(product.id, version, data, note)
    return _status(data, product, version, today)


def runtime_status(
    kind: str, version: str, today: date, data: LifecycleData | None = None
) -> LifecycleStatus:
    """The upstream lifecycle state of a language runtime ("python", "node", "go", "java") at
    `version` ("3.11.2", "v1.22.1", "8u392", "1.8.0.392", "20.11.0")."""
    data = shipped_data() if data is None else data
    product = data.products.get(kind)
    if kind not in RUNTIME_KINDS or product is None:
        return _unknown(kind, version, data, f"no lifecycle data for runtime {kind!r}")
    return _status(data, product, version, today)


def _os_product(data: LifecycleData, os_release: OsReleaseFacts) -> Product | None:
    os_id, pretty = os_release.id.lower(), os_release.pretty_name.lower()
    matching = [
        p
        for p in data.products.values()
        if os_id in p.os_ids
        and (not p.pretty_name_contains or p.pretty_name_contains in pretty or os_id == p.id)
    ]
    # A product told apart by its PRETTY_NAME is the more specific match.
    matching.sort(key=lambda product: not product.pretty_name_contains)
    return matching[0] if matching else None


def _status(data: LifecycleData, product: Product, version: str, today: date) -> LifecycleStatus:
    base = data.products.get(product.follows, product)
    if product.id in RUNTIME_KINDS:
        key = runtime_cycle(product.id, version)
    else:
        key = cycle_key(version, product.version_parts)
    source = product.source if base is product else f"{product.source}; {base.source}"
    note = "" if base is product else f"follows {base.name} {key}; "
    status = LifecycleStatus(
        product.id, key or version, None, None, "unknown", None, source, base.data_as_of, note
    )
    cycle = next((c for c in base.cycles if c.cycle == key), None)
    if cycle is None and key and (later := _ended_successor(base, key, today)):
        ended = _state(later, today) == "end-of-life"
        why = "which has reached its end of life" if ended else "the oldest release in the data"
        note += f"older than {base.name} {later.cycle}, {why}"
        return replace(status, state="end-of-life", note=note)
    if cycle is None:
        return replace(status, note=f"{note}no lifecycle data for {base.name} {key or version!r}")
    state = _state(cycle, today)
    eol = cycle.eol if isinstance(cycle.eol, date) else None
    note += _note(base, cycle, state, today)
    if cycle.uncertain:
        note += " (some dates of this release are uncertain: check the source)"
    return replace(
        status,
        eol=eol,
        state=state,
        note=note,
        uncertain=cycle.uncertain,
        extended_until=cycle.extended if isinstance(cycle.extended, date) else None,
        days_left=(eol - today).days if eol else None,
    )


def _unknown(product: str, version: str, data: LifecycleData, note: str) -> LifecycleStatus:
    return LifecycleStatus(product, version, None, None, "unknown", None, "", data.data_as_of, note)


def _over(end: End | None, today: date) -> bool:
    return end if isinstance(end, bool) else end is not None and today > end


def _state(cycle: Cycle, today: date) -> State:
    if not _over(cycle.eol, today):
        return "security-only" if _over(cycle.support, today) else "supported"
    if cycle.extended is not None and not _over(cycle.extended, today):
        return "extended-support"
    return "end-of-life"


def _when(end: End | None, ongoing: str) -> str:
    if isinstance(end, date):
        return f"{ongoing} {end.isoformat()}" if ongoing == "until" else f"ended {end.isoformat()}"
    return "ended" if end else "no end announced"


def _note(product: Product, cycle: Cycle, state: State, today: date) -> str:
    if state == "supported" and cycle.support is not None:
        return f"{product.support_label} {_when(cycle.support, 'until')}"
    if state in ("supported", "security-only"):
        return f"{product.eol_label} {_when(cycle.eol, 'until')}"
    note = f"{product.eol_label} {_when(cycle.eol, 'ended')}"
    if cycle.extended is not None:
        phase = "until" if state == "extended-support" else "ended"
        note += f"; {product.extended_label} {_when(cycle.extended, phase)}"
    if state == "end-of-life" and cycle.commercial and cycle.commercial >= today:
        note += f"; {product.commercial_label} until {cycle.commercial.isoformat()}"
    return note


def _number(cycle: str) -> tuple[int, ...]:
    return tuple(int(part) for part in cycle.split("."))


def _ended_successor(product: Product, key: str, today: date) -> Cycle | None:
    """For a release missing from the data: the oldest later release that is already past all
    its support (or the oldest release in the data), since releases end in order."""
    numbered = r"\d+(?:\.\d+)*"
    if not product.ordered or not re.fullmatch(numbered, key):
        return None
    known = sorted(
        (c for c in product.cycles if re.fullmatch(numbered, c.cycle)),
        key=lambda c: _number(c.cycle),
    )
    later = [c for c in known if _number(c.cycle) > _number(key)]
    if later and (later[0] is known[0] or _state(later[0], today) == "end-of-life"):
        return later[0]
    return None


# ---- shipped data ------------------------------------------------------------------------------


@cache
def shipped_data() -> LifecycleData:
    """The lifecycle data shipped with auditapp, read once."""
    return load_lifecycle_data(
        [resource_path("lifecycle", "os.toml"), resource_path("lifecycle", "runtimes.toml")]
    )


def load_lifecycle_data(paths: Iterable[Path]) -> LifecycleData:
    """Products from lifecycle TOML files; any malformed entry is a LifecycleError naming the
    file, so bad data never yields a quiet "supported"."""
    products: dict[str, Product] = {}
    for path in paths:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            as_of = parse_day(raw.get("data_as_of"), "data_as_of")
            entries = raw.get("products")
            if as_of is None or not isinstance(entries, dict):
                raise ValueError("data_as_of and [products] are required")
            for key, entry in entries.items():
                if key in products:
                    raise ValueError(f"product {key!r} is defined twice")
                products[key] = _product(key, entry, as_of)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise LifecycleError(f"cannot read lifecycle data {path}: {error}") from error
        except (TypeError, ValueError) as error:
            raise LifecycleError(f"invalid lifecycle data in {path}: {error}") from error
    for product in products.values():
        if product.follows and product.follows not in products:
            raise LifecycleError(f"{product.id} follows unknown product {product.follows!r}")
    return LifecycleData(products)


def _product(key: str, entry: object, as_of: date) -> Product:
    if not isinstance(entry, dict) or not isinstance(entry.get("cycles", []), list):
        raise ValueError(f"product {key!r} must be a table with a list of cycles")
    cycles = tuple(cycle_from_record(c, key) for c in entry.get("cycles", []))
    settings = {name: value for name, value in entry.items() if name != "cycles"}
    if not isinstance(entry.get("os_ids", []), list):
        raise ValueError(f"product {key!r}: os_ids must be a list")
    settings["os_ids"] = tuple(entry.get("os_ids", []))
    product = Product(id=key, data_as_of=as_of, cycles=cycles, **settings)  # TypeError if unknown
    for field in fields(Product):
        expected = {"str": str, "int": int, "bool": bool}.get(str(field.type))
        if expected and type(getattr(product, field.name)) is not expected:
            raise ValueError(f"product {key!r}: {field.name} must be {expected.__name__}")
    names = [c.cycle for c in cycles]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"product {key!r}: cycles defined twice: {duplicates}")
    if not all(isinstance(i, str) for i in product.os_ids) or not 1 <= product.version_parts <= 3:
        raise ValueError(f"product {key!r}: os_ids must be text, version_parts 1 to 3")
    if not cycles and not product.follows:
        raise ValueError(f"product {key!r} has no cycles")
    return product


_CYCLE_KEYS = {
    "cycle",
    "codename",
    "release",
    "support",
    "eol",
    "extended",
    "commercial",
    "lts",
    "uncertain",
}


def cycle_from_record(record: object, where: str) -> Cycle:
    """A Cycle from a TOML table or a cached JSON object (dates as dates or "YYYY-MM-DD");
    ValueError saying what is wrong, for wrong keys, types, impossible dates or date order."""
    if not isinstance(record, dict) or not isinstance(record.get("cycle"), str):
        raise ValueError(f"{where}: a cycle must be a table with a cycle name")
    where = f"{where} {record['cycle'][:40]}"
    if unknown := set(record) - _CYCLE_KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)[:5]}")
    flags = (record.get("lts", False), record.get("uncertain", False))
    codename = record.get("codename", "")
    if not all(isinstance(f, bool) for f in flags) or not isinstance(codename, str):
        raise ValueError(f"{where}: lts and uncertain must be true or false, codename text")
    eol = parse_end(record.get("eol"), f"{where} eol")
    if eol is None:
        raise ValueError(f"{where}: eol is missing")
    cycle = Cycle(
        cycle=record["cycle"],
        eol=eol,
        release=parse_day(record.get("release"), f"{where} release"),
        support=parse_end(record.get("support"), f"{where} support"),
        extended=parse_end(record.get("extended"), f"{where} extended"),
        commercial=parse_day(record.get("commercial"), f"{where} commercial"),
        codename=codename[:100],
        lts=flags[0],
        uncertain=flags[1],
    )
    if problem := date_order_problem(cycle):
        raise ValueError(f"{where}: {problem}")
    return cycle


def date_order_problem(cycle: Cycle) -> str | None:
    """Why a cycle's dates cannot be right (a phase ending before an earlier one), or None."""
    phases = ("release", "support", "eol", "extended", "commercial")
    dated = [(p, getattr(cycle, p)) for p in phases if isinstance(getattr(cycle, p), date)]
    for (first, early), (second, late) in pairwise(dated):
        if late < early:
            return f"{second} {late.isoformat()} is before {first} {early.isoformat()}"
    return None


def parse_day(value: object, what: str) -> date | None:
    """A date (or "YYYY-MM-DD") between EARLIEST and LATEST; None stays None."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a calendar date") from None
    if value is not None and (type(value) is not date or not EARLIEST <= value <= LATEST):
        shown = value.isoformat() if isinstance(value, date) else type(value).__name__
        raise ValueError(f"{what} must be a date from {EARLIEST} to {LATEST}, not {shown}")
    return value


def parse_end(value: object, what: str) -> End | None:
    return value if isinstance(value, bool) else parse_day(value, what)
