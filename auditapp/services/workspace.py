"""The explicit context every use case receives, and the one path by which changes are made.

`perform` loads the audit (locked for the change), resolves the acting member, asks the role
rules, runs the change and journals it — or journals the refusal, commits that, and raises.
"""

from __future__ import annotations

import getpass
import math
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from auditapp.checklist import Checklist, load_checklist
from auditapp.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from auditapp.services.roles import Action, Role, decide
from auditapp.services.stored import stored_enum
from auditapp.store import journal
from auditapp.store.database import Database, open_database
from auditapp.store.errors import CorruptDataError
from auditapp.store.models import AppSetting, Audit, Member, SignOff

T = TypeVar("T")
CURRENT_AUDIT = "current_audit"  # one per operating-system user: see current_audit_key()
DEFAULT_EVIDENCE_CAP = 200 * 1024 * 1024
DEFAULT_MAX_AGE_DAYS = 7  # vulnerability data older than this is stale


@dataclass(frozen=True)
class Settings:
    evidence_max_bytes: int = DEFAULT_EVIDENCE_CAP

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        """AUDITAPP_EVIDENCE_CAP_MB: the evidence size cap in MB (a positive number)."""
        text = environ.get("AUDITAPP_EVIDENCE_CAP_MB", "").strip()
        if not text:
            return cls()
        try:
            megabytes = float(text)
        except ValueError:
            megabytes = float("nan")
        if not math.isfinite(megabytes) or megabytes <= 0:
            raise InvalidInputError(
                f"AUDITAPP_EVIDENCE_CAP_MB={text!r} is not a positive number of megabytes"
            )
        return cls(evidence_max_bytes=max(1, int(megabytes * 1024 * 1024)))


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
                "origin": origin(),
            },
        )
        refusal = PermissionDeniedError(f"{who}: {decision.reason}")
    raise refusal


NAME_LIMIT = 200


def check_name(value: str, what: str) -> str:
    """Names are stored in columns of 200 characters on every backend; say so up front."""
    value = value.strip()
    if not value:
        raise InvalidInputError(f"{what} cannot be empty")
    if len(value) > NAME_LIMIT:
        raise InvalidInputError(f"{what} is longer than {NAME_LIMIT} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInputError(f"{what} contains control characters")
    return value


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def origin() -> str:
    """Where a request came from, for the journal: the operating-system user and host."""
    return f"{_os_user()}@{socket.gethostname()}"


def outsider_name() -> str:
    """How the journal names someone acting before they are a member (e.g. creating an audit)."""
    return f"{_os_user()} (not a member)"


def load_audit(session: Session, name: str | None, *, for_update: bool = False) -> Audit:
    """The named audit, or the current one (the last opened or created)."""
    if name is None:
        current = session.get(AppSetting, current_audit_key())
        if current is None:
            raise NotFoundError(
                "no audit is open in this database",
                hint="create one with `auditapp audit new NAME` or pick one with --audit NAME",
            )
        if not current.value.isdigit():
            raise CorruptDataError(f"the current audit setting {current.value!r} is not an id")
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


def current_audit_key() -> str:
    """Each person (operating-system user) has their own current audit in a shared database."""
    return f"{CURRENT_AUDIT}:{_os_user()}"[:64]


def set_current_audit(session: Session, audit: Audit) -> None:
    key = current_audit_key()
    setting = session.get(AppSetting, key)
    if setting is None:
        session.add(AppSetting(key=key, value=str(audit.id)))
    elif setting.value != str(audit.id):
        setting.value = str(audit.id)
