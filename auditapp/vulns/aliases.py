"""One vulnerability, one row: advisories that name each other (CVE, GHSA, PYSEC, GO ...) merged.

Advisories found at one installed version that name each other, or share an alias, are one
vulnerability, shown under its most telling id (a CVE first) with every other id as an alias,
the worst severity of its advisories and the fixes they give for that version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditapp.vulns.severity import Severity

_PREFERENCE = ("CVE-", "GHSA-", "PYSEC-", "GO-", "RUSTSEC-", "DSA-", "DLA-", "USN-", "ALSA-")
# The prefixes all end at their only "-", so the text before an id's first "-" names its kind.
_RANKS = {prefix.rstrip("-"): rank for rank, prefix in enumerate(_PREFERENCE)}


@dataclass(frozen=True, slots=True)
class AdvisoryInfo:
    """What merging and reporting need of one stored advisory."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """Advisories merged by alias, found at one installed version."""

    id: str  # the representative id (a CVE when there is one)
    aliases: tuple[str, ...]  # every other id, sorted
    summary: str
    severity: Severity  # the worst of the advisories'
    fixed_versions: tuple[str, ...]


def id_rank(identifier: str) -> tuple[int, str]:
    """Which id represents a vulnerability: a CVE first, then GHSA ..., then by text."""
    kind, dash, _ = identifier.partition("-")
    return (_RANKS.get(kind, len(_PREFERENCE)) if dash else len(_PREFERENCE)), identifier


def alias_groups(found: Iterable[str], advisories: Mapping[str, AdvisoryInfo]) -> list[set[str]]:
    """The advisories of `found` that name each other (or share an alias), as groups in the
    order of their first advisory (union-find over every id and alias)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    present = [advisory for advisory in found if advisory in advisories]
    for advisory in present:
        for alias in advisories[advisory].aliases:
            parent[root(alias)] = root(advisory)
    groups: dict[str, set[str]] = {}
    for advisory in present:
        groups.setdefault(root(advisory), set()).add(advisory)
    return list(groups.values())


class AliasMerger:
    """Merges the advisories found at each of many installed versions, against one set of
    advisories. The alias graph of all of them is drawn once: at a version, advisories that
    form a whole connected part of it, or stand alone in theirs, are grouped without a search,
    and what a group shows besides its fixes is worked out once, however many versions it is
    found at. Versions that hold only part of a connected part get `alias_groups`."""

    def __init__(self, advisories: Mapping[str, AdvisoryInfo]) -> None:
        self._advisories = advisories
        self._part: dict[str, int] = {}  # advisory id -> its connected part of the graph
        self._size: dict[int, int] = {}  # part -> how many advisories are in it
        for number, group in enumerate(alias_groups(advisories, advisories)):
            self._size[number] = len(group)
            for advisory in group:
                self._part[advisory] = number
        self._shown: dict[frozenset[str], tuple[str, tuple[str, ...], str, Severity]] = {}

    def vulnerabilities(self, found: Mapping[str, tuple[str, ...]]) -> list[Vulnerability]:
        """One per group of the advisories in `found` (id -> fixes for this version)."""
        parts: dict[int, list[str]] = {}
        for advisory in found:
            part = self._part.get(advisory)
            if part is not None:
                parts.setdefault(part, []).append(advisory)
        groups: Iterable[Sequence[str] | set[str]] = parts.values()
        if any(1 < len(group) < self._size[part] for part, group in parts.items()):
            groups = alias_groups(found, self._advisories)
        return [self._merged(group, found) for group in groups]

    def _merged(
        self, group: Sequence[str] | set[str], found: Mapping[str, tuple[str, ...]]
    ) -> Vulnerability:
        key = frozenset(group)
        shown = self._shown.get(key)
        if shown is None:
            advisories = self._advisories
            ids = set(group) | {alias for a in group for alias in advisories[a].aliases}
            representative = min(ids, key=id_rank)
            summary = next(
                (advisories[a].summary for a in sorted(group) if advisories[a].summary), ""
            )
            shown = self._shown[key] = (
                representative,
                tuple(sorted(ids - {representative})),
                summary,
                min((advisories[a].severity for a in group), key=_worst_first),
            )
        representative, aliases, summary, severity = shown
        # One advisory with at most one fix (most groups) has its fixes in order already.
        fixes = found[next(iter(group))] if len(group) == 1 else ()
        if len(group) > 1 or len(fixes) > 1:
            fixes = tuple(sorted({fix for a in group for fix in found[a]}))
        return Vulnerability(representative, aliases, summary, severity, fixes)


def _worst_first(severity: Severity) -> tuple[int, float, str]:
    """Most severe first; among equal ratings the higher score, and a score beats none
    (comparing the dataclasses would compare a score with None)."""
    return (
        severity.rank,
        -(severity.score if severity.score is not None else -1.0),
        severity.vector,
    )
