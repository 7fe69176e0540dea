"""Commands about data flows: declare and withdraw them, and compare them with what the
deployment exposes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from auditapp.cli.render import print_json, print_table, to_plain
from auditapp.services.workspace import Caller, Workspace

if TYPE_CHECKING:
    from auditapp.analysis.model import DeclaredFlow
    from auditapp.analysis.network import Exposure, FlowCheck, FlowReport
    from auditapp.services.flows import FlowView


def flow_add(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import flows

    given = flows.FlowInput(
        source=args.source,
        destination=args.destination,
        port=args.port,
        protocol=args.protocol,
        data_classes=tuple(c.strip() for c in args.data.split(",") if c.strip()),
        encrypted=args.encrypted,
        authenticated=args.authenticated,
        justification=args.why,
    )
    added = flows.add_flow(ws, caller, given)
    print(f"declared flow {added.id}: {_line(added)}")
    return 0


def flow_remove(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import flows

    removed = flows.remove_flow(ws, caller, args.id)
    print(f"removed flow {removed.id}: {_line(removed)}")
    return 0


def flows_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.services import flows

    report = flows.flows_report(ws, caller)
    if args.json:
        print_json(_plain(report))
        return 0
    print("Declared flows")
    if report.flows:
        print_table(
            ["ID", "SOURCE", "DESTINATION", "PORT", "DATA", "ENC", "AUTH", "CARRIED", "WHY"],
            [
                [
                    c.flow.id,
                    c.flow.source,
                    c.flow.destination,
                    f"{c.flow.port}/{c.flow.protocol}",
                    ", ".join(c.flow.data_classes) or "-",
                    c.flow.encrypted,
                    c.flow.authenticated,
                    "unknown" if c.carried is None else c.carried,
                    c.flow.justification,
                ]
                for c in report.flows
            ],
        )
    else:
        print("  none yet: declare one with `auditapp flow add SRC DST --port P --protocol T`")
    print("\nObserved exposure")
    if report.exposures:
        print_table(
            ["COMPONENT", "WORKLOAD", "PORT", "OPEN ON", "REACHED BY"],
            [[e.component, e.label, e.port_text, e.where, e.audience] for e in report.exposures],
        )
    else:
        print("  nothing: no collected container or service publishes or shares anything")
    print("\nObserved but not declared")
    lines = [f"{e.label}: {e.describe()}" for e in report.unjustified]
    lines += [
        f"{a} and {b} share network{'s' if len(s.networks) > 1 else ''} "
        f"{', '.join(s.networks)} with no flow declared between them"
        for s in report.undeclared_sharing
        for a, b in (s.components,)
    ]
    _bullets(lines)
    print("\nDeclared but not carried")
    _bullets([f"flow {c.flow.id} {_line(c.flow)}: {c.reason}" for c in report.not_carried])
    unknown = [c for c in report.flows if c.carried is None]
    if unknown:
        print("\nNot verifiable from the evidence")
        _bullets([f"flow {c.flow.id}: {c.reason}" for c in unknown])
    return 0


def _line(flow: FlowView | DeclaredFlow) -> str:
    return f"{flow.source} -> {flow.destination} {flow.port}/{flow.protocol}"


def _bullets(lines: list[str]) -> None:
    if not lines:
        print("  none")
    for line in lines:
        print(f"  - {line}")


def _plain(report: FlowReport) -> dict[str, Any]:
    def exposure(e: Exposure) -> dict[str, Any]:
        return {**to_plain(e), "description": e.describe(), "off_host": e.off_host}

    def check(c: FlowCheck) -> dict[str, Any]:
        return {**to_plain(c.flow), "carried": c.carried, "reason": c.reason}

    return {
        "flows": [check(c) for c in report.flows],
        "exposures": [exposure(e) for e in report.exposures],
        "drift": {
            "unjustified_exposure": [exposure(e) for e in report.unjustified],
            "undeclared_sharing": [to_plain(s) for s in report.undeclared_sharing],
            "not_carried": [check(c) for c in report.not_carried],
        },
    }
