"""The stored monitor runs: `auditapp monitor --history`, the GUI's "Since sign-off" view and
its trend of new risk per week read them here."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.services.monitor_diff import Earlier, MonitorChange
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.errors import CorruptDataError
from auditapp.store.models import MonitorRun


@dataclass(frozen=True)
class MonitorRunView:
    id: int
    at: datetime
    by: str
    status: int
    baseline_id: int | None
    collected: bool
    online: bool
    changes: tuple[MonitorChange, ...]
    problems: tuple[str, ...]
    data: dict[str, Any]

    @property
    def by_severity(self) -> dict[str, int]:
        return dict(Counter(c.severity for c in self.changes))

    @property
    def new_since_last_run(self) -> int:
        return sum(1 for c in self.changes if c.new_since_last_run)


@dataclass(frozen=True)
class WeekCount:
    week: date  # the Monday the ISO week starts on
    new: int  # changes that were news to a run that week (first seen, or got worse)
    runs: int


def list_runs(ws: Workspace, caller: Caller, *, limit: int | None = None) -> list[MonitorRunView]:
    """The audit's runs, newest first."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        query = (
            select(MonitorRun)
            .where(MonitorRun.audit_id == audit.id)
            .order_by(MonitorRun.at.desc(), MonitorRun.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        return [_view(r) for r in session.scalars(query)]


def latest_run(ws: Workspace, caller: Caller) -> MonitorRunView | None:
    runs = list_runs(ws, caller, limit=1)
    return runs[0] if runs else None


def weekly_trend(runs: list[MonitorRunView]) -> list[WeekCount]:
    """New risk per ISO week: the changes each run saw first, summed per week, oldest first."""
    new: Counter[date] = Counter()
    count: Counter[date] = Counter()
    for run in runs:
        day = run.at.date()
        week = day - timedelta(days=day.weekday())
        new[week] += run.new_since_last_run
        count[week] += 1
    return [WeekCount(week, new[week], count[week]) for week in sorted(count)]


def last_run_changes(session: Session, audit_id: int) -> dict[str, Earlier] | None:
    """What the audit's previous run said of each change it found, by key; None when there was
    no run. Read leniently: runs stored by older versions, or changed outside auditapp, must
    not stop the next one — what cannot be read counts as not seen, so it is reported new."""
    text = session.scalar(
        select(MonitorRun.changes)
        .where(MonitorRun.audit_id == audit_id, MonitorRun.baseline_id.is_not(None))
        .order_by(MonitorRun.at.desc(), MonitorRun.id.desc())
        .limit(1)
    )
    if text is None:
        return None
    try:
        stored = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to read
        return {}
    if not isinstance(stored, list):
        return {}
    return {d["key"]: _earlier(d) for d in stored if isinstance(d, dict) and _keyed(d)}


def _keyed(d: dict[str, Any]) -> bool:
    return isinstance(d.get("key"), str)


def _earlier(d: dict[str, Any]) -> Earlier:
    severity = d.get("severity")
    detail = d.get("detail")
    kev = detail.get("kev") if isinstance(detail, dict) else None
    ransomware = kev.get("ransomware") if isinstance(kev, dict) else None
    return Earlier(
        severity=severity if isinstance(severity, str) else None,
        known_exploited=d.get("known_exploited") is True or d.get("kind") == "known-exploited",
        ransomware=isinstance(ransomware, str) and ransomware.lower() == "known",
    )


def changes_of(text: str, run_id: int) -> list[MonitorChange]:
    try:
        return [_change(c) for c in json.loads(text)]
    except (ValueError, TypeError, KeyError, RecursionError) as error:
        raise CorruptDataError(
            f"monitor run #{run_id}: its changes cannot be read ({error})"
        ) from None


def _change(d: dict[str, Any]) -> MonitorChange:
    texts = {k: d[k] for k in ("key", "kind", "severity", "subject", "title")}
    if not all(isinstance(v, str) for v in texts.values()):
        raise TypeError("a change's key, kind, severity, subject and title are text")
    if not isinstance(d["detail"], dict):
        raise TypeError("a change's detail is an object")
    return MonitorChange(
        **texts,
        known_exploited=bool(d["known_exploited"]),
        detail=d["detail"],
        new_since_last_run=bool(d["new_since_last_run"]),
        # absent from runs stored before auditapp said why an old change was news again
        escalated=d["escalated"] if isinstance(d.get("escalated"), str) else "",
    )


def _view(row: MonitorRun) -> MonitorRunView:
    where = f"monitor run #{row.id}"
    try:
        problems = json.loads(row.problems)
        data = json.loads(row.data)
    except (ValueError, RecursionError):
        raise CorruptDataError(f"{where}: stored JSON cannot be read") from None
    if not isinstance(problems, list) or not isinstance(data, dict):
        raise CorruptDataError(f"{where}: stored JSON has the wrong shape")
    return MonitorRunView(
        id=row.id,
        at=row.at,
        by=row.by,
        status=row.status,
        baseline_id=row.baseline_id,
        collected=row.collected,
        online=row.online,
        changes=tuple(changes_of(row.changes, row.id)),
        problems=tuple(str(p) for p in problems),
        data=data,
    )
