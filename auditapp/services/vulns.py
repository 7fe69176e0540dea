"""Known vulnerabilities of the audit's inventory: matched, merged across aliases, rated.

Matching runs on demand against the imported data (fast enough for tens of thousands of
packages), so a fresher import shows at once; each result says how old its data is.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from auditapp.services.vulndb import EcosystemStatus, status
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Advisory, Affected, Component, Image, Package, VexStatement
from auditapp.vulns.aliases import AdvisoryInfo, AliasMerger, Vulnerability
from auditapp.vulns.matching import (
    ParsedVersion,
    judge,
    lookup_of,
    parse_version,
    release_of,
    scheme_for,
)
from auditapp.vulns.severity import RATINGS, severity_of
from auditapp.vulns.stored_json import JsonVersions, loads

CHUNK = 400
# Built once: an expanding parameter takes each batch of names or ids as it comes. Withdrawn
# advisories are left out afterwards, from the advisories read for what matched: cheaper than
# a join that looks up the advisory of every entry read.
_AFFECTED = select(
    Affected.name, Affected.advisory_id, Affected.ecosystem, Affected.ranges, Affected.versions
).where(
    Affected.ecosystem_base == bindparam("base"),
    Affected.name.in_(bindparam("names", expanding=True)),
)
_ADVISORIES = select(
    Advisory.id,
    Advisory.withdrawn,
    Advisory.aliases,
    Advisory.summary,
    Advisory.severity,
    Advisory.database_severity,
).where(Advisory.id.in_(bindparam("ids", expanding=True)))


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, then restored as it was.

    Matching builds tens of thousands of small objects that live until the listing returns
    and form no reference cycles. Their number alone sets off the collector, which then walks
    the whole heap again and again to free nothing: a quarter of the matching time, measured
    on 10,000 packages. Their memory is freed by reference counting as usual; the collector
    resumes when the listing is made. (With listings on two threads at once, the one that found
    it running starts it again.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def list_vulns(
    ws: Workspace,
    caller: Caller,
    *,
    component: str | None = None,
    minimum: str | None = None,
    fixable: bool = False,
    max_age_days: int = 7,
) -> VulnReport:
    with collector_paused():
        return _list_vulns(ws, caller, component, minimum, fixable, max_age_days)


def _list_vulns(
    ws: Workspace,
    caller: Caller,
    component: str | None,
    minimum: str | None,
    fixable: bool,
    max_age_days: int,
) -> VulnReport:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        found, unevaluable = _match_audit(session, audit.id)
        dispositions = {
            (v.purl, v.vuln_id): v.status
            for v in session.scalars(select(VexStatement).where(VexStatement.audit_id == audit.id))
        }
    freshness = {s.ecosystem: s for s in status(ws, max_age_days=max_age_days)}
    ages = {ecosystem: s.age_days for ecosystem, s in freshness.items()}
    views = [_view(item, vuln, names, dispositions, ages) for item, vuln, names in found]
    if component is not None:
        views = [v for v in views if component in v.components]
    if minimum is not None:
        views = [v for v in views if RATINGS.index(v.severity) <= RATINGS.index(minimum)]
    if fixable:
        views = [v for v in views if v.fix_available]
    views.sort(key=lambda v: (RATINGS.index(v.severity), -(v.score or 0), v.package, v.id))
    return VulnReport(tuple(views), tuple(freshness.values()), unevaluable)


# (ecosystem, name, version, OS release): one installed version, as matching sees it
At = tuple[str, str, str, str]
# (name, version, purl, path, image id, At) of one package. Plain tuples of strings and numbers,
# like the others below that live through matching, so the garbage collector soon stops
# tracking them: tens of thousands of objects would otherwise make it walk the whole heap.
_Installed = tuple[str, str, str, str, int, At]


def _match_audit(
    session: Session, audit_id: int
) -> tuple[list[tuple[_Installed, Vulnerability, _ImageNames]], int]:
    """Every (package, vulnerability) of the audit, in stored package order, and how many
    evaluations failed. Each installed version is matched once, however many images hold it."""
    images = {i.id: i for i in session.scalars(select(Image).where(Image.audit_id == audit_id))}
    components = list(session.scalars(select(Component).where(Component.audit_id == audit_id)))
    installed = _installed(session, images)
    counts: dict[At, int] = {}
    for *_, at in installed:
        counts[at] = counts.get(at, 0) + 1
    matches = match_names(session, counts)
    merger = AliasMerger(matches.advisories)
    vulns = {at: merger.vulnerabilities(found) for at, found in matches.hits.items()}
    names = {image_id: _names_of(image, components) for image_id, image in images.items()}
    return [
        (item, vuln, names[item[4]]) for item in installed for vuln in vulns.get(item[5], ())
    ], matches.unevaluable


def _installed(session: Session, images: dict[int, Image]) -> list[_Installed]:
    """The packages of these images that OSV can know about, in stored order."""
    installed: list[_Installed] = []
    systems = {image_id: (image.os_id, image.os_version) for image_id, image in images.items()}
    rows = (
        session.connection()
        .execute(
            select(
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
        .all()
    )
    for image_id, ecosystem, name, version, purl, path, source, source_version in rows:
        if ecosystem in ("deb", "apk", "rpm") and "#" in path:
            continue  # an OS package a wheel's own SBOM declares: not of this image's release
        os_id, os_version = systems[image_id]
        at = lookup_of(ecosystem, name, version, source, source_version, os_id, os_version)
        if at is not None:
            installed.append((name, version, purl, path, image_id, at))
    return installed


@dataclass(frozen=True)
class Matches:
    """What affects the installed versions of an inventory."""

    # installed version -> the not-withdrawn advisories affecting it -> their nearest fixes
    hits: dict[At, dict[str, tuple[str, ...]]]
    unevaluable: int  # failed evaluations, each counted once per package
    advisories: dict[str, AdvisoryInfo]  # those in `hits`, and any whose entries failed


def match_names(session: Session, counts: Mapping[At, int]) -> Matches:
    """Every installed version (`counts` says how many packages are installed at each) judged
    against the affected entries of its name.

    Entries are read per ecosystem through the (ecosystem_base, name) index, a batch of names
    per query, and each is judged against every installed version of its name as it arrives,
    then dropped: only what matched or failed is kept. Each version is parsed once. Ecosystems
    without a version order are not read, since nothing could be evaluated."""
    versions: dict[tuple[str, str], tuple[At, ...]] = {}
    for at in counts:
        versions[at[:2]] = (*versions.get(at[:2], ()), at)
    names: dict[str, list[str]] = defaultdict(list)
    for base, name in versions:
        names[base].append(name)
    hits: dict[At, dict[str, tuple[str, ...]]] = {}
    failures: dict[str, int] = {}  # advisory -> failed evaluations, per package
    connection = session.connection()
    for base, batch in sorted(names.items()):
        scheme = scheme_for(base)
        if scheme is None:
            continue
        batch.sort()
        parsed: dict[str, tuple[tuple[At, ParsedVersion, int], ...]] = {}
        for start in range(0, len(batch), CHUNK):
            rows = connection.execute(
                _AFFECTED, {"base": base, "names": batch[start : start + CHUNK]}
            ).all()
            for name, advisory, ecosystem, ranges_json, versions_json in rows:
                installed = parsed.get(name)
                if installed is None:
                    installed = parsed[name] = tuple(
                        (at, parse_version(at[2], scheme), counts[at])
                        for at in versions.get((base, name), ())
                    )
                ranges = [(str(r["type"]), r["events"]) for r in loads(ranges_json)]
                listed = JsonVersions(versions_json)
                entry_release = release_of(ecosystem)
                for at, version, count in installed:
                    verdict = judge(ranges, listed, entry_release, version, at[3], scheme)
                    if verdict.unevaluable:
                        failures[advisory] = failures.get(advisory, 0) + count
                    if verdict.affected:
                        found = hits.get(at)
                        if found is None:
                            found = hits[at] = {}
                        found[advisory] = verdict.fixed_versions
    advisories = _advisories(
        session, {a for found in hits.values() for a in found} | failures.keys()
    )
    for at, found in list(hits.items()):
        if not found.keys() <= advisories.keys():
            kept = {a: fixes for a, fixes in found.items() if a in advisories}
            if kept:
                hits[at] = kept
            else:
                del hits[at]
    return Matches(
        hits,
        sum(count for advisory, count in failures.items() if advisory in advisories),
        advisories,
    )


def _advisories(session: Session, ids: Iterable[str]) -> dict[str, AdvisoryInfo]:
    """These advisories, but for withdrawn ones."""
    found: dict[str, AdvisoryInfo] = {}
    wanted = sorted(ids)
    connection = session.connection()
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(_ADVISORIES, {"ids": wanted[start : start + CHUNK]}).all()
        for identifier, withdrawn, aliases, summary, vectors, rating in rows:
            if withdrawn != "":
                continue
            found[identifier] = AdvisoryInfo(
                identifier,
                tuple(loads(aliases)),
                summary,
                severity_of([tuple(v) for v in loads(vectors)], rating),
            )
    return found


@dataclass(frozen=True)
class _ImageNames:
    image: str  # the first tag, else the short digest
    components: tuple[str, ...]


def _names_of(image: Image, components: list[Component]) -> _ImageNames:
    tags = tuple(json.loads(image.repo_tags))
    refs = {image.digest, *tags}
    users = sorted(c.name for c in components if c.image_digest in refs or c.image_ref in refs)
    return _ImageNames(tags[0] if tags else image.digest[:19], tuple(users))


_new = object.__new__


def _view(
    item: _Installed,
    vuln: Vulnerability,
    names: _ImageNames,
    dispositions: dict[tuple[str, str], str],
    ages: dict[str, int | None],
) -> VulnView:
    name, version, purl, path, _, at = item
    ecosystem = at[0]
    disposition = ""
    if dispositions:
        disposition = next(
            (
                dispositions[(purl, i)]
                for i in (vuln.id, *vuln.aliases)
                if (purl, i) in dispositions
            ),
            "",
        )
    # What VulnView(...) makes, without its seventeen object.__setattr__ calls (a frozen
    # dataclass's __init__ sets each field so): a tenth of the cost of a listing, measured.
    view = _new(VulnView)
    view.__dict__.update(
        id=vuln.id,
        aliases=vuln.aliases,
        summary=vuln.summary,
        severity=vuln.severity.rating,
        score=vuln.severity.score,
        vector=vuln.severity.vector,
        ecosystem=ecosystem,
        package=name,
        version=version,
        purl=purl,
        fixed_versions=vuln.fixed_versions,
        fix_available=bool(vuln.fixed_versions),
        image=names.image,
        components=names.components,
        path=path,
        disposition=disposition,
        data_age_days=ages.get(ecosystem),
    )
    return view
