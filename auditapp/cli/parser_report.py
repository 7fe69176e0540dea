"""The grammar of the audit-package commands: export and verify."""

from __future__ import annotations

import argparse
from collections.abc import Callable

CommandMaker = Callable[..., argparse.ArgumentParser]


def add_report_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    command: CommandMaker,
    group: Callable[..., argparse._SubParsersAction[argparse.ArgumentParser]],
    json_option: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    export = json_option(
        command(commands, "export", "write the audit package: the PDF with its files attached")
    )
    written = export.add_mutually_exclusive_group(required=True)
    written.add_argument("--pdf", metavar="FILE", help="the package PDF to write")
    written.add_argument(
        "--monitoring-pdf",
        metavar="FILE",
        help="instead, a short PDF of what changed since sign-off (the latest monitor run)",
    )
    export.add_argument(
        "--run",
        type=int,
        metavar="N",
        help="with --monitoring-pdf: the monitor run to report (`auditapp monitor --history`)",
    )
    export.add_argument(
        "--bundle",
        metavar="FILE",
        help="also a zip with the PDF, the same files, every evidence blob and a manifest",
    )
    export.add_argument(
        "--draft",
        action="store_true",
        help="mark the package DRAFT even when it is signed off",
    )

    verify = json_option(
        command(
            commands,
            "verify",
            "check a package PDF or bundle against its manifest and fingerprint "
            "(exit 0 intact, 1 tampered, 2 not an auditapp package)",
        )
    )
    verify.add_argument("file", metavar="FILE", help="a package PDF or bundle zip")
    verify.add_argument(
        "--all", action="store_true", help="list every check, not only the problems"
    )
    command(commands, "demo", "build a complete demo audit from shipped data (offline)")
