"""The explicit context every use case receives, and the one path by which changes are made.

`perform` loads the audit (locked for the change), resolves the acting member, asks the role
rules, runs the change and journals it — or journals the refusal, commits that, and raises.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from auditapp.checklist import Checklist, load_checklist
from auditapp.services.errors import NotFoundError, PermissionDeniedError
from auditapp.services.roles import Action, Role, decide
from auditapp.services.stored import stored_enum
from auditapp.store import journal
from auditapp.store.database import Database, open_database
from auditapp.store.models import AppSetting, Audit, Member, SignOff

T = TypeVar("T")
CURRENT_AUDIT = "current_audit"
DEFAULT_EVIDENCE_CAP = 200 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    evidence_max_bytes: int = DEFAULT_EVIDENCE_CAP


@dataclass
class Workspace:
    """An open database plus the settings the use cases need. Built once by a face."""

    db: Database
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def open(cls, url: str | None = None, settings: Settings | None = None) -> Workspace:
        return cls(open_database(url), settings or Settings())

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class Caller:
    """Who acts (None: the audit's default member) on which audit (None: the current one)."""

    audit: str | None = None
    member: str | None = None


@dataclass
class Change:
    """What a change function gets: the session, the locked audit and the acting member."""

    session: Session
    audit: Audit
    member: Member | None
    who: str

    @property
    def checklist(self) -> Checklist:
        return load_checklist(self.audit.checklist_id)

    def record(self, action: str, target: str, summary: Mapping[str, Any] | None = None) -> None:
        journal.append(
            self.session,
            self.audit,
            member=self.who,
            action=action,
            target=target,
            summary=summary,
        )


def perform(
    ws: Workspace, caller: Caller, action: Action, target: str, work: Callable[[Change], T]
) -> T:
    """Run `work` as `caller` if their role allows `action` on the audit; journal either way."""
    with ws.db.write() as session:
        audit = load_audit(session, caller.audit, for_update=True)
        member = resolve_member(session, audit, caller.member)
        who = member.name if member else outsider_name()
        role = stored_enum(Role, member.role, f"member {member.name}") if member else None
        decision = decide(
            role,
            action,
            has_officer=has_officer(session, audit),
            signed_off=is_signed_off(session, audit),
        )
        if decision.allowed:
            return work(Change(session, audit, member, who))
        journal.append(
            session,
            audit,
            member=who,
            action="denied",
            target=target,
            summary={
                "attempted": action.value,
                "role": role.value if role else None,
                "reason": decision.reason,
            },
        )
        refusal = PermissionDeniedError(f"{who}: {decision.reason}")
    raise refusal


def outsider_name() -> str:
    """How the journal names someone acting before they are a member (e.g. creating an audit)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"{user} (not a member)"


def load_audit(session: Session, name: str | None, *, for_update: bool = False) -> Audit:
    """The named audit, or the current one (the last opened or created)."""
    if name is None:
        current = session.get(AppSetting, CURRENT_AUDIT)
        if current is None:
            raise NotFoundError(
                "no audit is open in this database",
                hint="create one with `auditapp audit new NAME` or pick one with --audit NAME",
            )
        query = select(Audit).where(Audit.id == int(current.value))
    else:
        query = select(Audit).where(Audit.name == name)
    if for_update:
        query = query.with_for_update()
    audit = session.scalar(query)
    if audit is None:
        raise NotFoundError(
            f"no audit named {name!r}" if name else "the current audit no longer exists",
            hint="`auditapp audit list` shows the audits in this database",
        )
    return audit


def resolve_member(session: Session, audit: Audit, name: str | None) -> Member | None:
    """The named member; without a name, the audit's default member (None while there is none)."""
    if name is not None:
        member = session.scalar(
            select(Member).where(Member.audit_id == audit.id, Member.name == name)
        )
        if member is None:
            raise NotFoundError(
                f"{name!r} is not a member of audit {audit.name!r}",
                hint="`auditapp member list` shows who is",
            )
        return member
    return session.scalar(
        select(Member)
        .where(Member.audit_id == audit.id)
        .order_by(Member.is_default.desc(), Member.id)
        .limit(1)
    )


def has_officer(session: Session, audit: Audit) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Member.audit_id == audit.id, Member.role == Role.OFFICER.value))
        )
    )


def is_signed_off(session: Session, audit: Audit) -> bool:
    return bool(session.scalar(select(exists().where(SignOff.audit_id == audit.id))))


def set_current_audit(session: Session, audit: Audit) -> None:
    setting = session.get(AppSetting, CURRENT_AUDIT)
    if setting is None:
        session.add(AppSetting(key=CURRENT_AUDIT, value=str(audit.id)))
    elif setting.value != str(audit.id):
        setting.value = str(audit.id)
