"""The audit-package commands: export (PDF and bundle) and verify."""

from __future__ import annotations

import argparse
from pathlib import Path

from auditapp.cli.render import print_json
from auditapp.services.errors import InvalidInputError
from auditapp.services.workspace import Caller, Workspace


def export_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.export import export

    if args.monitoring_pdf:
        return monitoring_pdf_command(ws, caller, args)
    if args.run is not None:
        raise InvalidInputError("--run goes with --monitoring-pdf")
    bar = TerminalProgress()
    try:
        result = export(
            ws,
            caller,
            pdf=Path(args.pdf),
            bundle=Path(args.bundle) if args.bundle else None,
            draft=args.draft,
            progress=bar,
        )
    finally:
        bar.finish()
    if args.json:
        print_json(result)
        return 0
    print(
        f"wrote {result.pdf}: {result.status}, {_pages(result.pages)}, {_size(result.bytes)}, "
        f"{result.files} files attached"
    )
    if result.bundle is not None:
        print(
            f"wrote {result.bundle}: {_size(result.bundle_bytes)}, the PDF, its files and "
            f"{result.blobs} evidence blobs"
        )
    print(f"fingerprint: {result.fingerprint}")
    print(f"check it with `auditapp verify {result.pdf}`")
    return 0


def monitoring_pdf_command(ws: Workspace, caller: Caller, args: argparse.Namespace) -> int:
    """`export --monitoring-pdf FILE [--run N]`: what changed since sign-off, as a short PDF."""
    from auditapp.cli.progress import TerminalProgress
    from auditapp.services.monitor_report import export_delta

    if args.bundle or args.draft:
        raise InvalidInputError("--bundle and --draft go with --pdf, not --monitoring-pdf")
    bar = TerminalProgress()
    try:
        result = export_delta(ws, caller, Path(args.monitoring_pdf), run_id=args.run, progress=bar)
    finally:
        bar.finish()
    if args.json:
        print_json({**_plain(result), "pdf": str(result.pdf)})
        return 0
    print(
        f"wrote {result.pdf}: monitor run #{result.run}, {result.status}, "
        f"{result.changes} change(s) since sign-off, {_pages(result.pages)}, {_size(result.bytes)}"
    )
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Needs no database: a package is checked on its own."""
    from auditapp.report.package import Outcome
    from auditapp.services.export import verify

    report = verify(Path(args.file))
    if args.json:
        print_json({**_plain(report), "exit_code": report.exit_code})
        return report.exit_code
    if report.outcome is Outcome.NOT_A_PACKAGE:
        print(f"{report.path}: not an auditapp package: {report.reason}")
    else:
        kind = "bundle" if report.kind == "bundle" else "package PDF"
        print(f"{report.path}: {report.outcome.value.upper()} ({kind})")
        if report.fingerprint:
            print(f"fingerprint: {report.fingerprint}")
    shown = report.checks if args.all else report.problems
    for check in shown:
        print(f"  {'ok ' if check.ok else 'BAD'} {check.subject}: {check.detail}")
    if report.checked:
        print(f"checked: {report.checked}")
    return report.exit_code


def _plain(report: object) -> dict[str, object]:
    from auditapp.cli.render import to_plain

    plain = to_plain(report)
    assert isinstance(plain, dict)
    return plain


def _pages(count: int) -> str:
    return f"{count} page{'s' if count != 1 else ''}"


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / 1024 / 1024:.1f} MB"
