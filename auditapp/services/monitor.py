"""Monitoring after sign-off: bring the data up to date, look again, and report what changed
since the signed-off baseline. Each run is stored and journaled.

Exit statuses (the run's `status`): 0 nothing new, 1 new risk, 2 could not check (no baseline
yet, the engine unreachable, data unusable), with the reasons in `problems`. A run that could
not check everything still reports what it could compare.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from auditapp.errors import AuditappError
from auditapp.progress import Cancelled, NoProgress, Progress
from auditapp.services.errors import InvalidInputError
from auditapp.services.monitor_baseline import BaselineView, load_baseline
from auditapp.services.monitor_diff import MonitorChange, compare, mark_new
from auditapp.services.monitor_history import changes_of, last_run_changes
from auditapp.services.monitor_kev import import_kev, kev_status, known_exploited, update_kev
from auditapp.services.monitor_snapshot import Snapshot
from auditapp.services.monitor_state import take_snapshot
from auditapp.services.roles import Action
from auditapp.services.workspace import Caller, Change, Workspace, perform
from auditapp.store.models import MonitorRun
from auditapp.store.types import utcnow
from auditapp.vulns.kev import KevFeed
from auditapp.vulns.osv_api import OsvClient

NOTHING_NEW, NEW_RISK, COULD_NOT_CHECK = 0, 1, 2
NO_BASELINE = (
    "no baseline yet: it is frozen when both an officer and an auditor have signed off "
    "(`auditapp signoff --statement ...`)"
)
VEX_NOTE = (
    "VEX statements carry no expiry date, so none can lapse; accepted risks on findings do "
    "and are checked"
)


@dataclass(frozen=True)
class MonitorReport:
    run_id: int | None
    audit: str
    at: datetime
    by: str
    status: int  # NOTHING_NEW, NEW_RISK or COULD_NOT_CHECK
    baseline_id: int | None
    baseline_frozen_at: datetime | None
    collected: bool
    online: bool
    changes: tuple[MonitorChange, ...]  # grouped by kind, most severe first
    problems: tuple[str, ...]  # why it could not check everything
    notes: tuple[str, ...]
    data: dict[str, Any]  # the vulnerability data and KEV catalogue the run used

    @property
    def new_since_last_run(self) -> int:
        return sum(1 for c in self.changes if c.new_since_last_run)


def monitor(
    ws: Workspace,
    caller: Caller,
    *,
    collect: bool = False,
    online: bool = False,
    kev: Path | None = None,
    progress: Progress | None = None,
    osv: OsvClient | None = None,
    today: date | None = None,
    kev_feed: KevFeed | None = None,
) -> MonitorReport:
    """One monitoring run against the baseline. `osv`: the OSV API client for `online`;
    `kev_feed`: where `online` fetches the KEV catalogue (default: CISA's feed, over the OSV
    client's session) unless a `kev` file is given; `today`: the date expiry and end of life
    are judged on (default: today, UTC)."""
    if online and osv is None:
        raise InvalidInputError("an online monitor run needs an OSV API client")
    progress = progress or NoProgress()
    today = today or datetime.now(UTC).date()
    perform(ws, caller, Action.RUN_ANALYSIS, "monitor", lambda change: None)  # refuse early
    problems: list[str] = []
    notes = [VEX_NOTE]
    changes: list[MonitorChange] = []
    baseline = _baseline(ws, caller, problems)
    if baseline is not None:
        _refresh(ws, caller, problems, collect=collect, online=online, kev=kev, osv=osv,
                 kev_feed=kev_feed, progress=progress)  # fmt: skip
        progress.start("comparing with the baseline", None)
        current = _current(ws, caller, today, problems)
        if current is not None:
            with ws.db.read() as session:
                catalogue = known_exploited(session)
            if not catalogue:
                notes.append("no KEV catalogue imported: known exploitation is not flagged")
            changes = compare(baseline.snapshot, current, catalogue, today)
            notes += _stale_data(current)
    status = COULD_NOT_CHECK if problems else NEW_RISK if changes else NOTHING_NEW
    data = _data_used(ws)
    return perform(
        ws,
        caller,
        Action.RUN_ANALYSIS,
        "monitor",
        lambda change: _store(
            change, baseline, changes, problems, notes, data, status, collect, online
        ),
    )


def _baseline(ws: Workspace, caller: Caller, problems: list[str]) -> BaselineView | None:
    try:
        baseline = load_baseline(ws, caller)
    except AuditappError as error:
        problems.append(f"the baseline cannot be used: {error}")
        return None
    if baseline is None:
        problems.append(NO_BASELINE)
    return baseline


def _refresh(
    ws: Workspace,
    caller: Caller,
    problems: list[str],
    *,
    collect: bool,
    online: bool,
    kev: Path | None,
    osv: OsvClient | None,
    kev_feed: KevFeed | None,
    progress: Progress,
) -> None:
    """Each step that fails is a reason the run could not check everything; the others go on
    with the data already stored."""
    if kev is not None:
        progress.start(f"importing the KEV catalogue {kev.name}", None)
        try:
            import_kev(ws, kev)
        except Cancelled:
            raise  # the person stopped the run: nothing is stored
        except AuditappError as error:
            problems.append(f"the KEV catalogue was not imported: {error}")
    elif online and osv is not None:  # a file named for this run wins over the feed
        feed = kev_feed or KevFeed(osv.session)
        progress.start(f"fetching the KEV catalogue from {feed.url}", None)
        try:
            update_kev(ws, feed)
        except Cancelled:
            raise  # the person stopped the run: nothing is stored
        except AuditappError as error:
            problems.append(f"the KEV catalogue could not be updated online: {error}")
    if online and osv is not None:
        from auditapp.services.vulndb_online import update_online

        try:
            update_online(ws, osv, progress=progress)
        except Cancelled:
            raise  # the person stopped the run: nothing is stored
        except AuditappError as error:
            problems.append(f"the vulnerability data could not be updated online: {error}")
    if collect:
        from auditapp.services.collect import collect as collect_evidence
        from auditapp.services.gather import CollectRequest

        try:
            collect_evidence(ws, caller, CollectRequest(engine=True), progress)
        except Cancelled:
            raise  # the person stopped the run: nothing is stored
        except AuditappError as error:
            problems.append(f"could not collect from the Docker Engine: {error}")
    from auditapp.services.analysis import analyse

    try:
        analyse(ws, caller, progress)
    except AuditappError as error:
        problems.append(f"the analysis could not run: {error}")


def _current(ws: Workspace, caller: Caller, today: date, problems: list[str]) -> Snapshot | None:
    try:
        return take_snapshot(ws, caller, today=today)
    except AuditappError as error:
        problems.append(f"the audit's data cannot be read: {error}")
        return None


def _stale_data(current: Snapshot) -> list[str]:
    return [
        f"{d.ecosystem} vulnerability data: newest record {d.newest_modified[:10] or 'undated'}"
        for d in current.vulnerability_data
    ]


def _data_used(ws: Workspace) -> dict[str, Any]:
    from auditapp.services.vulndb import status

    kev = kev_status(ws)
    return {
        "vulnerability_data": [
            {"ecosystem": s.ecosystem, "records": s.records, "newest_modified": s.newest_modified}
            for s in status(ws)
        ],
        "kev": {
            "entries": kev.entries,
            "catalog_version": kev.catalog_version,
            "imported_at": kev.imported_at.isoformat() if kev.imported_at else None,
        },
    }


def _store(
    change: Change,
    baseline: BaselineView | None,
    changes: list[MonitorChange],
    problems: list[str],
    notes: list[str],
    data: dict[str, Any],
    status: int,
    collected: bool,
    online: bool,
) -> MonitorReport:
    """One short transaction: mark what is news since the previous run, store the run,
    journal."""
    changes = mark_new(changes, last_run_changes(change.session, change.audit.id))
    row = MonitorRun(
        audit_id=change.audit.id,
        baseline_id=baseline.id if baseline else None,
        at=utcnow(),
        by=change.who,
        collected=collected,
        online=online,
        data=json.dumps(data, sort_keys=True),
        changes=json.dumps([asdict(c) for c in changes], sort_keys=True, default=str),
        problems=json.dumps(problems),
        status=status,
    )
    change.session.add(row)
    change.session.flush()
    change.record(
        "monitor.run",
        "audit",
        {
            "run": row.id,
            "status": status,
            "changes": len(changes),
            "new": sum(1 for c in changes if c.new_since_last_run),
            "problems": problems[:5],
        },
    )
    return MonitorReport(
        run_id=row.id,
        audit=change.audit.name,
        at=row.at,
        by=row.by,
        status=status,
        baseline_id=row.baseline_id,
        baseline_frozen_at=baseline.frozen_at if baseline else None,
        collected=collected,
        online=online,
        changes=tuple(changes_of(row.changes, row.id)),
        problems=tuple(problems),
        notes=tuple(notes),
        data=data,
    )
