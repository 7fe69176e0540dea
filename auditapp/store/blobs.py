"""Content-addressed bytes: each distinct content is stored once, keyed by its SHA-256."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.store.models import Blob
from auditapp.store.types import utcnow


def put_blob(session: Session, sha256: str, data: bytes) -> bool:
    """Store `data` under `sha256` unless it is there already; True when it was new."""
    if session.scalar(select(Blob.sha256).where(Blob.sha256 == sha256)) is not None:
        return False
    insert: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(Blob)
        .values(sha256=sha256, size=len(data), data=data, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    session.execute(statement)  # DO NOTHING: a concurrent writer may have stored it meanwhile
    return True


def read_blob(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(Blob.data).where(Blob.sha256 == sha256))
