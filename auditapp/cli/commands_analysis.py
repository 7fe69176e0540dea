"""Commands about the analysis: run the rules, list and decide findings, the rule catalogue,
and the suggestions the rules make for checklist items."""

from __future__ import annotations

import argparse
from datetime import date

from auditapp.cli.render import print_json, print_table
from auditapp.services.errors import InvalidInputError
from auditapp.services.workspace import Caller, Workspace


def analyse_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.analysis import analyse

    bar = TerminalProgress()
    try:
        summary = analyse(ws, caller, bar)
    finally:
        bar.finish()
    if args.json:
        print_json(summary)
        return 0
    print(
        f"{summary.rules_run} rules ran: {summary.findings} findings "
        f"({summary.new} new, {summary.resolved} no longer seen, {summary.reopened} reopened)"
    )
    if summary.by_severity:
        order = ["critical", "high", "medium", "low", "info"]
        counts = ", ".join(
            f"{summary.by_severity[s]} {s}" for s in order if summary.by_severity.get(s)
        )
        print(f"open: {counts}")
    if summary.by_section:
        print_table(
            ["SECTION", "OPEN FINDINGS"],
            sorted(summary.by_section.items(), key=lambda kv: -kv[1]),
        )
    if summary.rules_without_evidence:
        print(
            f"{len(summary.rules_without_evidence)} rules had nothing to look at "
            "(collect more evidence): "
            + ", ".join(summary.rules_without_evidence[:8])
            + (" …" if len(summary.rules_without_evidence) > 8 else "")
        )
    print(f"threats in the model: {summary.threats}; checklist suggestions: {summary.suggestions}")
    print("next: `auditapp findings`, `auditapp suggestion list`, `auditapp blast-radius`")
    return 0


def findings_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.findings import list_findings

    found = list_findings(
        ws,
        caller,
        severity=args.severity,
        rule=args.rule,
        status=args.status,
        component=args.component,
        include_inactive=args.all,
    )
    if args.json:
        print_json(found)
        return 0
    if not found:
        print("no findings (run `auditapp analyse` after collecting evidence)")
        return 0
    print_table(
        ["ID", "SEVERITY", "RULE", "COMPONENT", "TITLE", "WHERE", "STATUS", "CIS", "PCI DSS"],
        [
            [
                f.id,
                f.severity,
                f.rule_id,
                f.component,
                f.title,
                f.location,
                f.status
                + (" (expired)" if f.risk_expired else "")
                + ("" if f.active else ", gone"),
                ",".join(f.cis),
                ",".join(f.pci),
            ]
            for f in found
        ],
    )
    return 0


def finding_set(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.findings import set_finding_status

    expires = _date(args.expires) if args.expires else None
    view = set_finding_status(
        ws, caller, args.id, args.status, justification=args.justification, expires=expires
    )
    suffix = f" until {view.expires}" if view.expires else ""
    print(f"finding #{view.id} ({view.rule_id}, {view.component}) is now {view.status}{suffix}")
    return 0


def rules_command(args: argparse.Namespace) -> int:
    """Needs no database: the catalogue ships with auditapp."""
    from auditapp.services.findings import rules_catalogue

    rules = rules_catalogue()
    if args.json:
        print_json(rules)
        return 0
    print_table(
        ["RULE", "SEVERITY", "CIS", "PCI DSS", "TITLE"],
        [[r.id, r.severity, ",".join(r.cis), ",".join(r.pci), r.title] for r in rules],
    )
    return 0


def suggestion_list(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.suggestions import list_suggestions

    views = list_suggestions(ws, caller)
    if args.json:
        print_json([{**_plain(v), "differs": v.differs} for v in views])
        return 0
    if not views:
        print("no suggestions yet (run `auditapp analyse`)")
        return 0
    print_table(
        ["ITEM", "SUGGESTED", "YOUR ANSWER", "DECISION", "WHY"],
        [
            [
                v.item_key,
                v.status.cli_name,
                v.answer.cli_name if v.answer else "-",
                v.decision or "-",
                v.reason,
            ]
            for v in views
        ],
    )
    return 0


def suggestion_accept(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.suggestions import accept_suggestion

    view = accept_suggestion(ws, caller, args.key)
    print(f"{view.item_key}: answered {view.status.cli_name} ({view.reason})")
    return 0


def suggestion_dismiss(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services.suggestions import dismiss_suggestion

    view = dismiss_suggestion(ws, caller, args.key)
    print(f"{view.item_key}: suggestion dismissed; your answer stays")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def _plain(view: object) -> dict[str, object]:
    from auditapp.cli.render import to_plain

    plain = to_plain(view)
    assert isinstance(plain, dict)
    return plain
