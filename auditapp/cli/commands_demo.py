"""`auditapp demo`: build the demo audit, say what was built and what to do next."""

from __future__ import annotations

import argparse
import shlex

from auditapp.services.workspace import Caller, Workspace


def demo_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.demo import build_demo

    bar = TerminalProgress()
    try:
        summary = build_demo(ws, progress=bar)
    finally:
        bar.finish()
    people = ", ".join(f"{name} ({role})" for name, role in summary.members)
    print(f"built the demo audit {summary.audit!r}; it is now the current audit")
    print(f"  members: {people}")
    print(f"  components: {', '.join(summary.components)}")
    print(
        f"  evidence: {summary.evidence} items; {summary.images} images with "
        f"{summary.packages} packages; {summary.vulnerabilities} known vulnerabilities"
    )
    print(
        f"  analysis: {summary.findings} findings, {summary.flows} declared flows, "
        f"{summary.threats} threats"
    )
    print(f"  checklist: {summary.answered} of {summary.items} items answered")
    final = "FINAL" if len(summary.signoffs) >= 2 else "DRAFT"
    print(f"  signed off by: {', '.join(summary.signoffs)} ({final})")
    state = "intact" if summary.journal_intact else "NOT intact"
    print(f"  journal: {summary.journal_entries} entries, {state}")
    database = f"--db {shlex.quote(args.db)} " if getattr(args, "db", None) else ""
    steps = (
        ("export --pdf demo.pdf", "the audit package, then `auditapp verify demo.pdf`"),
        ("findings", "what the rules found"),
        ("gui", "look around in the desktop window"),
    )
    width = max(len(command) for command, _ in steps)
    print("next steps:")
    for command, why in steps:
        print(f"  auditapp {database}{command:<{width}}  # {why}")
    return 0
