"""Commands for monitoring after sign-off: `monitor` (and its history) and the KEV catalogue."""

from __future__ import annotations

import argparse
import os
import sys
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from auditapp.cli.parser_monitor import KEV_URL_VARIABLE
from auditapp.cli.render import print_json, print_table
from auditapp.services.errors import InvalidInputError
from auditapp.services.workspace import Caller, Workspace

if TYPE_CHECKING:
    import requests

    from auditapp.services.monitor import MonitorReport
    from auditapp.services.monitor_diff import MonitorChange
    from auditapp.services.monitor_webhook import WebhookResult
    from auditapp.vulns.kev import KevFeed

WEBHOOK_VARIABLE = "AUDITAPP_MONITOR_WEBHOOK"
STATUS_WORDS = {0: "nothing new", 1: "new risk", 2: "could not check"}


def monitor_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    if args.history:
        return _history(ws, caller, args)
    if args.kev_url and not args.online:
        raise InvalidInputError("--kev-url goes with --online")
    import requests

    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.monitor import monitor
    from auditapp.vulns.osv_api import DEFAULT_BASE_URL, OsvClient

    bar = TerminalProgress()
    try:
        with requests.Session() as http:
            osv = OsvClient(http, args.base_url or DEFAULT_BASE_URL) if args.online else None
            feed = _kev_feed(http, args.kev_url) if args.online else None
            report = monitor(
                ws,
                caller,
                collect=args.collect,
                online=args.online,
                kev=Path(args.kev) if args.kev else None,
                progress=bar,
                osv=osv,
                kev_feed=feed,
            )
    finally:
        bar.finish()
    url = args.webhook or os.environ.get(WEBHOOK_VARIABLE) or None
    delivery = _notify(url, report) if url else None
    if args.json:
        print_json({"run": report, "webhook": delivery})
    else:
        _print_report(report)
    if delivery is not None and not delivery.delivered:
        # the run's status still says what it found; the failed notification is said beside it
        print(
            f"auditapp: the webhook to {delivery.endpoint} was not delivered: {delivery.error}",
            file=sys.stderr,
        )
    return report.status


def _kev_feed(http: requests.Session, given: str | None) -> KevFeed:
    """The KEV feed: --kev-url / --url, else $AUDITAPP_KEV_URL, else CISA's."""
    from auditapp.vulns.kev import DEFAULT_URL, KevFeed

    return KevFeed(http, given or os.environ.get(KEV_URL_VARIABLE) or DEFAULT_URL)


def _notify(url: str, report: MonitorReport) -> WebhookResult:
    import requests

    from auditapp.services.monitor_webhook import WebhookSender, webhook_payload

    with requests.Session() as http:
        return WebhookSender(http, url).send(webhook_payload(report, report.audit))


def _print_report(report: MonitorReport) -> None:
    from auditapp.services.monitor_diff import KIND_TITLES

    frozen = f"{report.baseline_frozen_at:%Y-%m-%d %H:%M} UTC" if report.baseline_frozen_at else "-"
    print(f"Audit {report.audit!r}, run #{report.run_id}: since the sign-off baseline of {frozen}")
    for kind, grouped in groupby(report.changes, key=lambda c: c.kind):
        changes = list(grouped)
        print(f"\n{KIND_TITLES.get(kind, kind)} ({len(changes)})")
        for change in changes:
            print(f"  {change.severity.upper():<8}  {change.title}{_news(change)}")
    if report.problems:
        print("\nCould not check:")
        for problem in report.problems:
            print(f"  - {problem}")
    if report.notes:
        print()
    for note in report.notes:
        print(f"note: {note}")
    words = STATUS_WORDS.get(report.status, "?")
    print(
        f"\n{len(report.changes)} change(s) since sign-off, {report.new_since_last_run} new "
        f"since the last run: {words} (exit {report.status})"
    )


def _news(change: MonitorChange) -> str:
    """The mark of a change the last run did not report, or reported before it got worse."""
    if not change.new_since_last_run:
        return ""
    why = f": {change.escalated}" if change.escalated else ""
    return f"  (new since the last run{why})"


def _history(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.monitor_history import list_runs

    runs = list_runs(ws, caller, limit=max(1, args.limit))
    if args.json:
        print_json(runs)
        return 0
    if not runs:
        print("no monitor runs yet: `auditapp monitor`")
        return 0
    print_table(
        ["RUN", "AT", "BY", "RESULT", "CHANGES", "NEW", "BY SEVERITY", "PROBLEMS"],
        [
            [
                run.id,
                f"{run.at:%Y-%m-%d %H:%M}",
                run.by,
                f"{run.status} {STATUS_WORDS.get(run.status, '?')}",
                len(run.changes),
                run.new_since_last_run,
                ", ".join(f"{n} {s}" for s, n in sorted(run.by_severity.items())) or "-",
                "; ".join(run.problems)[:80] or "-",
            ]
            for run in runs
        ],
    )
    return 0


def kev_import(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.monitor_kev import import_kev

    done = import_kev(ws, Path(args.file))
    if args.json:
        print_json(done)
        return 0
    version = f" (catalogue version {done.catalog_version})" if done.catalog_version else ""
    print(f"{done.entries} known exploited vulnerabilities imported{version}")
    _print_skipped(done.skipped, done.problems)
    return 0


def _print_skipped(skipped: int, problems: tuple[str, ...]) -> None:
    if skipped:
        print(f"{skipped} entries skipped:")
        for problem in problems:
            print(f"  {problem}")


def kev_update(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    import requests

    from auditapp.services.monitor_kev import update_kev

    with requests.Session() as http:
        done = update_kev(ws, _kev_feed(http, args.url))
    if args.json:
        print_json(done)
        return 0
    version = f" (catalogue version {done.catalog_version})" if done.catalog_version else ""
    print(f"{done.entries} known exploited vulnerabilities fetched from {done.source}{version}")
    _print_skipped(done.skipped, done.problems)
    return 0


def kev_status_command(ws: Workspace, _caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.monitor_kev import kev_status

    found = kev_status(ws)
    if args.json:
        print_json(found)
        return 0
    if not found.entries:
        print(
            "no KEV catalogue imported: `auditapp kev import known_exploited_vulnerabilities.json`"
            " or `auditapp kev update` (needs network)"
        )
        return 0
    print(
        f"{found.entries} entries, catalogue version {found.catalog_version or '?'}, "
        f"imported {found.imported_at:%Y-%m-%d %H:%M} UTC"
    )
    return 0
