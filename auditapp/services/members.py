"""Members of an audit and their roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from auditapp.services.errors import InvalidInputError
from auditapp.services.roles import Action, Role, decide
from auditapp.services.stored import stored_enum
from auditapp.services.workspace import (
    Caller,
    Change,
    Workspace,
    check_name,
    has_officer,
    is_signed_off,
    load_audit,
    perform,
    resolve_member,
)
from auditapp.store.models import Member


@dataclass(frozen=True)
class MemberView:
    name: str
    role: Role
    is_default: bool
    created_at: datetime


@dataclass(frozen=True)
class Identity:
    """Who the caller acts as, and what that role may do right now (for the faces)."""

    audit: str
    member: MemberView | None
    allowed: frozenset[Action]
    refusals: Mapping[Action, str]  # why each other action is refused, in one sentence


def add_member(
    ws: Workspace, caller: Caller, name: str, role: Role, *, make_default: bool = False
) -> MemberView:
    name = check_name(name, "the member's name")

    def work(change: Change) -> MemberView:
        session, audit = change.session, change.audit
        taken = session.scalar(
            select(Member.id).where(Member.audit_id == audit.id, Member.name == name)
        )
        if taken is not None:
            raise InvalidInputError(f"{name!r} is already a member of audit {audit.name!r}")
        first = not audit.members
        if make_default:
            session.execute(
                update(Member).where(Member.audit_id == audit.id).values(is_default=False)
            )
        member = Member(
            audit_id=audit.id, name=name, role=role.value, is_default=first or make_default
        )
        session.add(member)
        change.record("member.add", name, {"role": role.value, "default": member.is_default})
        session.flush()
        return _view(member)

    return perform(ws, caller, Action.MANAGE_MEMBERS, name, work)


def list_members(ws: Workspace, caller: Caller) -> list[MemberView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        return [_view(m) for m in audit.members]


def whoami(ws: Workspace, caller: Caller) -> Identity:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        member = resolve_member(session, audit, caller.member)
        role = stored_enum(Role, member.role, f"member {member.name}") if member else None
        state = {
            "has_officer": has_officer(session, audit),
            "signed_off": is_signed_off(session, audit),
        }
        decisions = {action: decide(role, action, **state) for action in Action}
        return Identity(
            audit=audit.name,
            member=_view(member) if member else None,
            allowed=frozenset(a for a, d in decisions.items() if d.allowed),
            refusals={a: d.reason for a, d in decisions.items() if not d.allowed},
        )


def _view(member: Member) -> MemberView:
    role = stored_enum(Role, member.role, f"member {member.name}")
    return MemberView(member.name, role, member.is_default, member.created_at)
