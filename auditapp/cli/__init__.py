"""The command-line face: parse, wire, print. Use cases live in auditapp.services.

Importing this package is cheap: the parser and the use cases (SQLAlchemy and the models take
about half a second to import) are imported inside `main`, after the reading of any archive a
`collect` names has started (`services.early_archives`), so the two overlap. The cyclic
garbage collector is paused while they are imported: they make a few hundred thousand objects
that live as long as the process, and collecting them over and over cost about a tenth of
start-up. A line that opens the window is read without building every command's parser.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from auditapp.errors import AuditappError

if TYPE_CHECKING:
    from pathlib import Path

    from auditapp.services.early_archives import EarlyArchive


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    paused = gc.isenabled()
    gc.disable()  # until the imports are done (see above); _run resumes it
    started: dict[Path, EarlyArchive] = {}
    try:
        if archives := _archives_to_collect(arguments):
            from auditapp.services import early_archives  # no database, no catalogers

            started = early_archives.start(archives)
        return _run(arguments, started, paused)
    except KeyboardInterrupt:  # during start-up; a command's own is caught in _run
        print("auditapp: cancelled", file=sys.stderr)
        return 130
    finally:
        if paused:
            gc.enable()
        try:
            for early in started.values():
                early.cancel()  # a no-op once collected; otherwise its reading ends
        except KeyboardInterrupt:  # Ctrl-C again: the kernel stops the worker as we leave
            pass


def _archives_to_collect(arguments: list[str]) -> list[str]:
    """The --archive paths of a `collect` command line, read before the full parser exists.
    Only a head start: the real parser decides what the line means, and a path this misreads
    is merely hashed for nothing."""
    if "collect" not in arguments:
        return []
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    early.add_argument("--archive", action="append", default=[])
    known, _ = early.parse_known_args(arguments[arguments.index("collect") + 1 :])
    return [str(path) for path in known.archive]


def _run(arguments: list[str], started: dict[Path, EarlyArchive], paused: bool) -> int:
    args = _window_line(arguments)
    if args is None:
        from auditapp.cli.parser import build_parser

        args = build_parser().parse_args(arguments)
    database = args.db or os.environ.get("AUDITAPP_DB") or None
    member = args.member or os.environ.get("AUDITAPP_MEMBER") or None
    if args.command in (None, "gui"):
        from auditapp.gui.app import run_gui

        return run_gui(database, audit=args.audit, member=member, resume_collector=paused)
    args.started_archives = started  # collect_command hands them to the collect use case
    from auditapp.cli import handlers  # imports the one command's module, and its use cases
    from auditapp.services.audits import open_audit
    from auditapp.services.workspace import Caller, Settings, Workspace

    command = (args.command, getattr(args, "subcommand", None))
    try:
        standalone = handlers.standalone(command)
        handler = None if standalone is not None else handlers.handler(command)
    except Exception as error:  # a module of ours that cannot be imported: a bug to report
        return _internal_error(error)
    if paused:
        # What start-up made lives as long as the process: frozen, no collection walks it
        # again, and leaving the interpreter does not either (about a third of a second).
        gc.freeze()
        gc.enable()

    if standalone is not None:
        try:
            return standalone(args)
        except AuditappError as error:
            return _fail(error)
    try:
        ws = Workspace.open(database, Settings.from_environment(os.environ))
    except AuditappError as error:
        return _fail(error)
    try:
        if args.audit and args.command != "audit":
            open_audit(ws, args.audit)  # naming an audit opens it: it becomes the current one
        if handler is None:
            raise LookupError(f"the parser accepted {command}, which has no handler")
        return handler(ws, Caller(audit=args.audit, member=member), args)
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
        return _internal_error(error)
    finally:
        ws.close()


def _internal_error(error: Exception) -> int:
    if os.environ.get("AUDITAPP_DEBUG"):
        raise error
    print(
        f"auditapp: internal error: {error.__class__.__name__}: {error} "
        "(run again with AUDITAPP_DEBUG=1 for details, and please report it)",
        file=sys.stderr,
    )
    return 3


class _NotTheWindow(Exception):
    pass


class _WindowLine(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotTheWindow(message)


def _window_line(arguments: list[str]) -> argparse.Namespace | None:
    """The global options of a line that opens the window (no command, or `gui`); None for
    any other line, help included, which the full parser then reads."""
    from auditapp.cli.global_options import add_globals

    if "--" in arguments:  # the full parser refuses it; this one would not
        return None
    line = _WindowLine(prog="auditapp", add_help=False, allow_abbrev=False)
    add_globals(line, default=None)
    line.add_argument("command", nargs="?", choices=["gui"])
    try:
        return line.parse_args(arguments)
    except _NotTheWindow:
        return None


def _fail(error: AuditappError) -> int:
    print(f"auditapp: {error}", file=sys.stderr)
    return error.exit_code
