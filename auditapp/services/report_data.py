"""Gathering everything the audit package shows into one `ReportData`, read from the database
once. Times come from the data (the journal's newest entry is the package's "as of"), never
from the clock, so the same audit state renders to the same bytes."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import select

from auditapp.analysis.blast import blast_radius
from auditapp.analysis.model import Deployment
from auditapp.analysis.network_drift import flow_report
from auditapp.checklist import load_checklist
from auditapp.report.model import (
    ActorRow,
    AuditInfo,
    ComponentRow,
    EvidenceRow,
    FindingRow,
    ItemRow,
    MemberRow,
    ReportData,
    SectionRow,
    SignOffRow,
    ThreatRow,
)
from auditapp.services.deployment import FIXABLE_SEVERITIES, deployment_in
from auditapp.services.evidence import EvidenceView, list_evidence
from auditapp.services.findings import FindingView, list_findings
from auditapp.services.items import ItemView, list_items
from auditapp.services.members import list_members
from auditapp.services.report_parts import (
    companions,
    dependencies,
    host_rows,
    methodology,
    samples,
)
from auditapp.services.signoff import list_signoffs
from auditapp.services.suggestions import list_suggestions
from auditapp.services.threat_actors import list_actors
from auditapp.services.threats import list_threats
from auditapp.services.vulns import VulnReport, list_vulns
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Comment, JournalEntry

FINAL_ROLES = ("officer", "auditor")


def gather(ws: Workspace, caller: Caller, *, draft: bool = False) -> ReportData:
    """The whole package's content for the caller's audit."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        entries = list(
            session.execute(
                select(JournalEntry.at).where(JournalEntry.audit_id == audit.id)
            ).scalars()
        )
        comments: dict[str, list[tuple[str, str, datetime, str]]] = defaultdict(list)
        for c in session.scalars(
            select(Comment).where(Comment.audit_id == audit.id).order_by(Comment.id)
        ):
            comments[c.item_key].append((c.author, c.role, c.created_at, c.body))
        audit_row = (
            audit.name,
            audit.entity,
            audit.description,
            audit.checklist_id,
            audit.created_at,
            audit.journal_head,
        )
    name, entity, description, checklist_id, created_at, journal_head = audit_row
    checklist = load_checklist(checklist_id)
    as_of = max((datetime.fromisoformat(at) for at in entries), default=created_at)

    evidence = list_evidence(ws, caller)
    refs = evidence_refs(evidence)
    findings = list_findings(ws, caller)
    items = list_items(ws, caller)
    suggestions = {s.item_key: s for s in list_suggestions(ws, caller)}
    signoffs = list_signoffs(ws, caller)
    signed_roles = {s.role for s in signoffs}
    found = list_vulns(ws, caller)  # matched once: the deployment, section 7, every SBOM
    deployment = _deployment(ws, caller, found)
    owners = _owners(items)

    sections = []
    for section in checklist.sections:
        rows = []
        for view in (v for v in items if v.item.section == section.number):
            item = view.item
            suggestion = suggestions.get(item.key)
            rows.append(
                ItemRow(
                    key=item.key,
                    question=item.question,
                    guidance=item.guidance,
                    status=view.status.value if view.status else None,
                    method=view.method.value,
                    pci=item.pci,
                    cis=item.cis,
                    rationale=view.rationale,
                    owner=view.owner,
                    due_date=view.due_date,
                    updated_by=view.updated_by,
                    updated_at=view.updated_at,
                    evidence_refs=tuple(
                        refs[e.id] for e in evidence if item.key in e.items and e.id in refs
                    ),
                    finding_ids=tuple(
                        f.id
                        for f in findings
                        if f.rule_id in item.rules and f.status != "remediated"
                    ),
                    suggestion=(
                        f"{suggestion.status.label}: {suggestion.reason}" if suggestion else ""
                    ),
                    comments=tuple(comments.get(item.key, ())),
                )
            )
        sections.append(
            SectionRow(section.number, section.key, section.title, section.summary, tuple(rows))
        )

    evidence_rows = tuple(_evidence_row(e, refs[e.id]) for e in evidence)
    finding_rows = tuple(_finding_row(f, refs, owners) for f in findings)
    packages, vulns, lifecycle, vuln_data = dependencies(ws, caller, as_of, found)
    data = ReportData(
        audit=AuditInfo(
            name=name,
            entity=entity,
            description=description,
            checklist_title=checklist.title,
            checklist_version=checklist.version,
            pci_dss_version=checklist.pci_dss_version,
            cis_benchmark=checklist.cis_benchmark,
            period_start=min((e.collected_at for e in evidence), default=created_at).date(),
            period_end=as_of.date(),
            as_of=as_of,
            journal_head=journal_head,
            journal_entries=len(entries),
            final=all(role in signed_roles for role in FINAL_ROLES),
            draft_forced=draft,
        ),
        members=tuple(MemberRow(m.name, m.role.value) for m in list_members(ws, caller)),
        signoffs=tuple(
            SignOffRow(s.member, s.role, s.signed_at, s.statement, s.journal_head) for s in signoffs
        ),
        missing_signoffs=tuple(r for r in FINAL_ROLES if r not in signed_roles),
        sections=tuple(sections),
        components=tuple(_components(deployment, ws, caller)),
        host=host_rows(deployment),
        samples=samples(deployment, evidence),
        deployment=deployment,
        flows=flow_report(deployment),
        blast=blast_radius(deployment),
        packages=packages,
        vulns=vulns,
        lifecycle=lifecycle,
        actors=tuple(
            ActorRow(
                a.kind,
                a.name,
                a.stix_type,
                a.motivations,
                a.sophistication,
                a.resources,
                a.description,
            )
            for a in list_actors(ws, caller)
        ),
        threats=tuple(
            ThreatRow(
                t.id,
                t.element,
                t.element_kind,
                t.category,
                t.title,
                t.description,
                t.actors,
                t.likelihood,
                t.impact,
                t.mitigation,
                t.status,
                t.items,
                t.origin,
            )
            for t in list_threats(ws, caller)
            if t.active
        ),
        findings=finding_rows,
        evidence=evidence_rows,
        methodology=methodology(ws, caller, checklist, vuln_data),
    )
    return companions(ws, caller, data, found)


def _deployment(ws: Workspace, caller: Caller, found: VulnReport) -> Deployment:
    """The deployment as `load_deployment` reads it, its fixable counts taken from `found`
    instead of matching the inventory again."""
    fixable: Counter[str] = Counter()
    for vuln in found.vulns:
        if (
            vuln.fix_available
            and vuln.severity in FIXABLE_SEVERITIES
            and vuln.disposition not in ("not_affected", "fixed")
        ):
            fixable.update(vuln.components)
    with ws.db.read() as session:
        return deployment_in(session, load_audit(session, caller.audit), fixable)


def evidence_refs(evidence: list[EvidenceView]) -> dict[int, str]:
    """SYS-n for collected system evidence, DOC-n for attached documents, in collection order."""
    refs: dict[int, str] = {}
    counters = {"SYS": 0, "DOC": 0}
    for e in sorted(evidence, key=lambda e: e.id):
        prefix = "DOC" if e.kind == "attachment" else "SYS"
        counters[prefix] += 1
        refs[e.id] = f"{prefix}-{counters[prefix]}"
    return refs


def _evidence_row(e: EvidenceView, ref: str) -> EvidenceRow:
    extension = ".json" if e.media_type == "application/json" else ""
    return EvidenceRow(
        ref=ref,
        id=e.id,
        title=e.title,
        kind=e.kind,
        media_type=e.media_type,
        source=e.source,
        collected_by=e.collected_by,
        collected_at=e.collected_at,
        sha256=e.sha256,
        size=e.size,
        items=e.items,
        file_name=f"evidence/{ref}{extension}",
    )


def _owners(items: list[ItemView]) -> dict[str, ItemView]:
    """The checklist item each rule belongs to first: its owner and due date go to the action
    plan."""
    owners: dict[str, ItemView] = {}
    for view in items:
        for rule_id in view.item.rules:
            owners.setdefault(rule_id, view)
    return owners


def _finding_row(f: FindingView, refs: dict[int, str], owners: dict[str, ItemView]) -> FindingRow:
    from auditapp.analysis.catalogue import rule_by_id

    rule = rule_by_id(f.rule_id)
    owner = owners.get(f.rule_id)
    return FindingRow(
        id=f.id,
        rule_id=f.rule_id,
        severity=f.severity,
        title=f.title,
        component=f.component,
        location=f.location,
        pci=f.pci,
        cis=f.cis,
        status=f.status,
        justification=f.justification,
        expires=f.expires,
        evidence_ref=refs.get(f.evidence_id, "") if f.evidence_id else "",
        remediation=_remediation(rule.doc if rule else ""),
        owner=owner.owner if owner else "",
        target_date=owner.due_date if owner else None,
        first_seen=f.first_seen,
        last_seen=f.last_seen,
    )


def _remediation(doc: str) -> str:
    """The rule documentation's last paragraph is how to fix it."""
    paragraphs = [p.strip() for p in doc.split("\n\n") if p.strip()]
    return " ".join(paragraphs[-1].split()) if paragraphs else ""


def _components(deployment: Deployment, ws: Workspace, caller: Caller) -> list[ComponentRow]:
    from auditapp.services.components import list_components

    return [
        ComponentRow(
            c.name,
            c.image_ref,
            c.image_digest,
            c.internet_facing,
            c.in_cde,
            c.data_classes,
            c.host,
            _template_of(deployment, c.name),  # the component's, as analysed
            c.notes,
        )
        for c in list_components(ws, caller)
    ]


def _template_of(deployment: Deployment, name: str) -> str:
    component = deployment.component(name)
    return component.template if component else ""


def findings_json(data: ReportData) -> bytes:
    rows = [{**f.__dict__, "pci": list(f.pci), "cis": list(f.cis)} for f in data.findings]
    return json.dumps(rows, indent=2, sort_keys=True, default=str, ensure_ascii=False).encode()
