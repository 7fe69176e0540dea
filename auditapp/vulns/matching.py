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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
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
    if purl_type == "pypi":
        return Target("PyPI", lookup_name("PyPI", name), version)
    if purl_type == "npm":
        return Target("npm", lookup_name("npm", name), version)
    if purl_type == "golang":
        return Target("Go", name, version)
    if purl_type == "maven":
        return Target("Maven", name, version)
    if purl_type == "deb":
        base = "Ubuntu" if os_id == "ubuntu" else "Debian"
        release = os_version if base == "Ubuntu" else os_version.split(".")[0]
        return Target(base, (source_name or name).lower(), source_version or version, release)
    if purl_type == "apk":
        parts = os_version.split(".")
        release = f"v{parts[0]}.{parts[1]}" if len(parts) >= 2 else ""
        return Target("Alpine", (source_name or name).lower(), version, release)
    if purl_type == "rpm" and os_id in _RPM_DISTROS:
        return Target(_RPM_DISTROS[os_id], source_name or name, version, os_version.split(".")[0])
    return None


@dataclass(frozen=True)
class AffectedEntry:
    advisory_id: str
    ecosystem: str  # as written in the record
    ranges: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (type, ((kind, version)...))
    versions: tuple[str, ...]

    @property
    def release(self) -> str:
        parts = self.ecosystem.split(":")
        return parts[1] if len(parts) > 1 else ""

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


@dataclass(frozen=True)
class Verdict:
    affected: bool
    fixed_versions: tuple[str, ...]  # fix versions of the ranges that hold this version
    unevaluable: str = ""  # why a range could not be evaluated (bad version strings)


def evaluate(entry: AffectedEntry, target: Target, scheme: VersionScheme) -> Verdict:
    """Is `target.version` affected by `entry`? With the nearest fix above it, if known."""
    release = entry.release
    if release and target.release and not _same_release(release, target.release):
        return Verdict(False, ())
    try:
        version = scheme.key(target.version)
    except InvalidVersion as error:
        return Verdict(False, (), str(error))
    problem = ""
    for range_type, events in entry.ranges:
        if range_type not in ("ECOSYSTEM", "SEMVER"):
            continue  # GIT ranges name commits, not versions
        try:
            hit, fixes = _in_range(events, version, scheme)
        except InvalidVersion as error:
            problem = str(error)
            continue
        if hit:
            return Verdict(True, fixes)
    if _listed(entry, target.version, version, scheme):
        return Verdict(True, _nearest_fix(entry, version, scheme))
    return Verdict(False, (), problem)


def _listed(entry: AffectedEntry, text: str, version: Any, scheme: VersionScheme) -> bool:
    """In the explicit `versions` list? The exact string first (the lists are written as the
    ecosystem writes versions); comparing by version order only when the entry has no ranges
    to go by, since parsing every listed version of every entry is the costly part."""
    if text in entry.versions:
        return True
    if any(kind in ("ECOSYSTEM", "SEMVER") for kind, _ in entry.ranges):
        return False
    return any(_same(scheme, v, version) for v in entry.versions)


def _nearest_fix(entry: AffectedEntry, version: Any, scheme: VersionScheme) -> tuple[str, ...]:
    fixes = []
    for range_type, events in entry.ranges:
        if range_type not in ("ECOSYSTEM", "SEMVER"):
            continue
        for kind, value in events:
            if kind != "fixed":
                continue
            try:
                key = scheme.key(value)
            except InvalidVersion:
                continue
            if key > version:
                fixes.append((key, value))
    return (min(fixes)[1],) if fixes else ()


def _in_range(
    events: Sequence[tuple[str, str]], version: Any, scheme: VersionScheme
) -> tuple[bool, tuple[str, ...]]:
    """(affected, the nearest fix above `version`) for one range."""
    limits = [scheme.key(v) for k, v in events if k == "limit" and v != "*"]
    if limits and not any(version < limit for limit in limits):
        return False, ()
    keyed = [
        (None if (kind == "introduced" and value == "0") else scheme.key(value), order, kind, value)
        for order, (kind, value) in enumerate(events)
        if kind != "limit"
    ]
    keyed.sort(key=_event_order)
    affected = False
    for key, _, kind, _value in keyed:
        if kind == "introduced" and (key is None or version >= key):
            affected = True
        elif (kind == "fixed" and version >= key) or (kind == "last_affected" and version > key):
            affected = False
    if not affected:
        return False, ()
    later_fixes = [
        (key, value)
        for key, _, kind, value in keyed
        if kind == "fixed" and key is not None and key > version
    ]
    return True, (min(later_fixes)[1],) if later_fixes else ()


def _event_order(event: tuple[Any, int, str, str]) -> tuple[Any, ...]:
    """Introduced "0" first; then by version; equal versions keep the record's order."""
    key, index = event[0], event[1]
    return (0,) if key is None else (1, key, index)


def _same(scheme: VersionScheme, text: str, version: Any) -> bool:
    try:
        return bool(scheme.key(text) == version)
    except InvalidVersion:
        return False


def _same_release(advisory: str, image: str) -> bool:
    return advisory.lstrip("v") == image.lstrip("v") or advisory.lstrip("v").startswith(
        image.lstrip("v") + "."
    )


def scheme_for(ecosystem_base: str) -> VersionScheme | None:
    return scheme_for_osv(ecosystem_base)
