"""The options every command line takes, before the command and after it (imports nothing of
ours: the line that opens the window is read with them alone)."""

from __future__ import annotations

import argparse


def add_globals(parser: argparse.ArgumentParser, *, default: object) -> None:
    """--db, --audit and --as: accepted before the command and after it."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="database: a path, sqlite:///PATH or postgresql://… (default: $AUDITAPP_DB, "
        "else SQLite in your user-data folder)",
    )
    parser.add_argument(
        "--audit",
        metavar="NAME",
        default=default,
        help="the audit to work on (default: the current one)",
    )
    parser.add_argument(
        "--as",
        dest="member",
        metavar="MEMBER",
        default=default,
        help="act as this member (default: $AUDITAPP_MEMBER, else the audit's default member)",
    )
