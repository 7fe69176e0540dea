"""Answering checklist items, and the progress those answers add up to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditapp.checklist import (
    Answer,
    Checklist,
    Item,
    Method,
    Rollup,
    Status,
    is_complete,
    load_checklist,
)
from auditapp.checklist import roll_up as checklist_roll_up
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.stored import stored_enum
from auditapp.services.workspace import (
    Caller,
    Change,
    Workspace,
    check_name,
    load_audit,
    perform,
)
from auditapp.store.errors import StaleEditError
from auditapp.store.models import Audit, ChecklistResponse, Comment, EvidenceLink
from auditapp.store.types import utcnow


class Keep(Enum):
    """Marks a field an edit leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class ItemEdit:
    """The fields to change; everything left at KEEP stays. `status=None` clears the answer."""

    status: Status | Keep | None = KEEP
    method: Method | Keep = KEEP
    rationale: str | Keep = KEEP
    owner: str | Keep = KEEP
    due_date: date | Keep | None = KEEP

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not KEEP}


_DECIDING = frozenset({"status", "method", "owner", "due_date"})


@dataclass(frozen=True)
class ItemView:
    item: Item
    status: Status | None
    method: Method
    rationale: str
    owner: str
    due_date: date | None
    version: int
    evidence_count: int
    comment_count: int
    updated_by: str
    updated_at: datetime | None
    complete: bool

    @property
    def key(self) -> str:
        return self.item.key


def list_items(ws: Workspace, caller: Caller, *, section: int | None = None) -> list[ItemView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        checklist = _checklist(audit)
        if section is not None and section not in {s.number for s in checklist.sections}:
            raise InvalidInputError(
                f"no section {section}: the checklist has sections 1-{len(checklist.sections)}"
            )
        views = _views(session, audit, checklist)
        return [v for v in views if section is None or v.item.section == section]


def get_item(ws: Workspace, caller: Caller, key: str) -> ItemView:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        checklist = _checklist(audit)
        item = _item(checklist, key)
        return next(v for v in _views(session, audit, checklist) if v.item.key == item.key)


def update_item(
    ws: Workspace, caller: Caller, key: str, edit: ItemEdit, *, expected_version: int | None = None
) -> ItemView:
    """Apply `edit` to item `key`. With `expected_version`, refuse if someone changed it since."""
    fields = edit.changes()
    if not fields:
        raise InvalidInputError(f"nothing to change on item {key}")
    if isinstance(edit.owner, str) and edit.owner.strip():
        check_name(edit.owner, "the owner")
    if isinstance(edit.rationale, str) and len(edit.rationale) > 100_000:
        raise InvalidInputError(f"the rationale for {key} is longer than 100,000 characters")
    action = Action.SET_STATUS if _DECIDING & fields.keys() else Action.DRAFT_RATIONALE

    def work(change: Change) -> ItemView:
        item = _item(change.checklist, key)
        response = _response(change.session, change.audit, key)
        if expected_version is not None and response.version != expected_version:
            raise StaleEditError(
                f"item {key} was changed by {response.updated_by or 'someone'} "
                f"(now version {response.version}; your edit was based on {expected_version})",
                hint="reload the item, then apply your change again",
            )
        summary: dict[str, list[Any]] = {}
        for name, value in fields.items():
            before = getattr(response, name)
            after = value.value if isinstance(value, Enum) else value
            if before != after:
                summary[name] = [_brief(before), _brief(after)]
                setattr(response, name, after)
        if summary:
            response.updated_at = utcnow()
            response.updated_by = change.who
            change.record("item.update", key, summary)
            change.session.flush()
        return _view(change.session, change.audit, item, response)

    return perform(ws, caller, action, key, work)


def roll_up(ws: Workspace, caller: Caller) -> Rollup:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        checklist = _checklist(audit)
        answers = {
            v.item.key: Answer(v.status, v.rationale, v.evidence_count)
            for v in _views(session, audit, checklist)
        }
        return checklist_roll_up(checklist, answers)


def _checklist(audit: Audit) -> Checklist:
    return load_checklist(audit.checklist_id)


def _item(checklist: Checklist, key: str) -> Item:
    try:
        return checklist.item(key)
    except KeyError:
        raise NotFoundError(
            f"no checklist item {key!r}", hint="`auditapp item list` shows the item keys"
        ) from None


def _response(session: Session, audit: Audit, key: str) -> ChecklistResponse:
    response = session.scalar(
        select(ChecklistResponse).where(
            ChecklistResponse.audit_id == audit.id, ChecklistResponse.item_key == key
        )
    )
    if response is None:  # an item added by a newer checklist version
        response = ChecklistResponse(audit_id=audit.id, item_key=key, method="none")
        session.add(response)
        session.flush()
    return response


def _views(session: Session, audit: Audit, checklist: Checklist) -> list[ItemView]:
    responses = {
        r.item_key: r
        for r in session.scalars(
            select(ChecklistResponse).where(ChecklistResponse.audit_id == audit.id)
        )
    }
    evidence = {
        key: n
        for key, n in session.execute(
            select(EvidenceLink.item_key, func.count())
            .where(EvidenceLink.audit_id == audit.id)
            .group_by(EvidenceLink.item_key)
        )
    }
    comments = {
        key: n
        for key, n in session.execute(
            select(Comment.item_key, func.count())
            .where(Comment.audit_id == audit.id)
            .group_by(Comment.item_key)
        )
    }
    return [
        _make_view(
            item, responses.get(item.key), evidence.get(item.key, 0), comments.get(item.key, 0)
        )
        for item in checklist.items()
    ]


def _view(session: Session, audit: Audit, item: Item, response: ChecklistResponse) -> ItemView:
    evidence = (
        session.scalar(
            select(func.count())
            .select_from(EvidenceLink)
            .where(EvidenceLink.audit_id == audit.id, EvidenceLink.item_key == item.key)
        )
        or 0
    )
    comments = (
        session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.audit_id == audit.id, Comment.item_key == item.key)
        )
        or 0
    )
    return _make_view(item, response, evidence, comments)


def _make_view(
    item: Item, response: ChecklistResponse | None, evidence: int, comments: int
) -> ItemView:
    where = f"item {item.key}"
    status = stored_enum(Status, response.status, where) if response and response.status else None
    rationale = response.rationale if response else ""
    return ItemView(
        item=item,
        status=status,
        method=stored_enum(Method, response.method, where) if response else Method.NONE,
        rationale=rationale,
        owner=response.owner if response else "",
        due_date=response.due_date if response else None,
        version=response.version if response else 0,
        evidence_count=evidence,
        comment_count=comments,
        updated_by=response.updated_by if response else "",
        updated_at=response.updated_at if response else None,
        complete=is_complete(item, Answer(status, rationale, evidence)),
    )


def _brief(value: Any) -> Any:
    """Keep journal summaries compact: long text is cut, dates become ISO strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) > 120:
        return value[:117] + "..."
    return value
