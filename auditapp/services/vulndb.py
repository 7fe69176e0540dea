"""The vulnerability database: importing OSV records (all or nothing) and saying how fresh it is.

Advisories are shared by every audit in the database. An import is one transaction: a source
that cannot be read at all changes nothing; a bad record is counted and skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.services.workspace import DEFAULT_MAX_AGE_DAYS, Workspace, origin
from auditapp.store.models import Advisory, AdvisoryAlias, Affected, VulnSource
from auditapp.store.types import utcnow
from auditapp.vulns.matching import lookup_name
from auditapp.vulns.osv import InvalidRecord, OsvRecord, parse_record
from auditapp.vulns.sources import describe, read_records


@dataclass(frozen=True)
class ImportSummary:
    sources: tuple[str, ...]
    records: int
    added: int
    updated: int
    unchanged: int
    invalid: int
    problems: tuple[str, ...] = field(default=())  # the first invalid records, with reasons


@dataclass(frozen=True)
class EcosystemStatus:
    ecosystem: str
    records: int
    newest_modified: str
    imported_at: datetime | None
    age_days: int | None  # days since the newest record was modified
    stale: bool


def import_paths(
    ws: Workspace, paths: Sequence[Path], progress: Progress | None = None
) -> ImportSummary:
    """Import every record of every path in one transaction (all or nothing)."""
    progress = progress or NoProgress()
    totals: Counter[str] = Counter()
    problems: list[str] = []
    with ws.db.write() as session:
        known = {
            identifier: (sha, modified)
            for identifier, sha, modified in session.execute(
                select(Advisory.id, Advisory.content_sha256, Advisory.modified)
            )
        }
        for path in paths:
            kind, sha256 = describe(path)
            source = VulnSource(
                kind=kind,
                location=str(path.resolve()),
                sha256=sha256,
                imported_at=utcnow(),
                imported_by=origin(),
            )
            session.add(source)
            session.flush()
            batch = RecordWriter(session, source)
            counts: Counter[str] = Counter()
            ecosystems: set[str] = set()
            progress.start(f"importing {path.name}", None)
            for raw in read_records(path):
                check_cancelled(progress)
                progress.advance()
                counts["records"] += 1
                try:
                    if raw.data is None:
                        raise InvalidRecord(f"{raw.origin}: {raw.problem}")
                    record = parse_record(raw.data, raw.origin)
                except InvalidRecord as error:
                    counts["invalid"] += 1
                    if len(problems) < 20:
                        problems.append(str(error))
                    continue
                ecosystems.update(a.ecosystem_base for a in record.affected)
                counts[batch.add(record, known)] += 1
            batch.flush()
            source.records, source.added = counts["records"], counts["added"]
            source.updated, source.unchanged = counts["updated"], counts["unchanged"]
            source.invalid = counts["invalid"]
            source.ecosystems = json.dumps(sorted(ecosystems))
            totals.update(counts)
    return ImportSummary(
        sources=tuple(str(p) for p in paths),
        records=totals["records"],
        added=totals["added"],
        updated=totals["updated"],
        unchanged=totals["unchanged"],
        invalid=totals["invalid"],
        problems=tuple(problems),
    )


class RecordWriter:
    """Writes advisories in bulk (executemany), a few hundred records at a time, for the
    offline import and the online update alike."""

    SIZE = 500

    def __init__(self, session: Session, source: VulnSource) -> None:
        self.session, self.source = session, source
        self.records: dict[str, OsvRecord] = {}
        self.replaced: set[str] = set()

    def add(self, record: OsvRecord, known: dict[str, tuple[str, str]]) -> str:
        held = known.get(record.id)
        if held is not None:
            sha, modified = held
            if sha == record.sha256 or (record.modified and modified > record.modified):
                return "unchanged"  # the same, or what we hold is newer (a dump's duplicates too)
            outcome = "updated"
            self.replaced.add(record.id)
        else:
            outcome = "added"
        self.records[record.id] = record  # a later duplicate in this batch wins
        known[record.id] = (record.sha256, record.modified)
        if len(self.records) >= self.SIZE:
            self.flush()
        return outcome

    def flush(self) -> None:
        if not self.records:
            return
        session = self.session
        if self.replaced:
            session.execute(delete(Advisory).where(Advisory.id.in_(sorted(self.replaced))))
        fetched = self.source.imported_at
        session.execute(
            insert(Advisory),
            [
                {
                    "id": r.id,
                    "modified": r.modified,
                    "published": r.published,
                    "withdrawn": r.withdrawn,
                    "summary": r.summary,
                    "aliases": json.dumps(list(r.aliases)),
                    "severity": json.dumps([list(s) for s in r.severity]),
                    "database_severity": r.database_severity,
                    "content_sha256": r.sha256,
                    "record": r.raw,
                    "source_id": self.source.id,
                    "fetched_at": fetched,
                }
                for r in self.records.values()
            ],
        )
        aliases = [
            {"alias": alias, "advisory_id": r.id}
            for r in self.records.values()
            for alias in sorted(set(r.aliases) - {r.id})
        ]
        if aliases:
            session.execute(insert(AdvisoryAlias), aliases)
        affected = [
            {
                "advisory_id": r.id,
                "ecosystem": a.ecosystem,
                "ecosystem_base": a.ecosystem_base,
                "name": lookup_name(a.ecosystem_base, a.name),
                "ranges": json.dumps(
                    [
                        {"type": g.type, "events": [[e.kind, e.version] for e in g.events]}
                        for g in a.ranges
                    ]
                ),
                "versions": json.dumps(list(a.versions)),
                "severity": json.dumps([list(s) for s in a.severity]),
            }
            for r in self.records.values()
            for a in r.affected
        ]
        if affected:
            session.execute(insert(Affected), affected)
        self.records, self.replaced = {}, set()


def status(
    ws: Workspace, *, max_age_days: int = DEFAULT_MAX_AGE_DAYS, today: datetime | None = None
) -> list[EcosystemStatus]:
    """Per ecosystem: how many records, how new the newest is (its latest `modified` or
    `published` time), and when it was imported."""
    now = today or datetime.now(UTC)
    with ws.db.read() as session:
        rows = session.execute(
            select(
                Affected.ecosystem_base,
                func.count(func.distinct(Advisory.id)),
                func.max(Advisory.modified),
                func.max(Advisory.published),
                func.max(VulnSource.imported_at),
            )
            .join(Advisory, Advisory.id == Affected.advisory_id)
            .join(VulnSource, VulnSource.id == Advisory.source_id)
            .group_by(Affected.ecosystem_base)
            .order_by(Affected.ecosystem_base)
        ).all()
    result = []
    for ecosystem, records, modified, published, imported in rows:
        # Some dumps carry placeholder `modified` times (Go's are all 0001-01-01): the data is
        # as new as its newest real timestamp.
        newest = max((t for t in (modified, published) if t and t[:4] >= "1990"), default="")
        age = _age_days(newest, now)
        result.append(
            EcosystemStatus(
                ecosystem=ecosystem,
                records=records,
                newest_modified=newest or "",
                imported_at=imported if isinstance(imported, datetime) else None,
                age_days=age,
                stale=age is None or age > max_age_days,
            )
        )
    return result


def _age_days(stamp: str | None, now: datetime) -> int | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, (now - moment).days)
