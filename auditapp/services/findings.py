"""Findings as people see and decide them: listing with filters, and a status per finding
(open, accepted risk with a justification and an expiry date, false positive, remediated)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from auditapp.analysis.catalogue import ALL_RULES
from auditapp.analysis.interface import SEVERITIES, Rule
from auditapp.services.errors import InvalidInputError, NotFoundError
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.errors import CorruptDataError
from auditapp.store.models import Finding
from auditapp.store.types import utcnow

FINDING_STATUSES = ("open", "accepted-risk", "false-positive", "remediated")
JUSTIFICATION_LIMIT = 4000


@dataclass(frozen=True)
class FindingView:
    id: int
    rule_id: str
    severity: str
    title: str
    component: str
    location: str
    detail: dict[str, Any]
    pci: tuple[str, ...]
    cis: tuple[str, ...]
    evidence_id: int | None
    status: str
    justification: str
    expires: date | None
    status_by: str
    active: bool
    first_seen: datetime
    last_seen: datetime
    version: int

    @property
    def risk_expired(self) -> bool:
        return (
            self.status == "accepted-risk"
            and self.expires is not None
            and (self.expires < date.today())
        )


@dataclass(frozen=True)
class RuleView:
    id: str
    title: str
    severity: str
    scope: str
    pci: tuple[str, ...]
    cis: tuple[str, ...]
    reads: tuple[str, ...]
    doc: str
    at_collect: bool


def rules_catalogue() -> list[RuleView]:
    return [_rule_view(r) for r in sorted(ALL_RULES, key=lambda r: r.id)]


def _rule_view(rule: Rule) -> RuleView:
    return RuleView(
        rule.id, rule.title, rule.severity, rule.scope, rule.pci, rule.cis, rule.reads,
        rule.doc, rule.at_collect,
    )  # fmt: skip


def list_findings(
    ws: Workspace,
    caller: Caller,
    *,
    severity: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    component: str | None = None,
    include_inactive: bool = False,
) -> list[FindingView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        query = select(Finding).where(Finding.audit_id == audit.id)
        if not include_inactive:
            query = query.where(Finding.active.is_(True))
        if severity:
            query = query.where(Finding.severity == severity)
        if rule:
            query = query.where(Finding.rule_id == rule)
        if status:
            query = query.where(Finding.status == status)
        if component:
            query = query.where(Finding.component == component)
        views = [_view(f) for f in session.scalars(query)]
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    return sorted(views, key=lambda v: (rank.get(v.severity, 9), v.rule_id, v.component, v.id))


def set_finding_status(
    ws: Workspace,
    caller: Caller,
    finding_id: int,
    status: str,
    *,
    justification: str = "",
    expires: date | None = None,
) -> FindingView:
    """Officers decide findings. An accepted risk needs a justification and an expiry date in
    the future; a false positive needs a justification."""
    if status not in FINDING_STATUSES:
        raise InvalidInputError(
            f"unknown finding status {status!r}: choose one of {', '.join(FINDING_STATUSES)}"
        )
    justification = justification.strip()
    if len(justification) > JUSTIFICATION_LIMIT:
        raise InvalidInputError(
            f"the justification is longer than {JUSTIFICATION_LIMIT} characters"
        )
    if status in ("accepted-risk", "false-positive") and not justification:
        raise InvalidInputError(f"a finding marked {status} needs --justification")
    if status == "accepted-risk":
        if expires is None:
            raise InvalidInputError("an accepted risk needs --expires YYYY-MM-DD")
        if expires <= date.today():
            raise InvalidInputError(f"the expiry date {expires} is not in the future")
    elif expires is not None:
        raise InvalidInputError("--expires applies to accepted-risk only")

    def work(change: Change) -> FindingView:
        row = change.session.scalar(
            select(Finding).where(Finding.audit_id == change.audit.id, Finding.id == finding_id)
        )
        if row is None:
            raise NotFoundError(f"no finding #{finding_id} in this audit")
        before = row.status
        row.status, row.justification, row.expires = status, justification, expires
        row.status_by, row.status_at = change.who, utcnow()
        change.session.flush()
        change.record(
            "finding.status",
            f"#{row.id} {row.rule_id} {row.component}"[:500],
            {
                "id": row.id,
                "from": before,
                "to": status,
                "justification": justification,
                "expires": expires.isoformat() if expires else None,
            },
        )
        return _view(row)

    return perform(ws, caller, Action.DECIDE_FINDING, f"finding #{finding_id}", work)


def _view(row: Finding) -> FindingView:
    return FindingView(
        id=row.id,
        rule_id=row.rule_id,
        severity=row.severity,
        title=row.title,
        component=row.component,
        location=row.location,
        detail=_json_object(row.detail, row.id),
        pci=tuple(_json_strings(row.pci, row.id)),
        cis=tuple(_json_strings(row.cis, row.id)),
        evidence_id=row.evidence_id,
        status=row.status,
        justification=row.justification,
        expires=row.expires,
        status_by=row.status_by,
        active=row.active,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        version=row.version,
    )


def _json_object(text: str, finding_id: int) -> dict[str, Any]:
    value = _loads(text, finding_id)
    if not isinstance(value, dict):
        raise CorruptDataError(f"finding #{finding_id}: its detail is not a JSON object")
    return value


def _json_strings(text: str, finding_id: int) -> list[str]:
    value = _loads(text, finding_id)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CorruptDataError(f"finding #{finding_id}: a requirement list is not a list of text")
    return value


def _loads(text: str, finding_id: int) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise CorruptDataError(f"finding #{finding_id}: stored JSON cannot be read") from None
