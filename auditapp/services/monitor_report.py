"""The monitoring delta report (`auditapp export --monitoring-pdf FILE`): what changed since the
signed-off baseline according to a stored monitor run, gathered here and written atomically.

Like the package export it is a read: anyone who may read the audit may write it, nothing is
journaled, and the same run always renders to the same bytes. It reports a stored run rather
than running the monitor, so the report says exactly what that run said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.report.delta_model import (
    DeltaBaseline,
    DeltaChange,
    DeltaData,
    DeltaRun,
    DeltaSignOff,
    DeltaWeek,
)
from auditapp.services.errors import NotFoundError
from auditapp.services.monitor_baseline import BaselineView, load_baseline
from auditapp.services.monitor_diff import KIND_TITLES, severity_rank
from auditapp.services.monitor_history import MonitorRunView, list_runs, weekly_trend
from auditapp.services.signoff import list_signoffs
from auditapp.services.workspace import Caller, Workspace, load_audit

HISTORY_ROWS = 12  # earlier runs listed
TREND_WEEKS = 12  # weeks the trend chart covers, ending with the reported run's


@dataclass(frozen=True)
class DeltaExport:
    pdf: Path
    run: int
    status: str  # as printed at the top of every page
    changes: int
    pages: int
    bytes: int


def gather_delta(ws: Workspace, caller: Caller, *, run_id: int | None = None) -> DeltaData:
    """The report of run `run_id` (default: the latest since the sign-off). NotFoundError when
    there is no baseline yet, or no run since it."""
    baseline = load_baseline(ws, caller)
    if baseline is None:
        raise NotFoundError(
            "no baseline yet: nothing to compare with",
            hint="it is frozen when both an officer and an auditor have signed off "
            "(`auditapp signoff --statement ...`)",
        )
    runs = [r for r in list_runs(ws, caller) if r.baseline_id == baseline.id]
    if not runs:
        raise NotFoundError(
            "no monitor run since the sign-off yet", hint="run `auditapp monitor` first"
        )
    chosen = runs[0] if run_id is None else next((r for r in runs if r.id == run_id), None)
    if chosen is None:
        raise NotFoundError(
            f"no monitor run #{run_id} since the sign-off",
            hint="`auditapp monitor --history` lists the runs",
        )
    upto = [r for r in runs if (r.at, r.id) <= (chosen.at, chosen.id)]  # newest first
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        name, entity = audit.name, audit.entity
    return DeltaData(
        audit=name,
        entity=entity,
        baseline=_baseline(ws, caller, baseline),
        run=_run(chosen),
        collected=chosen.collected,
        online=chosen.online,
        changes=tuple(
            DeltaChange(
                kind=c.kind,
                group=KIND_TITLES.get(c.kind, c.kind),
                severity=c.severity,
                subject=c.subject,
                title=c.title,
                known_exploited=c.known_exploited,
                new_since_last_run=c.new_since_last_run,
            )
            for c in chosen.changes
        ),
        problems=chosen.problems,
        data_used=data_lines(chosen.data),
        history=tuple(_run(r) for r in upto[:HISTORY_ROWS]),
        trend=tuple(trend_weeks(upto, chosen.at.date())),
    )


def export_delta(
    ws: Workspace,
    caller: Caller,
    pdf: Path,
    *,
    run_id: int | None = None,
    progress: Progress | None = None,
) -> DeltaExport:
    """Write the delta report of run `run_id` (default: the latest) to `pdf`, whole or not at
    all."""
    from auditapp.report.package_atomic import atomic_output
    from auditapp.report.package_reader import page_count
    from auditapp.report.pdf.delta import render_delta_pdf

    progress = progress or NoProgress()
    progress.start("reading the monitor run")
    data = gather_delta(ws, caller, run_id=run_id)
    progress.start("rendering the PDF")
    rendered = render_delta_pdf(data)
    check_cancelled(progress)
    with atomic_output(pdf) as stream:
        stream.write(rendered)
    return DeltaExport(
        pdf=pdf,
        run=data.run.id,
        status=data.status_label,
        changes=len(data.changes),
        pages=page_count(rendered),
        bytes=len(rendered),
    )


def trend_weeks(
    runs: list[MonitorRunView], last: date, weeks: int = TREND_WEEKS
) -> list[DeltaWeek]:
    """New risk per ISO week for the `weeks` weeks up to the one holding `last`, weeks without
    a run included (a chart with gaps left out reads as steadier than it was)."""
    counted = {w.week: w for w in weekly_trend(runs)}
    end = last - timedelta(days=last.weekday())
    found = []
    for back in range(weeks - 1, -1, -1):
        week = end - timedelta(weeks=back)
        held = counted.get(week)
        found.append(DeltaWeek(week, held.new if held else 0, held.runs if held else 0))
    return found


def data_lines(data: dict[str, object]) -> tuple[str, ...]:
    """The run's data, one line each: the vulnerability data per ecosystem and the KEV
    catalogue. Stored JSON of an older shape gives fewer lines rather than an error."""
    lines: list[str] = []
    vulnerability = data.get("vulnerability_data")
    for entry in vulnerability if isinstance(vulnerability, list) else []:
        if isinstance(entry, dict):
            newest = str(entry.get("newest_modified") or "")[:10] or "undated"
            lines.append(
                f"{entry.get('ecosystem', '?')} vulnerability data: {entry.get('records', 0)} "
                f"records, newest modified {newest}"
            )
    if not lines:
        lines.append("No vulnerability data was imported: no package could be matched.")
    kev = data.get("kev")
    if isinstance(kev, dict) and kev.get("entries"):
        version = kev.get("catalog_version") or "undated"
        lines.append(f"CISA KEV catalogue {version}: {kev.get('entries')} entries")
    else:
        lines.append("No CISA KEV catalogue imported: known exploitation is not flagged.")
    return tuple(lines)


def _baseline(ws: Workspace, caller: Caller, baseline: BaselineView) -> DeltaBaseline:
    signed = list_signoffs(ws, caller)
    snapshot = baseline.snapshot
    return DeltaBaseline(
        id=baseline.id,
        frozen_at=baseline.frozen_at,
        frozen_by=baseline.frozen_by,
        sha256=baseline.sha256,
        journal_head=baseline.journal_head,
        # the sign-offs the baseline was frozen with; later ones do not move it
        signoffs=tuple(
            DeltaSignOff(s.member, s.role, s.signed_at)
            for s in signed
            if s.signed_at <= baseline.frozen_at
        ),
        images=len(snapshot.images),
        packages=sum(len(i.packages) for i in snapshot.images.values()),
        workloads=len(snapshot.workloads),
        findings=len(snapshot.findings),
        vulnerabilities=sum(len(v) for v in snapshot.vulns.values()),
    )


def _run(run: MonitorRunView) -> DeltaRun:
    worst = min((c.severity for c in run.changes), key=severity_rank, default="")
    return DeltaRun(
        id=run.id,
        at=run.at,
        by=run.by,
        status=run.status,
        changes=len(run.changes),
        new=run.new_since_last_run,
        known_exploited=sum(1 for c in run.changes if c.known_exploited),
        worst=worst,
        problems=len(run.problems),
    )
