"""The CISA KEV catalogue: importing it from a file or fetching it from its feed (all or
nothing, replacing the previous one) and looking up which vulnerabilities are known exploited.

Like vulnerability data, the catalogue is shared by every audit in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from auditapp.services.workspace import Workspace
from auditapp.store.models import KnownExploited
from auditapp.store.types import utcnow
from auditapp.vulns.kev import KevCatalogue, KevEntry, KevFeed, read_catalogue


@dataclass(frozen=True)
class KevImportSummary:
    source: str
    catalog_version: str
    entries: int
    skipped: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class KevStatus:
    """What is imported: None values when no catalogue has been imported yet."""

    entries: int
    catalog_version: str | None
    imported_at: datetime | None


def import_kev(ws: Workspace, path: Path) -> KevImportSummary:
    """Read and check the whole file first, then replace the stored catalogue in one short
    transaction: a file that cannot be used changes nothing."""
    return _replace(ws, read_catalogue(path), str(path))


def update_kev(ws: Workspace, feed: KevFeed) -> KevImportSummary:
    """Fetch and check the whole catalogue from `feed` first, then replace the stored one as
    `import_kev` does: an answer that cannot be used (KevError) changes nothing."""
    return _replace(ws, feed.fetch(), feed.url)


def _replace(ws: Workspace, catalogue: KevCatalogue, source: str) -> KevImportSummary:
    now = utcnow()
    with ws.db.write() as session:
        session.execute(delete(KnownExploited))
        if catalogue.entries:
            session.execute(
                insert(KnownExploited),
                [
                    {
                        "cve_id": e.cve_id,
                        "vendor_project": e.vendor_project,
                        "product": e.product,
                        "name": e.name,
                        "date_added": e.date_added,
                        "due_date": e.due_date,
                        "ransomware": e.ransomware,
                        "catalog_version": catalogue.catalog_version,
                        "source_sha256": catalogue.sha256,
                        "imported_at": now,
                    }
                    for e in catalogue.entries
                ],
            )
    return KevImportSummary(
        source,
        catalogue.catalog_version,
        len(catalogue.entries),
        catalogue.skipped,
        catalogue.problems,
    )


def kev_status(ws: Workspace) -> KevStatus:
    with ws.db.read() as session:
        count, version, imported = session.execute(
            select(
                func.count(KnownExploited.cve_id),
                func.max(KnownExploited.catalog_version),
                func.max(KnownExploited.imported_at),
            )
        ).one()
    if not count:
        return KevStatus(0, None, None)
    return KevStatus(int(count), str(version or ""), imported)


def known_exploited(session: Session) -> dict[str, KevEntry]:
    """Every catalogue entry by CVE id."""
    return {
        row.cve_id: KevEntry(
            row.cve_id,
            row.vendor_project,
            row.product,
            row.name,
            row.date_added,
            row.due_date,
            row.ransomware,
        )
        for row in session.scalars(select(KnownExploited))
    }
