"""The command line's grammar: every command, option and help text, and nothing else."""

from __future__ import annotations

import argparse
from typing import TypeAlias

from auditapp import __version__
from auditapp.analysis.model import DATA_CLASSES
from auditapp.checklist import Method, Status
from auditapp.cli.global_options import add_globals
from auditapp.cli.parser_analysis import add_analysis_commands
from auditapp.cli.parser_monitor import add_monitor_commands
from auditapp.cli.parser_report import add_report_commands
from auditapp.services.roles import Role

STATUS_CHOICES = [s.cli_name for s in Status]
METHOD_CHOICES = [m.value.replace("_", "-") for m in Method]
ROLE_CHOICES = [r.value for r in Role]

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditapp",
        description="Prepare a PCI DSS audit of a containerized application. "
        "Without a command, the desktop window opens.",
    )
    parser.add_argument("--version", action="version", version=f"auditapp {__version__}")
    add_globals(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    audit = _group(commands, "audit", "create, list and open audits")
    new = _command(audit, "new", "create an audit and make it current")
    new.add_argument("name")
    new.add_argument("--entity", default="", help="the assessed entity")
    new.add_argument("--description", default="", help="scope and environment in a sentence")
    _json(_command(audit, "list", "list audits"))
    _command(audit, "open", "make an audit the current one").add_argument("name")

    member = _group(commands, "member", "members of the audit and their roles")
    add = _command(member, "add", "add a member (officers only, once there is one)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES)
    add.add_argument("--default", action="store_true", help="act as this member by default")
    _json(_command(member, "list", "list members"))
    _json(_command(member, "whoami", "who you act as, and what you may do"))

    item = _group(commands, "item", "checklist items")
    listing = _json(_command(item, "list", "list items with their status"))
    listing.add_argument("--section", type=int, metavar="N", help="only section N (1-7)")
    _json(_command(item, "show", "one item in full")).add_argument("key")
    setter = _command(item, "set", "answer an item")
    setter.add_argument("key")
    setter.add_argument("--status", choices=STATUS_CHOICES, help="officers only")
    setter.add_argument("--clear-status", action="store_true", help="make it unanswered again")
    setter.add_argument("--method", choices=METHOD_CHOICES, help="officers only")
    setter.add_argument("--rationale", help="why the status was chosen")
    setter.add_argument("--owner", help="who is responsible (officers only)")
    setter.add_argument("--due", metavar="YYYY-MM-DD", help="due date (officers only)")
    setter.add_argument(
        "--expect-version",
        type=int,
        metavar="N",
        help="refuse if the item is no longer at version N (someone changed it since)",
    )

    evidence = _group(commands, "evidence", "evidence files")
    attach = _command(evidence, "attach", "attach a file as evidence")
    attach.add_argument("file")
    attach.add_argument("--item", metavar="KEY", help="link it to this checklist item")
    attach.add_argument("--title", help="a title (default: the file name)")
    ev_list = _json(_command(evidence, "list", "list evidence"))
    ev_list.add_argument("--item", metavar="KEY", help="only evidence linked to this item")
    ev_link = _command(evidence, "link", "link evidence to an item")
    ev_link.add_argument("id", type=int)
    ev_link.add_argument("item", metavar="KEY")

    component = _group(commands, "component", "the services and containers under assessment")
    _component_options(_command(component, "add", "add a component")).add_argument("name")
    _component_options(_command(component, "set", "change a component")).add_argument("name")
    _json(_command(component, "list", "list components"))
    _json(_command(commands, "components", "list components (same as `component list`)"))

    collect = _json(_command(commands, "collect", "collect evidence and inventory images"))
    collect.add_argument(
        "--engine",
        action="store_true",
        help="the Docker Engine at DOCKER_HOST (or the local socket)",
    )
    collect.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="REF",
        help="an image streamed from the engine (repeatable)",
    )
    collect.add_argument(
        "--archive",
        action="append",
        default=[],
        metavar="PATH",
        help="a `docker save` tarball or an OCI layout folder (repeatable)",
    )
    collect.add_argument(
        "--compose",
        action="append",
        default=[],
        metavar="PATH",
        help="a compose file; several are merged in order (repeatable)",
    )
    collect.add_argument("--env-file", metavar="PATH", help="variables for compose files")
    collect.add_argument("--profile", action="append", default=[], help="compose profiles")
    collect.add_argument("--daemon-config", metavar="PATH", help="the daemon's daemon.json")
    _json(_command(commands, "images", "images examined, with the state of their inventory"))
    packages = _json(_command(commands, "packages", "packages found in the images"))
    packages.add_argument("--component", metavar="NAME")
    packages.add_argument("--ecosystem", metavar="E", help="deb, apk, rpm, pypi, npm, ...")

    sbom = _command(commands, "sbom", "a CycloneDX 1.6 SBOM of a component's image")
    sbom.add_argument("component")
    sbom.add_argument("-o", "--output", required=True, metavar="FILE")

    vulndb = _group(commands, "vulndb", "the vulnerability database (OSV records)")
    vulndb_import = _command(vulndb, "import", "import OSV records: a JSON file, a folder, a zip")
    vulndb_import.add_argument("paths", nargs="+", metavar="PATH")
    _json(vulndb_import)
    vulndb_update = _json(
        _command(
            vulndb,
            "update",
            "fetch records for the inventory from the OSV API (needs network; opt-in)",
        )
    )
    vulndb_update.add_argument(
        "--ecosystem",
        action="append",
        default=[],
        metavar="E",
        help="only this ecosystem (repeatable), e.g. PyPI, Go, Debian",
    )
    vulndb_update.add_argument(
        "--base-url", metavar="URL", help="an OSV-compatible API (default https://api.osv.dev)"
    )
    vulndb_status = _json(_command(vulndb, "status", "records and age per ecosystem"))
    vulndb_status.add_argument("--max-age", type=_positive, default=7, metavar="DAYS")
    vulns = _json(_command(commands, "vulns", "known vulnerabilities in the inventory"))
    vulns.add_argument("--component", metavar="NAME")
    vulns.add_argument(
        "--severity", choices=["critical", "high", "medium", "low"], help="this severity or worse"
    )
    vulns.add_argument("--fixable", action="store_true", help="only those with a fix")
    vulns.add_argument(
        "--max-age",
        type=_positive,
        default=7,
        metavar="DAYS",
        help="warn when the data is older than this (default 7)",
    )

    lifecycle = _json(
        _command(commands, "lifecycle", "end-of-life OS releases and runtimes, abandoned packages")
    )
    lifecycle.add_argument(
        "--refresh",
        action="store_true",
        help="ask the npm and PyPI registries first (needs network)",
    )
    lifecycle.add_argument("--npm-url", metavar="URL", help="an npm-compatible registry")
    lifecycle.add_argument("--pypi-url", metavar="URL", help="a PyPI-compatible index")

    vex = _group(commands, "vex", "dispositions of vulnerabilities (VEX)")
    vex_set = _command(vex, "set", "decide how a vulnerability affects a package (officers)")
    vex_set.add_argument("purl")
    vex_set.add_argument("vuln_id", metavar="VULN-ID")
    vex_set.add_argument(
        "--status", required=True, help="affected, not_affected, fixed or under_investigation"
    )
    vex_set.add_argument(
        "--justification",
        default="",
        help="why not affected, e.g. vulnerable_code_not_in_execute_path",
    )
    vex_set.add_argument("--detail", default="", help="the reasoning, in words")
    _json(_command(vex, "list", "the dispositions of this audit"))
    _command(vex, "import", "import an OpenVEX or CycloneDX VEX document").add_argument("file")
    _command(vex, "export", "write the dispositions as CycloneDX VEX").add_argument(
        "-o", "--output", required=True, metavar="FILE"
    )

    comment = _group(commands, "comment", "comments on items")
    comment_add = _command(comment, "add", "comment on an item")
    comment_add.add_argument("key")
    comment_add.add_argument("text")
    _json(_command(comment, "list", "comments on an item")).add_argument("key")

    _command(commands, "signoff", "sign the audit off as your role").add_argument(
        "--statement", required=True
    )
    _json(_command(commands, "status", "progress per section"))

    journal = _group(commands, "journal", "the tamper-evident journal")
    _command(journal, "verify", "check the hash chain (exit 1 when broken)")
    show = _json(_command(journal, "show", "the latest entries"))
    show.add_argument("--limit", type=_positive, default=30)

    db = _group(commands, "db", "the whole database, every audit in it")
    db_copy = _command(db, "copy", "copy the database (--db) into an empty one, then verify it")
    db_copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty target: a path, sqlite:///PATH or postgresql://USER@HOST/DB",
    )

    add_analysis_commands(commands, _command, _group, _json)
    add_report_commands(commands, _command, _group, _json)
    add_monitor_commands(commands, _command, _group, _json)
    _command(commands, "gui", "open the desktop window")
    return parser


def _component_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--image", metavar="REF", help="image reference, e.g. shop/api:1.4")
    parser.add_argument(
        "--internet-facing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reachable from the internet",
    )
    parser.add_argument(
        "--cde",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="part of the cardholder-data environment",
    )
    parser.add_argument(
        "--data", metavar="CLASSES", help=f"comma-separated data classes: {', '.join(DATA_CLASSES)}"
    )
    parser.add_argument("--host", help="the Docker host it runs on")
    parser.add_argument("--notes")
    return parser


def _command(commands: Commands, name: str, text: str) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_globals(common, default=argparse.SUPPRESS)  # after the command, never overwrite with None
    return commands.add_parser(name, help=text, description=text, parents=[common])


def _group(commands: Commands, name: str, text: str) -> Commands:
    group = _command(commands, name, text)
    return group.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _json(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    return parser
