"""Running the rules: load the deployment, judge it, and store what was found.

A re-run updates findings rather than adding them (a finding's fingerprint is its rule, its
component and its location), keeps the status people gave each one, marks findings no longer
seen as inactive, and reopens a remediated finding that comes back.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from auditapp.analysis.catalogue import ALL_RULES
from auditapp.analysis.interface import Hit, Rule, fingerprint_of, subjects
from auditapp.analysis.model import Deployment
from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.services.deployment import load_deployment
from auditapp.services.roles import Action
from auditapp.services.suggestions import RuleOutcome, refresh_suggestions
from auditapp.services.threat_refresh import refresh_threats
from auditapp.services.workspace import Caller, Change, Workspace, perform
from auditapp.store.models import AnalysisRun, Finding
from auditapp.store.types import utcnow

__all__ = ["AnalysisSummary", "analyse", "load_deployment"]


@dataclass(frozen=True)
class AnalysisSummary:
    rules_run: int
    rules_without_evidence: tuple[str, ...]  # nothing to look at: not a pass
    findings: int  # active findings of the analysed rules
    new: int
    resolved: int  # no longer seen
    reopened: int  # marked remediated, seen again
    by_severity: dict[str, int]  # open, active findings
    by_section: dict[str, int]  # open, active findings per checklist section title
    threats: int
    suggestions: int


def analyse(ws: Workspace, caller: Caller, progress: Progress | None = None) -> AnalysisSummary:
    progress = progress or NoProgress()
    perform(ws, caller, Action.RUN_ANALYSIS, "analyse", lambda change: None)  # refuse early
    progress.start("loading the evidence", None)
    deployment = load_deployment(ws, caller)
    rules = [r for r in ALL_RULES if not r.at_collect]
    progress.start("running the rules", len(rules))
    outcomes: list[RuleOutcome] = []
    for rule in rules:
        check_cancelled(progress)
        outcomes.append(RuleOutcome(rule, subjects(rule, deployment), tuple(rule.run(deployment))))
        progress.advance()
    check_cancelled(progress)
    progress.start("storing findings", None)
    return perform(
        ws,
        caller,
        Action.RUN_ANALYSIS,
        "analyse",
        lambda change: _store(change, deployment, outcomes),
    )


def _store(change: Change, deployment: Deployment, outcomes: list[RuleOutcome]) -> AnalysisSummary:
    now = utcnow()
    session, audit = change.session, change.audit
    analysed = {o.rule.id for o in outcomes}
    existing = {
        f.fingerprint: f
        for f in session.scalars(
            select(Finding).where(Finding.audit_id == audit.id, Finding.rule_id.in_(analysed))
        )
    }
    found: dict[str, tuple[Rule, Hit, Finding]] = {}
    new = reopened = 0
    for outcome in outcomes:
        for hit in outcome.hits:
            fingerprint = fingerprint_of(outcome.rule.id, hit.component, hit.location)
            if fingerprint in found:
                continue  # a rule that reports one place twice counts it once
            row = existing.get(fingerprint)
            if row is None:
                row = Finding(
                    audit_id=audit.id,
                    fingerprint=fingerprint,
                    rule_id=outcome.rule.id,
                    status="open",
                    first_seen=now,
                )
                session.add(row)
                new += 1
            elif row.status == "remediated":
                row.status, row.status_by, row.status_at = "open", change.who, now
                change.record("finding.reopen", _target(row), {"id": row.id})
                reopened += 1
            _fill(row, outcome.rule, hit, now)
            found[fingerprint] = (outcome.rule, hit, row)
    resolved = 0
    for fingerprint, row in existing.items():
        if fingerprint not in found and row.active:
            row.active = False
            resolved += 1
    session.flush()
    threats = refresh_threats(change, deployment)
    suggestions = refresh_suggestions(change, outcomes, now)
    open_rows = [(rule, hit) for rule, hit, row in found.values() if row.status == "open"]
    summary = AnalysisSummary(
        rules_run=len(outcomes),
        rules_without_evidence=tuple(o.rule.id for o in outcomes if not o.subjects),
        findings=len(found),
        new=new,
        resolved=resolved,
        reopened=reopened,
        by_severity=dict(Counter(h.severity or r.severity for r, h in open_rows)),
        by_section=_by_section(change, open_rows),
        threats=threats,
        suggestions=suggestions,
    )
    session.add(
        AnalysisRun(audit_id=audit.id, at=now, by=change.who, summary=json.dumps(_plain(summary)))
    )
    change.record(
        "analyse",
        "findings",
        {
            "rules": summary.rules_run,
            "findings": summary.findings,
            "new": new,
            "resolved": resolved,
            "reopened": reopened,
        },
    )
    return summary


def _fill(row: Finding, rule: Rule, hit: Hit, now: Any) -> None:
    row.severity = hit.severity or rule.severity
    row.title = (hit.title or rule.title)[:2000]
    row.component = hit.component[:200]
    row.location = hit.location[:4000]
    row.detail = json.dumps(dict(hit.detail), sort_keys=True, default=str)
    row.pci = json.dumps(list(rule.pci))
    row.cis = json.dumps(list(hit.cis or rule.cis))
    row.evidence_id = hit.evidence_id
    row.last_seen = now
    row.active = True


def _target(row: Finding) -> str:
    return f"{row.rule_id} {row.component} {row.location}"[:500]


def _by_section(change: Change, rows: list[tuple[Rule, Hit]]) -> dict[str, int]:
    """Open findings per checklist section: a rule belongs to each section whose items name it."""
    checklist = change.checklist
    sections: dict[str, list[str]] = {}
    for section in checklist.sections:
        for item in section.items:
            for rule_id in item.rules:
                sections.setdefault(rule_id, [])
                if section.title not in sections[rule_id]:
                    sections[rule_id].append(section.title)
    counts: Counter[str] = Counter()
    for rule, _ in rows:
        counts.update(sections.get(rule.id, ["(no checklist item)"]))
    return dict(counts)


def _plain(summary: AnalysisSummary) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in summary.__dict__.items()}
