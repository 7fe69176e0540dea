"""Creating, listing and opening audits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from auditapp.checklist import DEFAULT_CHECKLIST, load_checklist
from auditapp.services.errors import InvalidInputError
from auditapp.services.roles import Role
from auditapp.services.workspace import (
    Workspace,
    check_name,
    current_audit_key,
    load_audit,
    outsider_name,
    set_current_audit,
)
from auditapp.store import journal
from auditapp.store.models import AppSetting, Audit, ChecklistResponse, Member


@dataclass(frozen=True)
class AuditSummary:
    name: str
    entity: str
    description: str
    checklist_id: str
    created_at: datetime
    members: int
    current: bool


def create_audit(
    ws: Workspace,
    name: str,
    *,
    entity: str = "",
    description: str = "",
    checklist_id: str = DEFAULT_CHECKLIST,
    first_member: tuple[str, Role] | None = None,
) -> AuditSummary:
    """A new audit with an unanswered response per checklist item; it becomes current.

    With `first_member`, that person joins as the default member in the same transaction,
    so an audit never exists half set up.
    """
    name = check_name(name, "the audit's name")
    member_name = check_name(first_member[0], "the member's name") if first_member else ""
    checklist = load_checklist(checklist_id)
    with ws.db.write() as session:
        if session.scalar(select(Audit.id).where(Audit.name == name)) is not None:
            raise InvalidInputError(
                f"an audit named {name!r} already exists",
                hint="choose another name, or open it with --audit",
            )
        audit = Audit(
            name=name,
            entity=entity.strip(),
            description=description.strip(),
            checklist_id=checklist.id,
            journal_seq=0,
            journal_head=journal.GENESIS,
        )
        session.add(audit)
        session.flush()
        session.add_all(
            ChecklistResponse(audit_id=audit.id, item_key=item.key, method="none")
            for item in checklist.items()
        )
        journal.append(
            session,
            audit,
            member=outsider_name(),
            action="audit.create",
            target=name,
            summary={"entity": audit.entity, "checklist": f"{checklist.id} {checklist.version}"},
        )
        if first_member:
            role = first_member[1]
            session.add(
                Member(audit_id=audit.id, name=member_name, role=role.value, is_default=True)
            )
            journal.append(
                session,
                audit,
                member=outsider_name(),
                action="member.add",
                target=member_name,
                summary={"role": role.value, "default": True},
            )
        set_current_audit(session, audit)
        session.flush()
        return _summary(audit, members=1 if first_member else 0, current=True)


def list_audits(ws: Workspace) -> list[AuditSummary]:
    with ws.db.read() as session:
        current = session.get(AppSetting, current_audit_key())
        counts = {
            key: n
            for key, n in session.execute(
                select(Member.audit_id, func.count()).group_by(Member.audit_id)
            )
        }
        return [
            _summary(a, counts.get(a.id, 0), current is not None and current.value == str(a.id))
            for a in session.scalars(select(Audit).order_by(Audit.created_at, Audit.id))
        ]


def open_audit(ws: Workspace, name: str) -> AuditSummary:
    """Make `name` the current audit of this database."""
    with ws.db.write() as session:
        audit = load_audit(session, name)
        set_current_audit(session, audit)
        members = session.scalar(
            select(func.count()).select_from(Member).where(Member.audit_id == audit.id)
        )
        return _summary(audit, members or 0, True)


def current_audit(ws: Workspace) -> AuditSummary | None:
    for summary in list_audits(ws):
        if summary.current:
            return summary
    return None


def _summary(audit: Audit, members: int, current: bool) -> AuditSummary:
    return AuditSummary(
        name=audit.name,
        entity=audit.entity,
        description=audit.description,
        checklist_id=audit.checklist_id,
        created_at=audit.created_at,
        members=members,
        current=current,
    )
