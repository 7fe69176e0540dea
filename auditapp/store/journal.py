"""The hash-chained journal: every change and every denial, appended in the same transaction.

hash = SHA-256(previous hash ‖ canonical entry), where the canonical entry is compact JSON with
sorted keys. An audit row keeps the chain's head, so cutting entries off the end shows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.store.models import Audit, JournalEntry

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, entry: JournalEntry) -> str:
    canonical = canonical_json(
        {
            "seq": entry.seq,
            "at": entry.at,
            "member": entry.member,
            "action": entry.action,
            "target": entry.target,
            "summary": entry.summary,
        }
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def append(
    session: Session,
    audit: Audit,
    *,
    member: str,
    action: str,
    target: str,
    summary: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Add the next link of `audit`'s chain. The caller holds the audit row for update."""
    entry = JournalEntry(
        audit_id=audit.id,
        seq=audit.journal_seq + 1,
        at=format_instant(at or datetime.now(UTC)),
        member=member,
        action=action,
        target=target,
        summary=canonical_json(dict(summary or {})),
        prev_hash=audit.journal_head,
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    audit.journal_seq = entry.seq
    audit.journal_head = entry.hash
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify(session: Session, audit: Audit) -> ChainReport:
    """Walk `audit`'s chain in sequence order and report the first entry that does not fit."""
    rows = session.scalars(
        select(JournalEntry)
        .where(JournalEntry.audit_id == audit.id)
        .order_by(JournalEntry.seq, JournalEntry.id)
        .execution_options(yield_per=500)
    )
    prev = GENESIS
    expected = 1
    for entry in rows:
        problem = _check(entry, expected, prev)
        if problem:
            return ChainReport(expected - 1, prev, ChainBreak(min(entry.seq, expected), problem))
        prev = entry.hash
        expected += 1
    count = expected - 1
    if count == 0:
        return ChainReport(0, prev, ChainBreak(1, "the journal is empty: entries were removed"))
    if audit.journal_seq != count or audit.journal_head != prev:
        return ChainReport(
            count,
            prev,
            ChainBreak(
                count + 1,
                f"the chain ends at entry #{count} but the audit records entry "
                f"#{audit.journal_seq} as its head: entries were removed from the end, "
                "or the head was altered",
            ),
        )
    return ChainReport(count, prev, None)


_TEXT_FIELDS = ("at", "member", "action", "target", "summary", "prev_hash", "hash")


def _check(entry: JournalEntry, expected: int, prev: str) -> str | None:
    if not isinstance(entry.seq, int) or not all(
        isinstance(getattr(entry, name), str) for name in _TEXT_FIELDS
    ):
        return f"entry #{expected} was altered: a field holds a value of the wrong type"
    if entry.seq > expected:
        return f"entry #{expected} is missing (deleted); the next entry found is #{entry.seq}"
    if entry.seq < expected:
        return f"entry #{entry.seq} appears twice (duplicated or reordered)"
    if entry.prev_hash != prev:
        where = f"entry #{expected - 1}" if expected > 1 else "the start of the chain"
        return (
            f"entry #{entry.seq} ({entry.action}) does not follow {where}: "
            "entries were reordered, replaced or removed"
        )
    if expected == 1 and entry.action != "audit.create":
        return "entry #1 is not the creation of the audit: the start of the journal was removed"
    if entry_hash(prev, entry) != entry.hash:
        return (
            f"entry #{entry.seq} ({entry.action} by {entry.member} at {entry.at}) was altered "
            "after it was written: its content no longer matches its hash"
        )
    return None
