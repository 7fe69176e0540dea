"""Known vulnerabilities of the audit's inventory: matched, merged across aliases, rated.

Matching runs on demand against the imported data (fast enough for tens of thousands of
packages), so a fresher import shows at once; each result says how old its data is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from auditapp.services.vulndb import EcosystemStatus, status
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Advisory, Affected, Component, Image, Package, VexStatement
from auditapp.vulns.matching import AffectedEntry, Target, evaluate, scheme_for, target_for
from auditapp.vulns.severity import RATINGS, Severity, severity_of

CHUNK = 400
_PREFERENCE = ("CVE-", "GHSA-", "PYSEC-", "GO-", "RUSTSEC-", "DSA-", "DLA-", "USN-", "ALSA-")


@dataclass(frozen=True)
class VulnView:
    id: str  # the representative id (a CVE when there is one)
    aliases: tuple[str, ...]  # every other id of the same vulnerability
    summary: str
    severity: str  # critical, high, medium, low, none, unknown
    score: float | None
    vector: str
    ecosystem: str
    package: str
    version: str
    purl: str
    fixed_versions: tuple[str, ...]
    fix_available: bool
    image: str
    components: tuple[str, ...]
    path: str
    disposition: str  # VEX status, "" when nobody decided yet
    data_age_days: int | None


@dataclass(frozen=True)
class VulnReport:
    vulns: tuple[VulnView, ...]
    freshness: tuple[EcosystemStatus, ...]
    unevaluable: int  # package versions or ranges the ecosystem's rules could not read


def list_vulns(
    ws: Workspace,
    caller: Caller,
    *,
    component: str | None = None,
    minimum: str | None = None,
    fixable: bool = False,
    max_age_days: int = 7,
) -> VulnReport:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        found, unevaluable = _match_audit(session, audit.id)
        dispositions = {
            (v.purl, v.vuln_id): v.status
            for v in session.scalars(select(VexStatement).where(VexStatement.audit_id == audit.id))
        }
    freshness = {s.ecosystem: s for s in status(ws, max_age_days=max_age_days)}
    views = []
    for view in found:
        age = freshness.get(view.ecosystem)
        disposition = next(
            (
                dispositions[(view.purl, i)]
                for i in (view.id, *view.aliases)
                if (view.purl, i) in dispositions
            ),
            "",
        )
        views.append(
            replace(view, disposition=disposition, data_age_days=age.age_days if age else None)
        )
    if component is not None:
        views = [v for v in views if component in v.components]
    if minimum is not None:
        views = [v for v in views if RATINGS.index(v.severity) <= RATINGS.index(minimum)]
    if fixable:
        views = [v for v in views if v.fix_available]
    views.sort(key=lambda v: (RATINGS.index(v.severity), -(v.score or 0), v.package, v.id))
    return VulnReport(tuple(views), tuple(freshness.values()), unevaluable)


@dataclass(frozen=True)
class _Installed:
    package: Package
    image: Image
    target: Target


def _match_audit(session: Session, audit_id: int) -> tuple[list[VulnView], int]:
    images = {i.id: i for i in session.scalars(select(Image).where(Image.audit_id == audit_id))}
    components = list(session.scalars(select(Component).where(Component.audit_id == audit_id)))
    installed: list[_Installed] = []
    for package in session.scalars(select(Package).where(Package.image_id.in_(images))):
        image = images[package.image_id]
        target = target_for(
            package.ecosystem,
            package.name,
            package.version,
            source_name=package.source_name,
            source_version=package.source_version,
            os_id=image.os_id,
            os_version=image.os_version,
        )
        if target is not None:
            installed.append(_Installed(package, image, target))
    keys = sorted({(i.target.ecosystem_base, i.target.name) for i in installed})
    entries = _affected(session, keys)
    hits: dict[int, dict[str, tuple[str, ...]]] = defaultdict(dict)
    unevaluable = 0
    for item in installed:
        scheme = scheme_for(item.target.ecosystem_base)
        if scheme is None:
            continue
        for entry in entries.get((item.target.ecosystem_base, item.target.name), ()):
            verdict = evaluate(entry, item.target, scheme)
            unevaluable += bool(verdict.unevaluable)
            if verdict.affected:
                hits[id(item)][entry.advisory_id] = verdict.fixed_versions
    advisories = _advisories(session, {a for found in hits.values() for a in found})
    views = []
    for item in installed:
        found = hits.get(id(item))
        if not found:
            continue
        for group in _alias_groups(found, advisories):
            views.append(_view(item, group, found, advisories, components))
    return views, unevaluable


def _affected(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[AffectedEntry]]:
    entries: dict[tuple[str, str], list[AffectedEntry]] = defaultdict(list)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = session.execute(
            select(
                Affected.ecosystem_base,
                Affected.name,
                Affected.advisory_id,
                Affected.ecosystem,
                Affected.ranges,
                Affected.versions,
            )
            .join(Advisory, Advisory.id == Affected.advisory_id)
            .where(tuple_(Affected.ecosystem_base, Affected.name).in_(chunk))
            .where(Advisory.withdrawn == "")
        )
        for base, name, advisory, ecosystem, ranges, versions in rows:
            entries[(base, name)].append(
                AffectedEntry.from_row(
                    advisory, ecosystem, json.loads(ranges), json.loads(versions)
                )
            )
    return entries


@dataclass(frozen=True)
class _Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity


def _advisories(session: Session, ids: Iterable[str]) -> dict[str, _Advisory]:
    found: dict[str, _Advisory] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(
                Advisory.id,
                Advisory.aliases,
                Advisory.summary,
                Advisory.severity,
                Advisory.database_severity,
            ).where(Advisory.id.in_(wanted[start : start + CHUNK]))
        )
        for identifier, aliases, summary, vectors, rating in rows:
            found[identifier] = _Advisory(
                identifier,
                tuple(json.loads(aliases)),
                summary,
                severity_of([tuple(v) for v in json.loads(vectors)], rating),
            )
    return found


def _alias_groups(
    found: dict[str, tuple[str, ...]], advisories: dict[str, _Advisory]
) -> list[set[str]]:
    """Advisories that name each other (or share an alias) are one vulnerability."""
    names: dict[str, set[str]] = {a: {a, *advisories[a].aliases} for a in found if a in advisories}
    groups: list[set[str]] = []
    for advisory, aliases in names.items():
        merged = {advisory}
        for group in [g for g in groups if any(aliases & names[m] for m in g)]:
            merged |= group
            groups.remove(group)
        groups.append(merged)
    return groups


def _view(
    item: _Installed,
    group: set[str],
    found: dict[str, tuple[str, ...]],
    advisories: dict[str, _Advisory],
    components: list[Component],
) -> VulnView:
    ids = set(group) | {alias for a in group for alias in advisories[a].aliases}
    representative = min(ids, key=_id_rank)
    worst = min(advisories[a].severity for a in group)
    fixes = tuple(sorted({fix for a in group for fix in found[a]}))
    summary = next((advisories[a].summary for a in sorted(group) if advisories[a].summary), "")
    tags = tuple(json.loads(item.image.repo_tags))
    refs = {item.image.digest, *tags}
    return VulnView(
        id=representative,
        aliases=tuple(sorted(ids - {representative})),
        summary=summary,
        severity=worst.rating,
        score=worst.score,
        vector=worst.vector,
        ecosystem=item.target.ecosystem_base,
        package=item.package.name,
        version=item.package.version,
        purl=item.package.purl,
        fixed_versions=fixes,
        fix_available=bool(fixes),
        image=tags[0] if tags else item.image.digest[:19],
        components=tuple(
            sorted(c.name for c in components if c.image_digest in refs or c.image_ref in refs)
        ),
        path=item.package.path,
        disposition="",
        data_age_days=None,
    )


def _id_rank(identifier: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_PREFERENCE):
        if identifier.startswith(prefix):
            return rank, identifier
    return len(_PREFERENCE), identifier
