"""Storing the generated threat model inside an analysis run's write transaction.

A refresh matches generated threats by fingerprint (rule, element, category). It rewrites what
the rules say (title, description, linked findings) but never a field a person set: the status
always, and likelihood, impact, mitigation, actors and items once someone changed them (the
journal's `threat.set` entries say which). Threats no longer generated become inactive, never
deleted; threats people wrote are never touched by a refresh.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.analysis.model import Deployment
from auditapp.analysis.threats import GeneratedThreat, ThreatStatus, generate_threats
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, perform
from auditapp.store.models import Finding, JournalEntry, Threat
from auditapp.store.types import utcnow

EDITABLE = ("likelihood", "impact", "mitigation", "actors", "items")  # what people may set


def refresh_threats(change: Change, deployment: Deployment) -> int:
    """Store the threats the deployment suggests, inside the caller's write transaction.
    Returns how many generated threats are active."""
    session, audit, now = change.session, change.audit, utcnow()
    rows = {
        row.fingerprint: row
        for row in session.scalars(
            select(Threat).where(Threat.audit_id == audit.id, Threat.origin == "generated")
        )
    }
    edited = _edited_fields(session, audit.id)
    findings = _active_findings(change)
    generated = generate_threats(deployment)
    added = 0
    for threat in generated:
        row = rows.get(threat.fingerprint)
        if row is None:
            row = Threat(audit_id=audit.id, fingerprint=threat.fingerprint, origin="generated")
            row.status = ThreatStatus.UNCHECKED.value
            session.add(row)
            added += 1
        keep = edited.get(threat.fingerprint, set())
        _fill(row, threat, keep, _linked(threat, findings), now)
    current = {t.fingerprint for t in generated}
    retired = 0
    for fingerprint, row in rows.items():
        if fingerprint not in current and row.active:
            row.active, row.updated_at = False, now
            retired += 1
    session.flush()
    summary = {"active": len(generated), "new": added, "inactive": retired}
    change.record("threats.refresh", "threats", summary)
    return len(generated)


def refresh_threats_now(ws: Workspace, caller: Caller) -> int:
    """Regenerate the threat model from the stored evidence, outside an analysis run."""
    from auditapp.services.analysis import load_deployment

    perform(ws, caller, Action.EDIT_THREAT_MODEL, "threats", lambda change: None)  # refuse early
    deployment = load_deployment(ws, caller)
    return perform(
        ws,
        caller,
        Action.EDIT_THREAT_MODEL,
        "threats",
        lambda change: refresh_threats(change, deployment),
    )


def _fill(
    row: Threat, threat: GeneratedThreat, keep: set[str], findings: list[int], now: datetime
) -> None:
    row.rule = threat.rule[:60]
    row.element = threat.element[:300]
    row.element_kind = threat.element_kind.value
    row.category = threat.category.value
    row.title = threat.title
    row.description = threat.description
    row.findings = json.dumps(findings)
    fresh = {
        "likelihood": threat.likelihood,
        "impact": threat.impact,
        "mitigation": threat.mitigation,
        "actors": json.dumps(list(threat.actors)),
        "items": json.dumps(list(threat.items)),
    }
    for field, value in fresh.items():
        if field not in keep:
            setattr(row, field, value)
    if not row.active or row.updated_at is None:
        row.updated_at = now
    row.active = True


def _active_findings(change: Change) -> list[tuple[int, str, str]]:
    query = select(Finding.id, Finding.rule_id, Finding.component).where(
        Finding.audit_id == change.audit.id, Finding.active.is_(True)
    )
    return [(i, rule, component) for i, rule, component in change.session.execute(query)]


def _linked(threat: GeneratedThreat, findings: Iterable[tuple[int, str, str]]) -> list[int]:
    rules, components = set(threat.finding_rules), set(threat.components)
    return sorted(i for i, rule, component in findings if rule in rules and component in components)


def _edited_fields(session: Session, audit_id: int) -> dict[str, set[str]]:
    """Per fingerprint, the fields people have set on a generated threat, from the journal's
    `threat.set` entries (the journal is the record of every human change; a summary of an
    unexpected shape is skipped)."""
    query = select(JournalEntry.summary).where(
        JournalEntry.audit_id == audit_id, JournalEntry.action == "threat.set"
    )
    edited: dict[str, set[str]] = {}
    for text in session.scalars(query):
        try:
            summary = json.loads(text)
        except ValueError:
            continue
        if not isinstance(summary, dict) or not isinstance(summary.get("changed"), dict):
            continue
        fingerprint = summary.get("fingerprint")
        if isinstance(fingerprint, str):
            fields_set = {f for f in summary["changed"] if f in EDITABLE}
            edited.setdefault(fingerprint, set()).update(fields_set)
    return edited
