"""The command-line face: parse, wire, print. Use cases live in auditapp.services."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from auditapp.cli.handlers import HANDLERS
from auditapp.cli.parser import build_parser
from auditapp.errors import AuditappError
from auditapp.services.audits import open_audit
from auditapp.services.workspace import Caller, Settings, Workspace


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    database = args.db or os.environ.get("AUDITAPP_DB") or None
    member = args.member or os.environ.get("AUDITAPP_MEMBER") or None
    if args.command in (None, "gui"):
        from auditapp.gui.app import run_gui

        return run_gui(database, audit=args.audit, member=member)
    try:
        ws = Workspace.open(database, Settings.from_environment(os.environ))
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
    except BrokenPipeError:
        # the reader went away (e.g. `auditapp item list | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # the last resort: one line, never a traceback
        if os.environ.get("AUDITAPP_DEBUG"):
            raise
        print(
            f"auditapp: internal error: {error.__class__.__name__}: {error} "
            "(run again with AUDITAPP_DEBUG=1 for details, and please report it)",
            file=sys.stderr,
        )
        return 3
    finally:
        ws.close()


def _fail(error: AuditappError) -> int:
    print(f"auditapp: {error}", file=sys.stderr)
    return error.exit_code
