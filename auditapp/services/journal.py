"""Reading and verifying an audit's journal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store import journal
from auditapp.store.journal import ChainReport
from auditapp.store.models import JournalEntry


@dataclass(frozen=True)
class JournalLine:
    seq: int
    at: str
    member: str
    action: str
    target: str
    summary: str


def verify_journal(ws: Workspace, caller: Caller) -> ChainReport:
    with ws.db.read() as session:
        return journal.verify(session, load_audit(session, caller.audit))


def recent_entries(ws: Workspace, caller: Caller, limit: int = 50) -> list[JournalLine]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.audit_id == audit.id)
            .order_by(JournalEntry.seq.desc())
            .limit(limit)
        )
        return [JournalLine(r.seq, r.at, r.member, r.action, r.target, r.summary) for r in rows]
