"""Comments on checklist items: how auditors speak without editing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import Comment


@dataclass(frozen=True)
class CommentView:
    id: int
    item_key: str
    author: str
    role: str
    body: str
    created_at: datetime


def add_comment(ws: Workspace, caller: Caller, item_key: str, body: str) -> CommentView:
    body = body.strip()
    if not body:
        raise InvalidInputError("a comment cannot be empty")

    def work(change: Change) -> CommentView:
        try:
            change.checklist.item(item_key)
        except KeyError:
            raise NotFoundError(f"no checklist item {item_key!r}") from None
        assert change.member is not None  # COMMENT is allowed to members only
        comment = Comment(
            audit_id=change.audit.id,
            item_key=item_key,
            author=change.member.name,
            role=change.member.role,
            body=body,
        )
        change.session.add(comment)
        change.record("comment.add", item_key, {"text": body[:120]})
        change.session.flush()
        return _view(comment)

    return perform(ws, caller, Action.COMMENT, item_key, work)


def list_comments(ws: Workspace, caller: Caller, item_key: str) -> list[CommentView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.scalars(
            select(Comment)
            .where(Comment.audit_id == audit.id, Comment.item_key == item_key)
            .order_by(Comment.created_at, Comment.id)
        )
        return [_view(c) for c in rows]


def _view(comment: Comment) -> CommentView:
    return CommentView(
        comment.id,
        comment.item_key,
        comment.author,
        comment.role,
        comment.body,
        comment.created_at,
    )
