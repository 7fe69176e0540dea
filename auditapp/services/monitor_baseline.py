"""The signed-off baseline: frozen when the second of the two required sign-offs (an officer's
and an auditor's) lands, in the same transaction, and read back with its SHA-256 checked.

Why at sign-off rather than lazily on the first monitor run: between the sign-off and that run
people may collect, analyse, import data or decide findings, and a lazy freeze would take that
later state as "what was signed". Frozen inside the sign-off's transaction, it is read while
that transaction holds the audit (SQLite's write lock; PostgreSQL's row lock on the audit),
so no change to the audit can slip in between.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp.services.monitor_snapshot import Snapshot
from auditapp.services.monitor_state import take_snapshot
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Change, Workspace, load_audit
from auditapp.store.errors import CorruptDataError
from auditapp.store.models import Baseline, SignOff
from auditapp.store.types import utcnow

REQUIRED_ROLES = frozenset({Role.OFFICER.value, Role.AUDITOR.value})


@dataclass(frozen=True)
class BaselineView:
    id: int
    frozen_at: datetime
    frozen_by: str
    journal_head: str
    signoffs: tuple[int, ...]
    sha256: str
    snapshot: Snapshot


def freeze_if_final(ws: Workspace, change: Change) -> int | None:
    """Called by a sign-off's change: freeze the baseline if both roles have now signed and
    none is frozen yet. Returns the new baseline's id, or None."""
    session, audit = change.session, change.audit
    session.flush()
    signed = list(
        session.execute(select(SignOff.id, SignOff.role).where(SignOff.audit_id == audit.id))
    )
    if not {role for _, role in signed} >= REQUIRED_ROLES:
        return None
    if session.scalar(select(Baseline.id).where(Baseline.audit_id == audit.id)) is not None:
        return None  # a later sign-off (a second auditor, say) does not move the baseline
    # Read on the database's other connections: they see everything committed before this
    # sign-off, which is all of the audit (this transaction holds it and adds only the sign-off).
    snapshot = take_snapshot(ws, Caller(audit=audit.name))
    text = snapshot.to_json()
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = Baseline(
        audit_id=audit.id,
        frozen_at=utcnow(),
        frozen_by=change.who,
        journal_head=audit.journal_head,
        signoffs=json.dumps(sorted(i for i, _ in signed)),
        sha256=sha256,
        snapshot=text,
    )
    session.add(row)
    session.flush()
    change.record(
        "baseline.freeze",
        "audit",
        {
            "id": row.id,
            "sha256": sha256,
            "images": len(snapshot.images),
            "packages": sum(len(i.packages) for i in snapshot.images.values()),
            "workloads": len(snapshot.workloads),
            "findings": len(snapshot.findings),
            "vulnerabilities": sum(len(v) for v in snapshot.vulns.values()),
        },
    )
    return row.id


def load_baseline(ws: Workspace, caller: Caller) -> BaselineView | None:
    """The audit's baseline, None before the final sign-off. CorruptDataError when it was
    changed outside auditapp."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        row = session.scalar(select(Baseline).where(Baseline.audit_id == audit.id))
        if row is None:
            return None
        text = row.snapshot
        where = f"the baseline of audit {audit.name!r}"
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != row.sha256:
            raise CorruptDataError(
                f"{where} no longer matches its SHA-256",
                hint="it was changed outside auditapp; `auditapp journal verify` checks the rest",
            )
        try:
            signoffs = tuple(int(i) for i in json.loads(row.signoffs))
        except (ValueError, TypeError):
            raise CorruptDataError(f"{where}: its list of sign-offs cannot be read") from None
        return BaselineView(
            row.id,
            row.frozen_at,
            row.frozen_by,
            row.journal_head,
            signoffs,
            row.sha256,
            Snapshot.from_json(text, where),
        )
