"""Sign-offs: an officer and an auditor each attest the audit as their role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp.services.errors import InvalidInputError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import SignOff
from auditapp.store.types import utcnow


@dataclass(frozen=True)
class SignOffView:
    member: str
    role: str
    statement: str
    signed_at: datetime
    journal_head: str


def sign_off(ws: Workspace, caller: Caller, statement: str) -> SignOffView:
    """Record the acting member's sign-off; it seals the journal head as it stands now."""
    statement = statement.strip()
    if not statement:
        raise InvalidInputError("a sign-off needs a statement")

    def work(change: Change) -> SignOffView:
        assert change.member is not None  # SIGN_OFF is allowed to members only
        signed = SignOff(
            audit_id=change.audit.id,
            member_name=change.member.name,
            role=change.member.role,
            statement=statement,
            signed_at=utcnow(),
            journal_head=change.audit.journal_head,
        )
        change.session.add(signed)
        change.record("signoff", change.member.name, {"role": change.member.role})
        change.session.flush()
        # imported here: the baseline reads every source of news (vulnerabilities, lifecycle,
        # deployment), which the commands that merely import this module never need
        from auditapp.services.monitor_baseline import freeze_if_final

        freeze_if_final(ws, change)  # the second of the officer's and auditor's: the baseline
        return _view(signed)

    return perform(ws, caller, Action.SIGN_OFF, "audit", work)


def list_signoffs(ws: Workspace, caller: Caller) -> list[SignOffView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(SignOff).where(SignOff.audit_id == audit.id).order_by(SignOff.id)
        )
        return [_view(s) for s in rows]


def _view(signed: SignOff) -> SignOffView:
    return SignOffView(
        signed.member_name, signed.role, signed.statement, signed.signed_at, signed.journal_head
    )
