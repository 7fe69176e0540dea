"""Deciding whether a package version is affected by an OSV record, per the OSV rules.

For each ECOSYSTEM or SEMVER range the events are sorted by the ecosystem's own version order
and walked: `introduced` starts an affected span, `fixed` ends it (that version is fixed),
`last_affected` ends it after that version, and `limit` caps the whole range. GIT ranges are
kept but cannot be evaluated against a package version. An explicit `versions` list also
counts. Debian advisories name source packages; ecosystems with a release ("Debian:12",
"Alpine:v3.19") apply only to images of that release.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from auditapp.vulns.versions import InvalidVersion, VersionScheme
from auditapp.vulns.versions.registry import scheme_for_osv

_PEP503 = re.compile(r"[-_.]+")


def lookup_name(ecosystem_base: str, name: str) -> str:
    """The form of a package name used to look advisories up in one ecosystem."""
    if ecosystem_base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if ecosystem_base in ("npm", "Debian", "Ubuntu", "Alpine"):
        return name.lower()
    return name


@dataclass(frozen=True, slots=True)
class Target:
    """What to look up for one installed package: ecosystem, name, version, OS release."""

    ecosystem_base: str
    name: str
    version: str
    release: str = ""


_RPM_DISTROS = {
    "rhel": "Red Hat",
    "rocky": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "opensuse-leap": "openSUSE",
    "sles": "SUSE",
}


def target_for(
    purl_type: str,
    name: str,
    version: str,
    *,
    source_name: str = "",
    source_version: str = "",
    os_id: str = "",
    os_version: str = "",
) -> Target | None:
    """The OSV lookup for a package of purl type `purl_type`; None when OSV has no ecosystem."""
    found = lookup_of(purl_type, name, version, source_name, source_version, os_id, os_version)
    return None if found is None else Target(*found)


def lookup_of(
    purl_type: str,
    name: str,
    version: str,
    source_name: str = "",
    source_version: str = "",
    os_id: str = "",
    os_version: str = "",
) -> tuple[str, str, str, str] | None:
    """`target_for` as a plain (ecosystem, name, version, release) tuple, for inventories of
    tens of thousands of packages."""
    if purl_type == "pypi":
        return ("PyPI", lookup_name("PyPI", name), version, "")
    if purl_type == "npm":
        return ("npm", lookup_name("npm", name), version, "")
    if purl_type == "golang":
        return ("Go", name, version, "")
    if purl_type == "maven":
        return ("Maven", name, version, "")
    if purl_type == "deb":
        base = "Ubuntu" if os_id == "ubuntu" else "Debian"
        release = os_version if base == "Ubuntu" else os_version.split(".")[0]
        return (base, (source_name or name).lower(), source_version or version, release)
    if purl_type == "apk":
        parts = os_version.split(".")
        release = f"v{parts[0]}.{parts[1]}" if len(parts) >= 2 else ""
        return ("Alpine", (source_name or name).lower(), version, release)
    if purl_type == "rpm" and os_id in _RPM_DISTROS:
        return (_RPM_DISTROS[os_id], source_name or name, version, os_version.split(".")[0])
    return None


@dataclass(frozen=True)
class AffectedEntry:
    advisory_id: str
    ecosystem: str  # as written in the record
    ranges: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (type, ((kind, version)...))
    versions: tuple[str, ...]

    @property
    def release(self) -> str:
        return release_of(self.ecosystem)

    @staticmethod
    def from_row(
        advisory_id: str, ecosystem: str, ranges: list[Any], versions: list[Any]
    ) -> AffectedEntry:
        return AffectedEntry(
            advisory_id,
            ecosystem,
            tuple(
                (str(r["type"]), tuple((str(k), str(v)) for k, v in r["events"])) for r in ranges
            ),
            tuple(str(v) for v in versions),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    affected: bool
    fixed_versions: tuple[str, ...]  # fix versions of the ranges that hold this version
    unevaluable: str = ""  # why a range could not be evaluated (bad version strings)


_UNAFFECTED = Verdict(False, ())
_ORDERED = ("ECOSYSTEM", "SEMVER")  # GIT ranges name commits, not versions


@dataclass(frozen=True, slots=True)
class ParsedVersion:
    """An installed version read once by its scheme: its key, or why it is not a version."""

    text: str
    key: Any  # None when `error` says why the scheme refused the text
    error: str = ""


def parse_version(text: str, scheme: VersionScheme) -> ParsedVersion:
    try:
        return ParsedVersion(text, scheme.key(text))
    except InvalidVersion as error:
        return ParsedVersion(text, None, str(error))


class ListedVersions(Protocol):
    """An entry's explicit `versions`: a tuple, or anything that says whether it holds a
    string and lists its strings (the service reads them from JSON only when asked)."""

    def __contains__(self, version: object, /) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


# (range type, events as (kind, version) pairs): AffectedEntry.ranges, or the stored JSON's
Ranges = Sequence[tuple[str, Sequence[Sequence[str]]]]


def evaluate(entry: AffectedEntry, target: Target, scheme: VersionScheme) -> Verdict:
    """Is `target.version` affected by `entry`? With the nearest fix above it, if known."""
    return judge(
        entry.ranges,
        entry.versions,
        entry.release,
        parse_version(target.version, scheme),
        target.release,
        scheme,
    )


def judge(
    ranges: Ranges,
    versions: ListedVersions,
    entry_release: str,
    version: ParsedVersion,
    release: str,
    scheme: VersionScheme,
) -> Verdict:
    """`evaluate` on an entry's parts and a version parsed once for all the entries it meets.
    Allocates nothing unless the version is affected or a range cannot be read."""
    if entry_release and release and not _same_release(entry_release, release):
        return _UNAFFECTED
    key = version.key
    if key is None:
        return Verdict(False, (), version.error)
    problem = ""
    has_ranges = False
    for range_type, events in ranges:
        if range_type not in _ORDERED:
            continue
        has_ranges = True
        try:
            fix = _in_range(events, key, scheme)
        except InvalidVersion as error:
            problem = str(error)
            continue
        if fix is not None:
            return Verdict(True, fix)
    if _listed(versions, has_ranges, version.text, key, scheme):
        return Verdict(True, _nearest_fix(ranges, key, scheme))
    return Verdict(False, (), problem) if problem else _UNAFFECTED


def _listed(
    versions: ListedVersions, has_ranges: bool, text: str, key: Any, scheme: VersionScheme
) -> bool:
    """In the explicit `versions` list? The exact string first (the lists are written as the
    ecosystem writes versions); comparing by version order only when the entry has no ranges
    to go by, since parsing every listed version of every entry is the costly part."""
    if text in versions:
        return True
    if has_ranges:
        return False
    return any(_same(scheme, v, key) for v in versions)


def _nearest_fix(ranges: Ranges, version: Any, scheme: VersionScheme) -> tuple[str, ...]:
    fix_key: Any = None
    fix = ""
    for range_type, events in ranges:
        if range_type not in _ORDERED:
            continue
        for kind, value in events:
            if kind != "fixed":
                continue
            try:
                key = scheme.key(value)
            except InvalidVersion:
                continue
            if key > version and (
                fix_key is None or key < fix_key or (key == fix_key and value < fix)
            ):
                fix_key, fix = key, value
    return (fix,) if fix_key is not None else ()


def _in_range(
    events: Sequence[Sequence[str]], version: Any, scheme: VersionScheme
) -> tuple[str, ...] | None:
    """None when the range does not hold `version`, else the nearest fix above it (or ()).

    The OSV walk visits the events sorted by version (an `introduced: "0"` first, equal
    versions in the record's order): `introduced` at or below the version starts an affected
    span, `fixed` at or below it ends one, `last_affected` below it ends one. So the version is
    affected exactly when the last event that applies to it is an `introduced`, which one pass
    finds without sorting. Every version is read before anything is decided, as the walk
    would: a bad `limit` makes the range unreadable; a bad other event, for versions below
    the limits."""
    limit: Any = None
    for kind, value in events:
        if kind == "limit" and value != "*":
            key = scheme.key(value)
            if limit is None or key > limit:
                limit = key
    if limit is not None and not version < limit:
        return None
    zero_introduced = False
    last_kind = ""  # of the applying event with the highest (version, position)
    last_key: Any = None
    fix_key: Any = None
    fix = ""
    for kind, value in events:
        if kind == "limit":
            continue
        if kind == "introduced" and value == "0":
            zero_introduced = True
            continue
        key = scheme.key(value)
        if (kind == "last_affected" and version > key) or (
            version >= key and kind in ("introduced", "fixed")
        ):
            if not last_kind or not key < last_key:
                last_kind, last_key = kind, key
        elif kind == "fixed" and (
            fix_key is None or key < fix_key or (key == fix_key and value < fix)
        ):
            fix_key, fix = key, value
    if last_kind == "introduced" or (not last_kind and zero_introduced):
        return (fix,) if fix_key is not None else ()
    return None


def _same(scheme: VersionScheme, text: str, version: Any) -> bool:
    try:
        return bool(scheme.key(text) == version)
    except InvalidVersion:
        return False


def release_of(ecosystem: str) -> str:
    """The release of an OSV ecosystem such as "Debian:12" ("12"); "" when it has none."""
    parts = ecosystem.split(":")
    return parts[1] if len(parts) > 1 else ""


def _same_release(advisory: str, image: str) -> bool:
    return advisory.lstrip("v") == image.lstrip("v") or advisory.lstrip("v").startswith(
        image.lstrip("v") + "."
    )


def scheme_for(ecosystem_base: str) -> VersionScheme | None:
    return scheme_for_osv(ecosystem_base)
