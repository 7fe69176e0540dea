"""The command-line face: parse, wire, print. Use cases live in auditapp.services."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from auditapp.cli.commands import HANDLERS
from auditapp.cli.parser import build_parser
from auditapp.errors import AuditappError
from auditapp.services.audits import open_audit
from auditapp.services.workspace import DEFAULT_EVIDENCE_CAP, Caller, Settings, Workspace


def settings_from_environment() -> Settings:
    cap = os.environ.get("AUDITAPP_EVIDENCE_CAP_MB")
    if not cap:
        return Settings(evidence_max_bytes=DEFAULT_EVIDENCE_CAP)
    try:
        megabytes = float(cap)
    except ValueError:
        raise AuditappError(f"AUDITAPP_EVIDENCE_CAP_MB={cap!r} is not a number") from None
    return Settings(evidence_max_bytes=int(megabytes * 1024 * 1024))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    database = args.db or os.environ.get("AUDITAPP_DB") or None
    member = args.member or os.environ.get("AUDITAPP_MEMBER") or None
    if args.command in (None, "gui"):
        from auditapp.gui.app import run_gui

        return run_gui(database, audit=args.audit, member=member)
    try:
        ws = Workspace.open(database, settings_from_environment())
    except AuditappError as error:
        return _fail(error)
    try:
        if args.audit and args.command != "audit":
            open_audit(ws, args.audit)  # naming an audit opens it: it becomes the current one
        caller = Caller(audit=args.audit, member=member)
        handler = HANDLERS[(args.command, getattr(args, "subcommand", None))]
        return handler(ws, caller, args)
    except AuditappError as error:
        return _fail(error)
    except KeyboardInterrupt:
        print("auditapp: cancelled; nothing was half-stored", file=sys.stderr)
        return 130
    finally:
        ws.close()


def _fail(error: AuditappError) -> int:
    print(f"auditapp: {error}", file=sys.stderr)
    return error.exit_code
