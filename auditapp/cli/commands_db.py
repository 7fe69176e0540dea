"""`auditapp db copy`: copy the whole database into an empty one and show that the copy is whole.

A standalone command: it opens both databases itself and acts on every audit at once, so no
workspace is opened for it and no member or role applies (see `copy_database`).
"""

from __future__ import annotations

import argparse
import os
import sys

from auditapp.cli.render import print_table


def db_copy_command(args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.dbcopy import copy_database

    source = getattr(args, "db", None) or os.environ.get("AUDITAPP_DB") or None
    bar = TerminalProgress()
    try:
        report = copy_database(source, args.to, bar)
    except KeyboardInterrupt:
        print("auditapp: cancelled; nothing was copied, the target is as it was", file=sys.stderr)
        return 130
    finally:
        bar.finish()
    print(f"copied {report.source}")
    print(f"    to {report.target}")
    print_table(
        ["TABLE", "SOURCE ROWS", "TARGET ROWS", "EQUAL"],
        [[t.table, t.source_rows, t.target_rows, t.equal] for t in report.tables],
    )
    for audit in report.audits:
        state = "intact, data matches the journal" if audit.intact else "NOT intact"
        print(f"journal of {audit.audit!r}: {audit.entries} entries, {state}")
    if not report.verified:
        for problem in report.problems():
            print(f"auditapp: {problem}", file=sys.stderr)
        print(
            f"auditapp: the copy in {report.target} did not verify "
            "(the source was not changed; inspect the target, or drop it and copy again)",
            file=sys.stderr,
        )
        return 2
    print(
        f"verified: {len(report.tables)} tables, {report.rows} rows, the same on both sides; "
        f"{len(report.audits)} audit journal(s) intact"
    )
    return 0
