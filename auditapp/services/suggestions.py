"""Suggested statuses for checklist items, from the rules each item names.

A suggestion says what the evidence suggests and why ("3 of 5 containers and services run as
root: api, worker, cron"). It is stored beside the answer, never in it: only a person who
accepts it changes the item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auditapp.analysis.interface import Hit, Rule
from auditapp.checklist import Item, Status
from auditapp.services.errors import NotFoundError
from auditapp.services.items import ItemEdit, get_item, list_items, update_item
from auditapp.services.roles import Action
from auditapp.services.stored import stored_enum
from auditapp.services.workspace import Caller, Change, Workspace, load_audit, perform
from auditapp.store.models import Finding, Image, Suggestion

NOUNS = {
    "workload": "containers and services",
    "image": "images",
    "daemon": "daemon",
    "network": "networks",
    "flow": "declared flows",
    "component": "components",
    "deployment": "deployment",
}
NAMES_SHOWN = 6


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    subjects: tuple[str, ...]  # what the rule looked at; empty: nothing to judge
    hits: tuple[Hit, ...]
    noun: str = ""  # what the subjects are, when not the rule scope's usual word


@dataclass(frozen=True)
class SuggestionView:
    item_key: str
    question: str
    status: Status
    reason: str
    rules: tuple[str, ...]
    decision: str  # "", accepted, dismissed
    answer: Status | None  # what a person answered
    computed_at: datetime

    @property
    def differs(self) -> bool:
        return self.answer is not self.status


def refresh_suggestions(change: Change, outcomes: list[RuleOutcome], now: datetime) -> int:
    """Recompute every item's suggestion from this run (and from the collect-time rules'
    stored findings); returns how many items have one."""
    by_rule = {o.rule.id: o for o in outcomes}
    false_positive = _false_positives(change)
    stored = {
        s.item_key: s
        for s in change.session.scalars(
            select(Suggestion).where(Suggestion.audit_id == change.audit.id)
        )
    }
    count = 0
    for section in change.checklist.sections:
        for item in section.items:
            outcome_list = [by_rule[r] for r in item.rules if r in by_rule and by_rule[r].subjects]
            outcome_list += _collect_time(change, item, false_positive)
            judged = _judge(outcome_list, false_positive)
            row = stored.get(item.key)
            if judged is None:
                if row is not None and not row.decision:
                    change.session.delete(row)
                continue
            count += 1
            status, reason, rules = judged
            if row is None:
                row = Suggestion(audit_id=change.audit.id, item_key=item.key)
                change.session.add(row)
            elif row.status != status.value:
                row.decision, row.decided_by = "", ""  # a new suggestion deserves a new look
            row.status, row.reason, row.rules = status.value, reason, json.dumps(rules)
            row.computed_at = now
    return count


def _judge(
    outcomes: list[RuleOutcome], false_positive: set[tuple[str, str, str]]
) -> tuple[Status, str, list[str]] | None:
    if not outcomes:
        return None
    failing_parts: list[str] = []
    checked: dict[str, set[str]] = {}
    judged = [o for o in outcomes if not _undecided(o)]
    undecided = len(judged) < len(outcomes)
    for outcome in judged:
        noun = outcome.noun or NOUNS[outcome.rule.scope]
        checked.setdefault(noun, set()).update(outcome.subjects)
        hits = [
            h
            for h in outcome.hits
            if (outcome.rule.id, h.component, h.location) not in false_positive
            and h.detail.get("verdict", "fail") == "fail"
        ]
        failing = sorted({h.subject or h.component for h in hits})
        if failing:
            total = max(len(outcome.subjects), len(failing))
            what = outcome.rule.fails or f"fail “{outcome.rule.title}”"
            failing_parts.append(
                f"{len(failing)} of {total} {noun} {what}: {_names(failing)}"
                if outcome.rule.scope != "daemon"
                else f"the daemon fails “{outcome.rule.title}”"
            )
    rules = sorted(o.rule.id for o in judged)
    if failing_parts:
        return Status.NOT_IN_PLACE, "; ".join(failing_parts), rules
    if undecided:
        return None  # a rule could not tell from the evidence: a question for people
    looked_at = ", ".join(f"{len(s)} {noun}" for noun, s in sorted(checked.items()))
    return Status.IN_PLACE, f"{len(rules)} rule(s) checked {looked_at}: none failed", rules


def _undecided(outcome: RuleOutcome) -> bool:
    """A rule whose every hit says it could not tell (the evidence did not answer it)."""
    return bool(outcome.hits) and all(h.detail.get("verdict") == "unknown" for h in outcome.hits)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown if len(names) <= NAMES_SHOWN else f"{shown} and {len(names) - NAMES_SHOWN} more"


def _false_positives(change: Change) -> set[tuple[str, str, str]]:
    rows = change.session.execute(
        select(Finding.rule_id, Finding.component, Finding.location).where(
            Finding.audit_id == change.audit.id, Finding.status == "false-positive"
        )
    )
    return {(r, c, loc) for r, c, loc in rows}


def _collect_time(
    change: Change, item: Item, false_positive: set[tuple[str, str, str]]
) -> list[RuleOutcome]:
    """Rules whose findings `collect` made: their subjects are the collected images (or none
    when nothing was collected), their hits the active findings stored for them."""
    from auditapp.analysis.catalogue import ALL_RULES  # every rules module: only when judging

    outcomes = []
    for rule in ALL_RULES:
        if not rule.at_collect or rule.id not in item.rules:
            continue
        rows = change.session.scalars(
            select(Finding).where(
                Finding.audit_id == change.audit.id,
                Finding.rule_id == rule.id,
                Finding.active.is_(True),
            )
        ).all()
        images = _collected_images(change)
        if not images:
            continue
        # Secrets are found in images, containers and compose projects alike: count each
        # place that was looked at once, by the name its findings use.
        hits = tuple(Hit(r.component, r.location, subject=r.component) for r in rows)
        subjects = tuple(sorted(set(images) | {h.subject for h in hits}))
        outcomes.append(RuleOutcome(rule, subjects, hits, "images and configurations"))
    return outcomes


def _collected_images(change: Change) -> tuple[str, ...]:
    """The collected images by the name findings give them: the first tag, else the digest."""
    names = []
    for tags, digest in change.session.execute(
        select(Image.repo_tags, Image.digest).where(Image.audit_id == change.audit.id)
    ):
        try:
            first = json.loads(tags)[0]
        except (ValueError, IndexError, KeyError, TypeError):
            first = None
        names.append(first if isinstance(first, str) else digest[:19])
    return tuple(names)


def list_suggestions(ws: Workspace, caller: Caller) -> list[SuggestionView]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        stored = session.scalars(select(Suggestion).where(Suggestion.audit_id == audit.id)).all()
    views = {view.item.key: view for view in list_items(ws, caller)}
    order = list(views)
    rows = sorted((r for r in stored if r.item_key in views), key=lambda r: order.index(r.item_key))
    return [
        SuggestionView(
            item_key=r.item_key,
            question=views[r.item_key].item.question,
            status=Status(r.status),
            reason=r.reason,
            rules=tuple(json.loads(r.rules)),
            decision=r.decision,
            answer=views[r.item_key].status,
            computed_at=r.computed_at,
        )
        for r in rows
    ]


def suggestion_for(ws: Workspace, caller: Caller, key: str) -> SuggestionView | None:
    """Item `key`'s suggestion, if the last analysis made one (one item, for the editor)."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        row = session.scalar(
            select(Suggestion).where(Suggestion.audit_id == audit.id, Suggestion.item_key == key)
        )
    if row is None:
        return None
    item = get_item(ws, caller, key)
    return SuggestionView(
        item_key=key,
        question=item.item.question,
        status=stored_enum(Status, row.status, f"the suggestion for item {key}"),
        reason=row.reason,
        rules=tuple(str(r) for r in _json_list(row.rules)),
        decision=row.decision,
        answer=item.status,
        computed_at=row.computed_at,
    )


def _json_list(text: str) -> list[object]:
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def accept_suggestion(ws: Workspace, caller: Caller, key: str) -> SuggestionView:
    """Answer the item with the suggested status; the reason becomes the rationale when the
    item has none yet. Officers only (it sets a status)."""
    suggestion = _find(ws, caller, key)
    current = get_item(ws, caller, key)
    rationale = current.rationale or f"Suggested by auditapp's rules: {suggestion.reason}"
    update_item(
        ws,
        caller,
        key,
        ItemEdit(status=suggestion.status, rationale=rationale),
        expected_version=current.version,
    )
    _decide(ws, caller, key, "accepted")
    return _find(ws, caller, key)


def dismiss_suggestion(ws: Workspace, caller: Caller, key: str) -> SuggestionView:
    _find(ws, caller, key)
    _decide(ws, caller, key, "dismissed")
    return _find(ws, caller, key)


def _decide(ws: Workspace, caller: Caller, key: str, decision: str) -> None:
    def work(change: Change) -> None:
        row = change.session.scalar(
            select(Suggestion).where(
                Suggestion.audit_id == change.audit.id, Suggestion.item_key == key
            )
        )
        if row is None:
            raise NotFoundError(f"no suggestion for item {key!r}: run `auditapp analyse` first")
        row.decision, row.decided_by = decision, change.who
        change.record(f"suggestion.{decision}", key, {"status": row.status})

    perform(ws, caller, Action.DECIDE_SUGGESTION, key, work)


def _find(ws: Workspace, caller: Caller, key: str) -> SuggestionView:
    for view in list_suggestions(ws, caller):
        if view.item_key == key:
            return view
    raise NotFoundError(f"no suggestion for item {key!r}: run `auditapp analyse` first")
