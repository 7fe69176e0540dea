"""Security templates as people use them: officers define them from files, templates are
assigned to components, listed and shown, on SQLite and PostgreSQL, through the services and
the command line; hostile template files are refused with one clear line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditapp.analysis import seccomp_rules, template_rules
from auditapp.resources import resource_path
from auditapp.services import components, journal
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.components import ComponentEdit
from auditapp.services.deployment import load_deployment
from auditapp.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from auditapp.services.evidence import attach_file
from auditapp.services.findings import list_findings
from auditapp.services.gather import CollectRequest
from auditapp.services.templates import (
    assign_template,
    define_template,
    list_templates,
    show_template,
)
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import AUDITOR, DEVELOPER, OFFICER
from tests.test_cli import Cli

SHIPPED = resource_path("templates", "pci-hardened.toml")
COMPOSE = """
services:
  api:
    image: shop/api:1.4
    user: "10001"
    read_only: true
    cap_drop: [ALL]
    cap_add: [NET_ADMIN]
    security_opt: ["no-new-privileges:true", "seccomp=./profiles/api.json"]
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
  worker:
    image: shop/worker:1.4
    user: "10001"
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
"""


def journal_actions(ws: Workspace) -> list[str]:
    return [e.action for e in journal.recent_entries(ws, OFFICER, limit=200)]


@pytest.fixture
def shop(team_ws: Workspace) -> Workspace:
    components.add_component(team_ws, DEVELOPER, "api", ComponentEdit(image_ref="shop/api:1.4"))
    components.add_component(team_ws, DEVELOPER, "db", ComponentEdit())
    return team_ws


def test_officer_defines_assigns_lists_and_shows(shop: Workspace, tmp_path: Path) -> None:
    defined = define_template(shop, OFFICER, "pci-hardened", SHIPPED)
    assert (defined.version, defined.components, defined.updated_by) == (1, (), "Olga Officer")
    assert defined.source.startswith(f"{SHIPPED.resolve()} sha256:")
    assert defined.body["user"] == {"non_root": True}
    assert defined.body["limits"]["memory_max"] == 1024**3  # canonical: bytes
    assert "PCI DSS hardened" in defined.description

    assigned = assign_template(shop, DEVELOPER, "pci-hardened", "api")
    assert assigned.components == ("api",)
    loose = tmp_path / "loose.json"
    loose.write_text(json.dumps({"description": "batch jobs", "privileged": False}))
    define_template(shop, OFFICER, "loose", loose)
    assign_template(shop, OFFICER, "loose", "db")
    assert [(t.name, t.components) for t in list_templates(shop, AUDITOR)] == [
        ("loose", ("db",)),
        ("pci-hardened", ("api",)),
    ]
    shown = show_template(shop, AUDITOR, "loose")
    assert shown.body == {
        "description": "batch jobs",
        "host_namespaces_allowed": [],
        "privileged": False,
    }
    assert journal_actions(shop)[:4] == [
        "template.assign",
        "template.define",
        "template.assign",
        "template.define",
    ]
    assert journal.verify_journal(shop, Caller()).intact


def test_redefining_replaces_the_body_and_bumps_the_version(
    shop: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("privileged: false\nread_only_rootfs: true\n")
    first = define_template(shop, OFFICER, "t", path)
    assign_template(shop, OFFICER, "t", "api")
    same = define_template(shop, OFFICER, "t", path)
    assert same.version == first.version == 1  # the same file again changes nothing
    path.write_text("privileged: false\nlimits:\n  pids_max: 64\n")
    second = define_template(shop, OFFICER, "t", path)
    assert second.version == 2 and second.components == ("api",)
    assert "read_only_rootfs" not in second.body and second.body["limits"] == {"pids_max": 64}
    assert second.source != first.source  # a new SHA-256
    defines = [a for a in journal_actions(shop) if a == "template.define"]
    assert len(defines) == 2


def test_who_may_define_and_assign(shop: Workspace) -> None:
    for caller, role in ((DEVELOPER, "developer"), (AUDITOR, "auditor")):
        with pytest.raises(PermissionDeniedError, match=f"{role} may not define security"):
            define_template(shop, caller, "pci", SHIPPED)
    define_template(shop, OFFICER, "pci", SHIPPED)
    with pytest.raises(PermissionDeniedError, match="auditor may not assign"):
        assign_template(shop, AUDITOR, "pci", "api")
    assert journal_actions(shop).count("denied") == 3
    assert list_templates(shop, AUDITOR)[0].components == ()


def test_assigning_needs_both_to_exist(shop: Workspace) -> None:
    with pytest.raises(NotFoundError, match="no template named 'pci'"):
        assign_template(shop, OFFICER, "pci", "api")
    define_template(shop, OFFICER, "pci", SHIPPED)
    with pytest.raises(NotFoundError, match="no component named 'cache'"):
        assign_template(shop, OFFICER, "pci", "cache")
    with pytest.raises(NotFoundError, match="no template named 'nope'"):
        show_template(shop, AUDITOR, "nope")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("big.toml", b"# " + b"x" * (1024 * 1024), "larger than 1 MB"),
        ("latin1.toml", 'description = "caf\xe9"'.encode("latin-1"), "not UTF-8 text"),
        ("t.ini", b"[x]", "unknown format; name it .toml, .json, .yaml or .yml"),
        ("t.toml", b"privileged = ", "not valid TOML"),
        ("t.json", b'{"limits": {"cpus_max": NaN}}', "not valid JSON: NaN is not a number"),
        ("t.json", b"[" * 50_000 + b"]" * 50_000, "not valid JSON"),
        ("t.json", b"[]", "expected a table of keys at the top"),
        ("t.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "aliases (*name) are not"),
        ("t.yml", b"- privileged\n", "expected a table of keys at the top"),
        ("t.yaml", b"privileged: [unclosed\n", "not valid YAML"),
        (
            "t.yaml",
            b'privileged: "no"\n',
            "privileged: expected true or false, found the string 'no'",
        ),
        ("t.toml", b'seccomp = "off"', "seccomp: 'off' is not one of default, custom, any"),
        ("t.toml", b"[user]\nroot = false", "user.root: unknown key"),
        ("t.json", b"\xef\xbb\xbf{}", ""),  # a byte-order mark is fine
    ],
)
def test_hostile_template_files(
    shop: Workspace, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    if not problem:
        define_template(shop, OFFICER, "ok", path)
        return
    with pytest.raises(InvalidInputError) as caught:
        define_template(shop, OFFICER, "t", path)
    assert str(caught.value).startswith(f"template file {path}: ")
    assert problem in str(caught.value)
    assert list_templates(shop, OFFICER) == []


def test_files_that_are_not_files(shop: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        define_template(shop, OFFICER, "t", tmp_path / "missing.toml")
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(InvalidInputError, match="folder"):
        define_template(shop, OFFICER, "t", folder)
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        define_template(shop, OFFICER, "t", fifo)


@pytest.mark.parametrize("name", ["", "has space", "-dash", "x" * 101, "tab\tname", "ünï"])
def test_template_names(shop: Workspace, name: str) -> None:
    with pytest.raises(InvalidInputError, match="template name"):
        define_template(shop, OFFICER, name, SHIPPED)


def test_templates_reach_the_rules_and_survive_recollection_and_reruns(
    team_ws: Workspace, tmp_path: Path
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(COMPOSE)
    collect(team_ws, DEVELOPER, CollectRequest(compose=(compose,)))
    define_template(team_ws, OFFICER, "pci", SHIPPED)
    assign_template(team_ws, DEVELOPER, "pci", "api")
    profile = tmp_path / "api.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}))
    attach_file(team_ws, DEVELOPER, profile)

    for _ in range(2):  # collecting again and analysing again keep the template in place
        collect(team_ws, DEVELOPER, CollectRequest(compose=(compose,)))
        analyse(team_ws, DEVELOPER)
        d = load_deployment(team_ws, AUDITOR, with_vulns=False)
        assert {c.name: c.template for c in d.components} == {"api": "pci", "worker": ""}
        hits = {r.id: r.run(d) for r in (*template_rules.RULES, *seccomp_rules.RULES)}
        found = [(h.subject, h.detail["key"], h.detail["item"]) for h in hits["template.deviation"]]
        assert found == [("api", "capabilities_allowed", "NET_ADMIN"), ("api", "seccomp", "")]
        assert [h.component for h in hits["template.unassigned"]] == ["worker"]
        assert hits["template.missing"] == []
        [custom] = hits["seccomp.custom-profile"]
        assert custom.detail["allows_unlisted"] and custom.severity == "high"
        stored = list_findings(team_ws, AUDITOR, rule="template.deviation")
        # each finding names the CIS recommendation its deviation breaks, not all 19
        assert sorted((f.location.split()[-1], f.cis) for f in stored) == [
            ("NET_ADMIN", ("5.4",)),
            ("seccomp", ("5.22",)),
        ]
    [view] = list_templates(team_ws, AUDITOR)
    assert (view.version, view.components) == (1, ("api",))


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def team(db_url: str, tmp_path: Path) -> Cli:
    cli = Cli(db_url, tmp_path)
    cli.ok("audit", "new", "Shop 2026", "--entity", "Example Payments Ltd")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("--as", "Olga", "member", "add", "Dev", "--role", "developer")
    cli.ok("--as", "Olga", "member", "add", "Ann", "--role", "auditor")
    cli.ok("--as", "Dev", "component", "add", "api")
    return cli


def test_template_commands(team: Cli, tmp_path: Path) -> None:
    out = team.ok("--as", "Olga", "template", "define", "pci", "--from", str(SHIPPED))
    assert out.startswith("template pci (version 1) from ") and "sha256:" in out
    assert team.ok("--as", "Dev", "template", "assign", "pci", "api") == (
        "component api now follows template pci\n"
    )
    listing = team.ok("--as", "Ann", "template", "list")
    assert listing.splitlines()[0].split() == [
        "NAME",
        "VERSION",
        "COMPONENTS",
        "DESCRIPTION",
        "UPDATED",
        "BY",
    ]
    assert listing.splitlines()[1].startswith("pci   1        api")
    [listed] = team.json("--as", "Ann", "template", "list")
    assert listed["name"] == "pci" and listed["components"] == ["api"]
    shown = team.ok("--as", "Ann", "template", "show", "pci")
    assert "assigned to: api" in shown and '  seccomp = "default"' in shown
    assert team.json("--as", "Ann", "template", "show", "pci")["body"]["privileged"] is False


def test_template_commands_refuse_with_one_line(team: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("privileged = 1\n")
    cases = [
        (
            ("--as", "Dev", "template", "define", "pci", "--from", str(SHIPPED)),
            "developer may not define",
        ),
        (
            ("--as", "Ann", "template", "define", "pci", "--from", str(SHIPPED)),
            "auditor may not define",
        ),
        (
            ("--as", "Olga", "template", "define", "pci", "--from", str(bad)),
            f"template file {bad}: privileged: expected true or false",
        ),
        (("--as", "Olga", "template", "assign", "pci", "api"), "no template named 'pci'"),
        (("--as", "Ann", "template", "show", "pci"), "no template named 'pci'"),
    ]
    for args, message in cases:
        done = team(*args)
        assert done.returncode == 2, done
        assert message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert "no templates yet" in team.ok("template", "list")
