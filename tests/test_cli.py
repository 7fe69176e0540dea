"""The command line as a person uses it: real processes, real databases, exit codes, stderr."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditapp.cli import main
from tests.conftest import evidence_item_key, item_keys

KEY = evidence_item_key()


class Cli:
    """Runs `auditapp` in this process (as `main(argv)`) or, with `real_process`, as a child.

    In-process runs keep the suite quick; a few tests run real processes to cover the
    interpreter start, `python -m auditapp` and cross-process behaviour.
    """

    def __init__(self, db_url: str, home: Path, *, real_process: bool = False) -> None:
        self.env = {"AUDITAPP_DB": db_url, "HOME": str(home), "AUDITAPP_MEMBER": ""}
        self.real_process = real_process

    def __call__(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        variables = {**self.env, **(env or {})}
        if self.real_process:
            return subprocess.run(
                [sys.executable, "-m", "auditapp", *args],
                capture_output=True,
                text=True,
                env={**os.environ, **variables},
                timeout=120,
                check=False,
            )
        saved = {name: os.environ.get(name) for name in variables}
        out, err = io.StringIO(), io.StringIO()
        os.environ.update(variables)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exit_:  # argparse's own errors
                    code = exit_.code if isinstance(exit_.code, int) else 2
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    return Cli(db_url, tmp_path)


@pytest.fixture
def team(cli: Cli) -> Cli:
    cli.ok("audit", "new", "Shop 2026", "--entity", "Example Payments Ltd")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("--as", "Olga", "member", "add", "Dev", "--role", "developer")
    cli.ok("--as", "Olga", "member", "add", "Ann", "--role", "auditor")
    return cli


def _denied(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 2
    assert reason in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "auditapp", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("auditapp ")


def test_real_processes_share_one_database(tmp_path: Path, sqlite_url: str) -> None:
    """The console entry point end to end: separate interpreters, one SQLite file."""
    cli = Cli(sqlite_url, tmp_path, real_process=True)
    cli.ok("audit", "new", "Proc")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("item", "set", KEY, "--status", "not-tested", "--rationale", "out of scope this round")
    denied = cli("member", "add", "Eve", "--role", "officer", "--as", "Nobody")
    assert denied.returncode == 2 and "not a member" in denied.stderr
    assert "Traceback" not in denied.stderr
    item = next(i for i in cli.json("item", "list") if i["key"] == KEY)
    assert item["status"] == "not_tested"
    assert "journal intact: 3 entries" in cli.ok("journal", "verify")


def test_quick_start(team: Cli, tmp_path: Path) -> None:
    audits = team.json("audit", "list")
    assert [(a["name"], a["members"], a["current"]) for a in audits] == [("Shop 2026", 3, True)]
    listed = team.json("member", "list")
    assert [(m["name"], m["role"], m["is_default"]) for m in listed] == [
        ("Olga", "officer", True),
        ("Dev", "developer", False),
        ("Ann", "auditor", False),
    ]

    team.ok("item", "set", KEY, "--status", "in-place", "--rationale", "All containers: USER 10001")
    proof = tmp_path / "inspect.json"
    proof.write_text('[{"Config": {"User": "10001"}}]')
    out = team.ok("--as", "Dev", "evidence", "attach", str(proof), "--item", KEY)
    assert "evidence #1" in out

    item = next(i for i in team.json("item", "list") if i["key"] == KEY)
    assert (item["status"], item["evidence_count"], item["complete"]) == ("in_place", 1, True)
    evidence = team.json("evidence", "list")
    assert evidence[0]["collected_by"] == "Dev" and evidence[0]["items"] == [KEY]

    status = team.json("status")
    assert status["overall"]["complete"] == 1
    assert status["overall"]["statuses"]["in_place"] == 1
    assert len(status["sections"]) == 7
    human = team.ok("status")
    assert "All sections" in human and "In Place" in human

    verified = team("journal", "verify")
    assert verified.returncode == 0
    assert "journal intact: 6 entries" in verified.stdout


def test_section_listing(team: Cli) -> None:
    section = team.json("item", "list", "--section", "2")
    assert section and all(i["section"] == 2 for i in section)


def test_denials_exit_non_zero_with_the_reason_and_are_journaled(team: Cli, tmp_path: Path) -> None:
    _denied(
        team("--as", "Dev", "item", "set", KEY, "--status", "in-place"),
        "a developer may not set an item's status",
    )
    _denied(
        team("--as", "Ann", "item", "set", KEY, "--rationale", "mine"), "an auditor may not draft"
    )
    note = tmp_path / "n.txt"
    note.write_text("n")
    _denied(team("--as", "Ann", "evidence", "attach", str(note)), "may not attach")
    _denied(team("--as", "Dev", "signoff", "--statement", "ok"), "may not sign off")
    _denied(
        team("--as", "Dev", "member", "add", "Eve", "--role", "officer"), "may not manage members"
    )
    team.ok("--as", "Ann", "comment", "add", KEY, "Where is the seccomp profile?")
    entries = team.json("journal", "show", "--limit", "100")
    assert sum(1 for e in entries if e["action"] == "denied") == 5
    assert team("journal", "verify").returncode == 0


def test_signed_off_audit_is_frozen_for_developers(team: Cli) -> None:
    team.ok("signoff", "--statement", "Complete and accurate")
    _denied(team("--as", "Dev", "item", "set", KEY, "--rationale", "late"), "signed off")
    team.ok("--as", "Ann", "signoff", "--statement", "Reviewed")


def test_acting_member_from_the_environment(team: Cli) -> None:
    done = team("item", "set", KEY, "--status", "in-place", env={"AUDITAPP_MEMBER": "Dev"})
    _denied(done, "developer")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["item", "set", "profile.no_such_item", "--rationale", "x"], "no checklist item"),
        (["item", "set", KEY], "nothing to set"),
        (["item", "set", KEY, "--due", "31/12/2026"], "is not a date"),
        (["evidence", "attach", "/nonexistent/file.pdf"], "no such file"),
        (["--as", "Nobody", "item", "set", KEY, "--rationale", "x"], "not a member"),
        (["--audit", "Nope", "status"], "no audit named 'Nope'"),
    ],
)
def test_user_errors_are_one_clear_line(team: Cli, args: list[str], message: str) -> None:
    done = team(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert team("journal", "verify").returncode == 0


def test_a_bad_status_value(team: Cli) -> None:
    done = team("item", "set", KEY, "--status", "done")
    assert done.returncode == 2
    assert "invalid choice: 'done'" in done.stderr


def test_oversized_attachment(team: Cli, tmp_path: Path) -> None:
    big = tmp_path / "big.tar"
    big.write_bytes(b"\0" * (2 * 1024 * 1024))
    done = team("evidence", "attach", str(big), env={"AUDITAPP_EVIDENCE_CAP_MB": "1"})
    assert done.returncode == 2
    assert "over the evidence size cap of 1.0 MB" in done.stderr
    assert team.json("evidence", "list") == []


def test_no_audit_yet(cli: Cli) -> None:
    done = cli("status")
    assert done.returncode == 2
    assert "no audit is open" in done.stderr


def test_bad_database_url(tmp_path: Path) -> None:
    cli = Cli("postgresql://[::1", tmp_path)
    done = cli("audit", "list")
    assert done.returncode == 2
    assert "not a valid database URL" in done.stderr


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7 not a database")
    done = Cli(str(path), tmp_path)("audit", "list")
    assert done.returncode == 2
    assert f"{path} is not an SQLite database" in done.stderr
    assert path.read_bytes() == b"%PDF-1.7 not a database"


def test_failed_commands_change_nothing_in_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    cli = Cli(f"sqlite:///{path}", tmp_path)
    cli.ok("audit", "new", "A")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("member", "add", "Dev", "--role", "developer", "--as", "Olga")
    before = cli.json("journal", "show", "--limit", "100")
    assert cli("item", "set", "profile.unknown", "--rationale", "x").returncode == 2
    assert cli("--as", "Dev", "item", "set", item_keys()[0], "--status", "in-place").returncode == 2
    after = cli.json("journal", "show", "--limit", "100")
    assert len(after) == len(before) + 1 and after[0]["action"] == "denied"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert cli("journal", "verify").returncode == 0


def test_journal_verify_exits_1_when_tampered(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    cli = Cli(f"sqlite:///{path}", tmp_path)
    cli.ok("audit", "new", "T")
    cli.ok("member", "add", "Olga", "--role", "officer")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE journal SET target = 'Mallory' WHERE seq = 2")
    done = cli("journal", "verify")
    assert done.returncode == 1
    assert "journal BROKEN at entry #2" in done.stderr


def test_components_from_the_command_line(team: Cli) -> None:
    team.ok(
        "--as",
        "Dev",
        "component",
        "add",
        "api",
        "--image",
        "shop/api:1.4",
        "--internet-facing",
        "--data",
        "cardholder-data",
    )
    team.ok("component", "set", "api", "--cde", "--no-internet-facing")
    (api,) = team.json("components")
    assert (api["internet_facing"], api["in_cde"], api["data_classes"]) == (
        False,
        True,
        ["cardholder-data"],
    )
    _denied(team("--as", "Ann", "component", "add", "db"), "may not manage components")


def test_more_denials_through_the_cli(team: Cli, tmp_path: Path) -> None:
    _denied(team("--as", "Ann", "item", "set", KEY, "--status", "in-place"), "auditor may not set")
    team.ok("signoff", "--statement", "ready")
    note = tmp_path / "late.txt"
    note.write_text("late")
    _denied(team("--as", "Dev", "evidence", "attach", str(note)), "signed off")
    assert "data matches the journal" in team.ok("journal", "verify")


def test_data_changed_beside_auditapp_fails_verify(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    cli = Cli(f"sqlite:///{path}", tmp_path)
    cli.ok("audit", "new", "V")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("member", "add", "Ann", "--role", "auditor", "--as", "Olga")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE member SET role = 'officer' WHERE name = 'Ann'")
    done = cli("journal", "verify")
    assert done.returncode == 1
    assert "journal and data DISAGREE: member 'Ann' has role 'officer'" in done.stderr


def test_a_negative_limit_is_refused(team: Cli) -> None:
    done = team("journal", "show", "--limit", "-1")
    assert done.returncode == 2 and "must be 1 or more" in done.stderr


def test_a_broken_pipe_is_not_an_error(team: Cli) -> None:
    """`auditapp item list | head`: the reader leaves before we write; we exit quietly."""
    child = subprocess.Popen(
        [sys.executable, "-m", "auditapp", "item", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **team.env},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # before the child has printed anything
    errors = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert errors == ""


def test_vulnerability_commands(team: Cli, tmp_path: Path) -> None:
    from tests.vulns.osv_records import PYPI_ZIP

    assert "2661 records: 2661 added" in team.ok("vulndb", "import", str(PYPI_ZIP))
    status = team.json("vulndb", "status")
    assert [(s["ecosystem"], s["records"], s["stale"]) for s in status] == [("PyPI", 2661, True)]
    done = team("vulns")
    assert done.returncode == 0
    assert "0 vulnerabilities" in done.stdout
    assert "warning: PyPI data is" in done.stderr
    # nothing inventoried yet: nothing to ask, so no request is made at all
    assert "0 advisories from http://127.0.0.1:1" in team.ok(
        "vulndb", "update", "--base-url", "http://127.0.0.1:1"
    )
    bad = team("vulndb", "import", str(tmp_path / "nothing.zip"))
    assert bad.returncode == 2 and "nothing.zip" in bad.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ([], {"db": None, "audit": None, "member": None, "command": None}),
        (["gui"], {"db": None, "audit": None, "member": None, "command": "gui"}),
        (
            ["--db", "a.sqlite3", "gui", "--audit", "Shop", "--as", "Olga"],
            {"db": "a.sqlite3", "audit": "Shop", "member": "Olga", "command": "gui"},
        ),
        (["--audit=gui"], {"db": None, "audit": "gui", "member": None, "command": None}),
    ],
)
def test_a_line_that_opens_the_window_is_read_without_the_full_parser(
    line: list[str], expected: dict[str, object]
) -> None:
    from auditapp.cli import _window_line
    from auditapp.cli.parser import build_parser

    quick = _window_line(line)
    assert quick is not None and vars(quick) == expected
    full = vars(build_parser().parse_args(line))
    assert {name: full.get(name) for name in expected} == expected  # the same reading


@pytest.mark.parametrize(
    "line",
    [
        ["audit", "list"],
        ["--help"],
        ["gui", "-h"],
        ["--version"],
        ["--au", "Shop", "gui"],  # an abbreviation: the full parser decides what it means
        ["gui", "extra"],
        ["--db"],
        ["status", "gui"],
        ["--"],
        ["--", "gui"],
        ["gui", "--"],
    ],
)
def test_any_other_line_goes_to_the_full_parser(line: list[str]) -> None:
    from auditapp.cli import _window_line

    assert _window_line(line) is None


def test_the_collector_runs_again_after_a_command(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`main` pauses the cyclic collector while it imports; every way out resumes it."""
    import gc

    assert gc.isenabled()
    cli.ok("audit", "new", "Shop 2026")
    assert gc.isenabled()
    assert cli("audit", "open", "no such audit").returncode != 0
    assert gc.isenabled()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    done = cli("gui")
    assert done.returncode == 2 and "no display" in done.stderr
    assert gc.isenabled()


def test_every_command_the_parser_knows_has_a_function_that_runs_it() -> None:
    import argparse
    from collections.abc import Callable

    from auditapp.cli import handlers
    from auditapp.cli.parser import build_parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    known: set[tuple[str, str | None]] = set()
    for name, command in commands(build_parser()).items():
        subcommands = commands(command)
        known |= {(name, sub) for sub in subcommands} if subcommands else {(name, None)}
    assert known - {("gui", None)} == handlers.commands()
    for command in sorted(known - {("gui", None)}, key=str):
        found: Callable[..., int] | None = handlers.handler(command) or handlers.standalone(command)
        assert callable(found), command
    assert handlers.handler(("no-such-command", None)) is None


def test_a_command_whose_module_cannot_be_imported_is_one_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditapp.cli import handlers

    monkeypatch.setitem(handlers._HANDLERS, ("status", None), "no_such_module:status")
    monkeypatch.delenv("AUDITAPP_DEBUG", raising=False)
    done = cli("status")
    assert done.returncode == 3
    assert done.stderr.startswith("auditapp: internal error: ModuleNotFoundError: ")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_everyday_commands_do_not_import_the_monitoring() -> None:
    """`audit`, `item`, `status` ... live in cli/commands.py; importing it must not pull in the
    monitoring's sources of news (about a fifth of a second at every start)."""
    code = (
        "import sys, auditapp.cli.commands, auditapp.cli.commands_inventory\n"
        "print(sorted(m for m in sys.modules if m.startswith('auditapp.services.monitor')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
