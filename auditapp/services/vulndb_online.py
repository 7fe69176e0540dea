"""Opt-in refresh of the vulnerability database from the OSV API, for the packages audited.

Everything is fetched first and written in one transaction afterwards: an API that fails half
way changes nothing, and the imported (offline) data stay in use.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.services.vulndb import ImportSummary, RecordWriter
from auditapp.services.workspace import Workspace, origin
from auditapp.store.models import Advisory, Image, Package, VulnSource
from auditapp.store.types import utcnow
from auditapp.vulns.matching import Target, scheme_for, target_for
from auditapp.vulns.osv import InvalidRecord, OsvRecord, parse_record
from auditapp.vulns.osv_api import BATCH, OsvClient, Query
from auditapp.vulns.versions import InvalidVersion

SOURCE_KIND = "osv-api"
_RELEASED = ("Debian", "Alpine")  # OSV scopes these by release ("Debian:12"); Alpine needs it
_MAX_PROBLEMS = 20


def update_online(
    ws: Workspace,
    client: OsvClient,
    *,
    ecosystems: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Ask the OSV API about every package inventoried in any audit, fetch the advisories that
    are new or changed, and store them with this fetch's time (all or nothing)."""
    progress = progress or NoProgress()
    queries, problems = audited_queries(ws, ecosystems)
    with ws.db.read() as session:
        held = {
            i: modified for i, modified in session.execute(select(Advisory.id, Advisory.modified))
        }
    refs: dict[str, str] = {}
    progress.start(f"asking {client.base_url} about {len(queries)} packages", len(queries))
    for start in range(0, len(queries), BATCH):
        check_cancelled(progress)
        chunk = queries[start : start + BATCH]
        for found in client.query_batch(chunk):
            for ref in found:
                refs.setdefault(ref.id, ref.modified)
        progress.advance(len(chunk))
    wanted = sorted(i for i, modified in refs.items() if not modified or held.get(i) != modified)
    counts: Counter[str] = Counter(records=len(refs), unchanged=len(refs) - len(wanted))
    records: list[OsvRecord] = []
    progress.start("fetching advisories", len(wanted))
    for identifier in wanted:
        check_cancelled(progress)
        url = f"{client.base_url}/v1/vulns/{identifier}"
        try:
            records.append(parse_record(client.get_vuln(identifier), url))
        except InvalidRecord as error:
            counts["invalid"] += 1
            if len(problems) < _MAX_PROBLEMS:
                problems.append(str(error))
        progress.advance()
    check_cancelled(progress)
    if queries:  # an answer of "nothing known" is worth recording too
        _store(ws, client.base_url, records, counts)
    return ImportSummary(
        sources=(client.base_url,),
        records=counts["records"],
        added=counts["added"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        invalid=counts["invalid"],
        problems=tuple(problems),
    )


def audited_queries(
    ws: Workspace, ecosystems: Sequence[str] | None = None
) -> tuple[list[Query], list[str]]:
    """Distinct OSV queries for every package of every audit, and the packages left out (why)."""
    chosen = {e.casefold() for e in ecosystems} if ecosystems else None
    with ws.db.read() as session:
        rows = session.execute(
            select(
                Package.ecosystem,
                Package.name,
                Package.version,
                Package.source_name,
                Package.source_version,
                Image.os_id,
                Image.os_version,
            ).join(Image, Image.id == Package.image_id)
        ).all()
    queries: set[Query] = set()
    problems: list[str] = []
    for purl_type, name, version, source_name, source_version, os_id, os_version in rows:
        target = target_for(
            purl_type,
            name,
            version,
            source_name=source_name,
            source_version=source_version,
            os_id=os_id,
            os_version=os_version,
        )
        if target is None or (
            chosen is not None and target.ecosystem_base.casefold() not in chosen
        ):
            continue
        query = query_for(target)
        if query is None:
            if len(problems) < _MAX_PROBLEMS:
                problems.append(
                    f"{target.ecosystem_base} {target.name} {target.version!r}: the version is"
                    " not readable by the ecosystem's rules; not asked"
                )
            continue
        queries.add(query)
    return sorted(queries, key=lambda q: (q.ecosystem, q.name, q.version)), problems


def query_for(target: Target) -> Query | None:
    """How OSV names this package version, or None when the version cannot be matched anyway."""
    scheme = scheme_for(target.ecosystem_base)
    if scheme is None or not target.version:
        return None
    try:
        scheme.key(target.version)
    except InvalidVersion:
        return None
    ecosystem = target.ecosystem_base
    if ecosystem in _RELEASED and target.release:
        ecosystem = f"{ecosystem}:{target.release}"
    version = target.version
    if ecosystem == "Go" and version.startswith("v"):
        version = version[1:]  # OSV's Go records and API write versions without the "v"
    return Query(ecosystem, target.name, version)


def _store(
    ws: Workspace, base_url: str, records: Sequence[OsvRecord], counts: Counter[str]
) -> None:
    """One transaction: the source row, then the records through the offline import's writer."""
    with ws.db.write() as session:
        known = {
            identifier: (sha, modified)
            for identifier, sha, modified in session.execute(
                select(Advisory.id, Advisory.content_sha256, Advisory.modified)
            )
        }
        source = VulnSource(
            kind=SOURCE_KIND,
            location=base_url,
            sha256="",
            imported_at=utcnow(),  # the writer stamps each advisory's fetched_at with this
            imported_by=origin(),
        )
        session.add(source)
        session.flush()
        batch = RecordWriter(session, source)
        ecosystems: set[str] = set()
        for record in records:
            ecosystems.update(a.ecosystem_base for a in record.affected)
            counts[batch.add(record, known)] += 1
        batch.flush()
        source.records, source.added = counts["records"], counts["added"]
        source.updated, source.unchanged = counts["updated"], counts["unchanged"]
        source.invalid = counts["invalid"]
        source.ecosystems = json.dumps(sorted(ecosystems))
