"""Known vulnerabilities of the audit's inventory: matched, merged across aliases, rated.

Matching runs on demand against the imported data (fast enough for tens of thousands of
packages), so a fresher import shows at once; each result says how old its data is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select
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
    id: int
    ecosystem: str
    name: str
    version: str
    purl: str
    path: str
    image: Image
    target: Target


def _match_audit(session: Session, audit_id: int) -> tuple[list[VulnView], int]:
    images = {i.id: i for i in session.scalars(select(Image).where(Image.audit_id == audit_id))}
    components = list(session.scalars(select(Component).where(Component.audit_id == audit_id)))
    installed: list[_Installed] = []
    rows = session.execute(
        select(
            Package.id,
            Package.image_id,
            Package.ecosystem,
            Package.name,
            Package.version,
            Package.purl,
            Package.path,
            Package.source_name,
            Package.source_version,
        ).where(Package.image_id.in_(images))
    )
    for package_id, image_id, ecosystem, name, version, purl, path, source, source_version in rows:
        if ecosystem in ("deb", "apk", "rpm") and "#" in path:
            continue  # an OS package a wheel's own SBOM declares: not of this image's release
        image = images[image_id]
        target = target_for(
            ecosystem,
            name,
            version,
            source_name=source,
            source_version=source_version,
            os_id=image.os_id,
            os_version=image.os_version,
        )
        if target is not None:
            installed.append(
                _Installed(package_id, ecosystem, name, version, purl, path, image, target)
            )
    entries = _affected(session, {(i.target.ecosystem_base, i.target.name) for i in installed})
    hits: dict[int, dict[str, tuple[str, ...]]] = defaultdict(dict)
    unevaluable = 0
    for item in installed:
        candidates = entries.get((item.target.ecosystem_base, item.target.name))
        scheme = scheme_for(item.target.ecosystem_base) if candidates else None
        if scheme is None:
            continue
        for entry in candidates or ():
            verdict = evaluate(entry, item.target, scheme)
            unevaluable += bool(verdict.unevaluable)
            if verdict.affected:
                hits[item.id][entry.advisory_id] = verdict.fixed_versions
    advisories = _advisories(session, {a for found in hits.values() for a in found})
    names = {image_id: _names_of(image, components) for image_id, image in images.items()}
    views = []
    for item in installed:
        found = hits.get(item.id)
        if not found:
            continue
        for group in _alias_groups(found, advisories):
            views.append(_view(item, group, found, advisories, names[item.image.id]))
    return views, unevaluable


def _affected(
    session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], list[AffectedEntry]]:
    """The affected entries of not-withdrawn advisories for these (ecosystem, name) keys,
    looked up per ecosystem through the (ecosystem_base, name) index."""
    names: dict[str, list[str]] = defaultdict(list)
    for base, name in keys:
        names[base].append(name)
    entries: dict[tuple[str, str], list[AffectedEntry]] = defaultdict(list)
    for base, wanted in sorted(names.items()):
        wanted.sort()
        for start in range(0, len(wanted), CHUNK):
            rows = session.execute(
                select(
                    Affected.name,
                    Affected.advisory_id,
                    Affected.ecosystem,
                    Affected.ranges,
                    Affected.versions,
                )
                .join(Advisory, Advisory.id == Affected.advisory_id)
                .where(
                    Affected.ecosystem_base == base,
                    Affected.name.in_(wanted[start : start + CHUNK]),
                    Advisory.withdrawn == "",
                )
            )
            for name, advisory, ecosystem, ranges, versions in rows:
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
    """Advisories that name each other (or share an alias) are one vulnerability
    (union-find over every id and alias)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for advisory in found:
        if advisory in advisories:
            for alias in advisories[advisory].aliases:
                parent[root(alias)] = root(advisory)
    groups: dict[str, set[str]] = {}
    for advisory in found:
        if advisory in advisories:
            groups.setdefault(root(advisory), set()).add(advisory)
    return list(groups.values())


@dataclass(frozen=True)
class _ImageNames:
    image: str  # the first tag, else the short digest
    components: tuple[str, ...]


def _names_of(image: Image, components: list[Component]) -> _ImageNames:
    tags = tuple(json.loads(image.repo_tags))
    refs = {image.digest, *tags}
    users = sorted(c.name for c in components if c.image_digest in refs or c.image_ref in refs)
    return _ImageNames(tags[0] if tags else image.digest[:19], tuple(users))


def _view(
    item: _Installed,
    group: set[str],
    found: dict[str, tuple[str, ...]],
    advisories: dict[str, _Advisory],
    names: _ImageNames,
) -> VulnView:
    ids = set(group) | {alias for a in group for alias in advisories[a].aliases}
    representative = min(ids, key=_id_rank)
    worst = min(advisories[a].severity for a in group)
    fixes = tuple(sorted({fix for a in group for fix in found[a]}))
    summary = next((advisories[a].summary for a in sorted(group) if advisories[a].summary), "")
    return VulnView(
        id=representative,
        aliases=tuple(sorted(ids - {representative})),
        summary=summary,
        severity=worst.rating,
        score=worst.score,
        vector=worst.vector,
        ecosystem=item.target.ecosystem_base,
        package=item.name,
        version=item.version,
        purl=item.purl,
        fixed_versions=fixes,
        fix_available=bool(fixes),
        image=names.image,
        components=names.components,
        path=item.path,
        disposition="",
        data_age_days=None,
    )


def _id_rank(identifier: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_PREFERENCE):
        if identifier.startswith(prefix):
            return rank, identifier
    return len(_PREFERENCE), identifier
