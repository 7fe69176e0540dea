"""Evidence: attaching files, linking them to items, listing and reading them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from auditapp.checklist import load_checklist
from auditapp.evidence import read_attachment
from auditapp.services.errors import NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.blobs import put_blob, read_blob
from auditapp.store.models import Evidence, EvidenceLink
from auditapp.store.types import utcnow


@dataclass(frozen=True)
class EvidenceView:
    id: int
    kind: str
    title: str
    media_type: str
    size: int
    sha256: str
    source: str
    collected_at: datetime
    collected_by: str
    items: tuple[str, ...]
    stored_new_bytes: bool = False


def attach_file(
    ws: Workspace,
    caller: Caller,
    path: Path,
    *,
    item_key: str | None = None,
    title: str | None = None,
) -> EvidenceView:
    """Store a file as evidence (its bytes once, however often attached), optionally linked."""
    if item_key is not None:
        _check_item(ws, caller, item_key)
    attached = read_attachment(path, max_bytes=ws.settings.evidence_max_bytes, title=title)
    source = str(path.expanduser().resolve())

    def work(change: Change) -> EvidenceView:
        new_bytes = put_blob(change.session, attached.sha256, attached.data)
        evidence = Evidence(
            audit_id=change.audit.id,
            sha256=attached.sha256,
            kind="attachment",
            title=attached.title,
            media_type=attached.media_type,
            size=attached.size,
            source=source,
            collected_at=utcnow(),
            collected_by=change.who,
        )
        change.session.add(evidence)
        change.session.flush()
        if item_key is not None:
            change.session.add(
                EvidenceLink(evidence_id=evidence.id, audit_id=change.audit.id, item_key=item_key)
            )
        change.record(
            "evidence.attach",
            attached.title,
            {
                "id": evidence.id,
                "sha256": attached.sha256,
                "size": attached.size,
                "source": source,
                "item": item_key,
            },
        )
        change.session.flush()
        return _view(evidence, (item_key,) if item_key else (), new_bytes)

    return perform(ws, caller, Action.ATTACH_EVIDENCE, attached.title, work)


def link(ws: Workspace, caller: Caller, evidence_id: int, item_key: str) -> EvidenceView:
    _check_item(ws, caller, item_key)

    def work(change: Change) -> EvidenceView:
        evidence = _evidence(change, evidence_id)
        if item_key not in {lk.item_key for lk in evidence.links}:
            change.session.add(
                EvidenceLink(evidence_id=evidence.id, audit_id=change.audit.id, item_key=item_key)
            )
            change.record("evidence.link", item_key, {"id": evidence.id, "title": evidence.title})
            change.session.flush()
            change.session.refresh(evidence)
        return _view(evidence, tuple(sorted(lk.item_key for lk in evidence.links)))

    return perform(ws, caller, Action.ATTACH_EVIDENCE, item_key, work)


def unlink(ws: Workspace, caller: Caller, evidence_id: int, item_key: str) -> None:
    def work(change: Change) -> None:
        evidence = _evidence(change, evidence_id)
        for existing in evidence.links:
            if existing.item_key == item_key:
                change.session.delete(existing)
                change.record(
                    "evidence.unlink", item_key, {"id": evidence.id, "title": evidence.title}
                )

    perform(ws, caller, Action.ATTACH_EVIDENCE, item_key, work)


def list_evidence(
    ws: Workspace, caller: Caller, *, item_key: str | None = None
) -> list[EvidenceView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        query = select(Evidence).where(Evidence.audit_id == audit.id).order_by(Evidence.id)
        if item_key is not None:
            query = query.where(
                Evidence.id.in_(
                    select(EvidenceLink.evidence_id).where(
                        EvidenceLink.audit_id == audit.id, EvidenceLink.item_key == item_key
                    )
                )
            )
        return [
            _view(e, tuple(sorted(lk.item_key for lk in e.links))) for e in session.scalars(query)
        ]


def read_evidence_bytes(ws: Workspace, caller: Caller, evidence_id: int) -> bytes:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        evidence = session.get(Evidence, evidence_id)
        if evidence is None or evidence.audit_id != audit.id:
            raise NotFoundError(f"no evidence #{evidence_id} in audit {audit.name!r}")
        data = read_blob(session, evidence.sha256)
        if data is None:
            raise NotFoundError(f"the bytes of evidence #{evidence_id} are missing")
        return data


def _check_item(ws: Workspace, caller: Caller, item_key: str) -> None:
    with ws.db.read() as session:
        checklist = load_checklist(load_audit(session, caller.audit).checklist_id)
    try:
        checklist.item(item_key)
    except KeyError:
        raise NotFoundError(
            f"no checklist item {item_key!r}", hint="`auditapp item list` shows the item keys"
        ) from None


def _evidence(change: Change, evidence_id: int) -> Evidence:
    evidence = change.session.get(Evidence, evidence_id)
    if evidence is None or evidence.audit_id != change.audit.id:
        raise NotFoundError(f"no evidence #{evidence_id} in audit {change.audit.name!r}")
    return evidence


def _view(evidence: Evidence, items: tuple[str, ...], new_bytes: bool = False) -> EvidenceView:
    return EvidenceView(
        id=evidence.id,
        kind=evidence.kind,
        title=evidence.title,
        media_type=evidence.media_type,
        size=evidence.size,
        sha256=evidence.sha256,
        source=evidence.source,
        collected_at=evidence.collected_at,
        collected_by=evidence.collected_by,
        items=items,
        stored_new_bytes=new_bytes,
    )
