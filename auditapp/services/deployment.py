"""Loading the `Deployment` the analysis judges: the latest evidence, the components with their
vulnerability counts, the declared flows, the templates and the attached host evidence."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.analysis.facts import EvidenceDoc, build_deployment, latest
from auditapp.analysis.model import Attachment, ComponentFacts, DeclaredFlow, Deployment
from auditapp.formats import strict_json
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Audit, Blob, Component, Evidence, Flow, Image, SecurityTemplate

ANALYSED_KINDS = (
    "engine-container",
    "engine-image",
    "engine-network",
    "engine-volume",
    "engine-daemon",
    "engine-daemon-config",
    "image-config",
    "image-setid-files",
    "compose",
)
ATTACHMENT_TEXT_LIMIT = 1024 * 1024  # host evidence and seccomp profiles are small
FIXABLE_SEVERITIES = ("critical", "high")


def load_deployment(ws: Workspace, caller: Caller, *, with_vulns: bool = True) -> Deployment:
    """The deployment of the caller's audit as the stored evidence shows it."""
    fixable = _fixable_counts(ws, caller) if with_vulns else Counter[str]()
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        return deployment_in(session, audit, fixable)


def deployment_in(session: Session, audit: Audit, fixable: Counter[str]) -> Deployment:
    return build_deployment(
        latest(_documents(session, audit)),
        components=_components(session, audit, fixable),
        flows=_flows(session, audit),
        templates=_templates(session, audit),
        attachments=_attachments(session, audit),
    )


def _documents(session: Session, audit: Audit) -> list[EvidenceDoc]:
    digests = dict(
        session.execute(
            select(Image.evidence_id, Image.digest).where(
                Image.audit_id == audit.id, Image.evidence_id.is_not(None)
            )
        ).all()
    )
    rows = session.execute(
        select(Evidence.id, Evidence.kind, Evidence.title, Evidence.collected_at, Blob.data)
        .join(Blob, Blob.sha256 == Evidence.sha256)
        .where(Evidence.audit_id == audit.id, Evidence.kind.in_(ANALYSED_KINDS))
        .order_by(Evidence.id)
    ).all()
    docs = []
    for evidence_id, kind, title, collected_at, data in rows:
        docs.append(
            EvidenceDoc(
                evidence_id,
                kind,
                title,
                collected_at,
                _json(data),
                image_digest=str(digests.get(evidence_id, "")),
            )
        )
    return docs


def _json(data: bytes) -> Any:
    """Stored evidence as JSON; bytes that are not JSON (tampered with) read as nothing."""
    try:
        return strict_json.loads(data)
    except (ValueError, RecursionError):
        return None


def _components(session: Session, audit: Audit, fixable: Counter[str]) -> list[ComponentFacts]:
    rows = session.scalars(
        select(Component).where(Component.audit_id == audit.id).order_by(Component.name)
    )
    return [
        ComponentFacts(
            name=c.name,
            internet_facing=c.internet_facing,
            in_cde=c.in_cde,
            data_classes=tuple(d for d in c.data_classes.split(",") if d),
            host=c.host,
            template=c.template,
            fixable_critical=fixable[c.name],
        )
        for c in rows
    ]


def _flows(session: Session, audit: Audit) -> list[DeclaredFlow]:
    rows = session.scalars(select(Flow).where(Flow.audit_id == audit.id).order_by(Flow.id))
    return [
        DeclaredFlow(
            id=f.id,
            source=f.source,
            destination=f.destination,
            port=f.port,
            protocol=f.protocol,
            data_classes=tuple(_json_strings(f.data_classes)),
            encrypted=f.encrypted,
            authenticated=f.authenticated,
            justification=f.justification,
        )
        for f in rows
    ]


def _json_strings(text: str) -> list[str]:
    value = _json(text.encode())
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _templates(session: Session, audit: Audit) -> dict[str, Any]:
    rows = session.scalars(select(SecurityTemplate).where(SecurityTemplate.audit_id == audit.id))
    return {t.name: _json(t.body.encode()) for t in rows}


def _attachments(session: Session, audit: Audit) -> list[Attachment]:
    rows = session.execute(
        select(Evidence.id, Evidence.title, Blob.data)
        .join(Blob, Blob.sha256 == Evidence.sha256)
        .where(
            Evidence.audit_id == audit.id,
            Evidence.kind == "attachment",
            Evidence.size <= ATTACHMENT_TEXT_LIMIT,
        )
        .order_by(Evidence.id)
    ).all()
    return [Attachment(i, title, data.decode("utf-8", "replace")) for i, title, data in rows]


def _fixable_counts(ws: Workspace, caller: Caller) -> Counter[str]:
    """Fixable critical and high vulnerabilities per component, not dispositioned away."""
    from auditapp.services.vulns import list_vulns

    counts: Counter[str] = Counter()
    for vuln in list_vulns(ws, caller, fixable=True).vulns:
        if vuln.severity in FIXABLE_SEVERITIES and vuln.disposition not in (
            "not_affected",
            "fixed",
        ):
            counts.update(vuln.components)
    return counts
