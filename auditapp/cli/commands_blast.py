"""The blast-radius command: from each internet-facing component (or one named), what an
attacker reaches and the ranked paths to cardholder data."""

from __future__ import annotations

import argparse

from auditapp.cli.render import print_json
from auditapp.services.workspace import Caller, Workspace


def blast_radius_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.analysis.blast import describe, describe_weaknesses
    from auditapp.services.blast import blast_radius

    radius = blast_radius(ws, caller, args.component)
    if args.json:
        print_json(radius)
        return 0
    if not radius.beachheads:
        print(
            "no internet-facing component: mark one with `auditapp component set NAME "
            "--internet-facing`, declare a flow from zone:internet, or name a component: "
            "`auditapp blast-radius COMPONENT`"
        )
    for head in radius.beachheads:
        facing = " (internet-facing)" if head.internet_facing else ""
        print(f"from {head.component}{facing}, within {radius.max_steps} steps:")
        reached = ", ".join(f"{r.node} ({_steps(r.steps)})" for r in head.reachable)
        print(f"  reaches: {reached or 'nothing'}")
        if head.hosts:
            hosts = ", ".join(f"{h.node} ({_steps(h.steps)})" for h in head.hosts)
            print(f"  controls hosts: {hosts}")
        if head.holds_cardholder_data:
            print(f"  {head.component} holds cardholder data itself")
        if not head.targets:
            print("  no path to cardholder data")
        for target in head.targets:
            more = f" (the best {len(target.paths)} paths)" if target.capped else ""
            print(f"  to {target.component} (cardholder data){more}:")
            for path in target.paths:
                print(
                    f"    [{path.severity}, score {path.score}] {describe(path)}; "
                    f"weaknesses: {describe_weaknesses(path)}"
                )
    if radius.assumptions:
        print("assumptions:")
        for said in radius.assumptions:
            print(f"  - {said}")
    return 0


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"
