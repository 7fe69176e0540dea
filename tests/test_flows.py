"""Declared flows: who may declare them, validation, the journal, and `flows` against a
collected compose file — as a service and on the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditapp.services import components, flows, journal
from auditapp.services.components import ComponentEdit
from auditapp.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from auditapp.services.flows import FlowInput
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import AUDITOR, DEVELOPER, OFFICER
from tests.test_cli import Cli

HTTPS_IN = FlowInput(
    "internet", "proxy", 443, "TCP", ("cardholder-data",), True, False, "customers pay"
)


@pytest.fixture
def shop(team_ws: Workspace) -> Workspace:
    for name in ("proxy", "api", "db"):
        components.add_component(team_ws, OFFICER, name, ComponentEdit())
    return team_ws


def test_developer_declares_lists_and_removes(shop: Workspace) -> None:
    added = flows.add_flow(shop, DEVELOPER, HTTPS_IN)
    assert (added.source, added.destination, added.port, added.protocol) == (
        "zone:internet",
        "proxy",
        443,
        "tcp",
    )
    assert (added.data_classes, added.encrypted, added.authenticated) == (
        ("cardholder-data",),
        True,
        False,
    )
    assert added.created_by == "Dev Developer"
    second = flows.add_flow(shop, OFFICER, FlowInput("api", "zone:payment-processor", 443, "https"))
    assert [(f.id, f.source) for f in flows.list_flows(shop, AUDITOR)] == [
        (added.id, "zone:internet"),
        (second.id, "api"),
    ]
    removed = flows.remove_flow(shop, DEVELOPER, added.id)
    assert removed.id == added.id
    assert [f.id for f in flows.list_flows(shop, AUDITOR)] == [second.id]
    entries = journal.recent_entries(shop, Caller(), limit=3)
    assert [(e.action, e.target) for e in entries] == [
        ("flow.remove", f"flow {added.id}"),
        ("flow.add", f"flow {second.id}"),
        ("flow.add", f"flow {added.id}"),
    ]
    assert json.loads(entries[2].summary)["source"] == "zone:internet"
    assert journal.verify_journal(shop, Caller()).intact


def test_auditors_may_not_declare_or_remove(shop: Workspace) -> None:
    kept = flows.add_flow(shop, OFFICER, HTTPS_IN)
    with pytest.raises(PermissionDeniedError, match="auditor may not declare data flows"):
        flows.add_flow(shop, AUDITOR, FlowInput("api", "db", 5432, "tcp"))
    with pytest.raises(PermissionDeniedError, match="auditor may not declare data flows"):
        flows.remove_flow(shop, AUDITOR, kept.id)
    assert [f.id for f in flows.list_flows(shop, AUDITOR)] == [kept.id]
    denied = journal.recent_entries(shop, Caller(), limit=2)
    assert [e.action for e in denied] == ["denied", "denied"]


REFUSED = [
    (
        FlowInput("internett", "dbx", 1, "tcp"),
        "unknown flow end 'internett' and 'dbx': name a component (api, db, proxy) "
        "or a zone (internet, end-users, admin-network, payment-processor, other)",
    ),
    (FlowInput("zone:internet", "admin-network", 22, "tcp"), "both ends are zones"),
    (FlowInput("api", "api", 22, "tcp"), "two different ends"),
    (FlowInput("api", "db", 0, "tcp"), "port 0 is not between 1 and 65535"),
    (FlowInput("api", "db", 65536, "tcp"), "port 65536 is not between 1 and 65535"),
    (FlowInput("api", "db", 5432, "  "), "the protocol cannot be empty"),
    (FlowInput("api", "db", 5432, "a b"), "must be one word"),
    (FlowInput("api", "db", 5432, "tcp", ("pan",)), "unknown data class 'pan'"),
    (FlowInput("api", "db", 5432, "tcp", ("none", "credentials")), "'none' cannot be"),
    (FlowInput("api", "db", 5432, "tcp", justification="x" * 2001), "longer than 2000"),
    (FlowInput("api", "", 5432, "tcp"), "destination cannot be empty"),
]


def test_bad_flows_are_refused_with_one_clear_error(shop: Workspace) -> None:
    for given, message in REFUSED:
        with pytest.raises(InvalidInputError) as refused:
            flows.add_flow(shop, DEVELOPER, given)
        assert message in str(refused.value), given
    assert flows.list_flows(shop, AUDITOR) == []


def test_duplicates_unknown_ids_and_a_component_named_like_a_zone(shop: Workspace) -> None:
    first = flows.add_flow(shop, DEVELOPER, HTTPS_IN)
    with pytest.raises(InvalidInputError, match=f"already declared as flow {first.id}"):
        flows.add_flow(shop, DEVELOPER, FlowInput("zone:internet", "proxy", 443, "tcp"))
    with pytest.raises(NotFoundError, match="no flow 9999"):
        flows.remove_flow(shop, DEVELOPER, 9999)
    components.add_component(shop, OFFICER, "other", ComponentEdit())
    to_component = flows.add_flow(shop, DEVELOPER, FlowInput("api", "other", 80, "tcp"))
    to_zone = flows.add_flow(shop, DEVELOPER, FlowInput("api", "zone:other", 80, "tcp"))
    assert (to_component.destination, to_zone.destination) == ("other", "zone:other")


# --- the command line, against a collected compose file ---------------------------------------

COMPOSE = """\
services:
  proxy:
    image: nginx:1.27
    ports: ["443:443", "8081:8081"]
    networks: [front]
  api:
    image: shop/api:1.4
    expose: ["8080"]
    networks: [front, back]
  db:
    image: postgres:16
    expose: ["5432"]
    ports: ["127.0.0.1:5433:5432"]
    networks: [back]
  worker:
    image: shop/worker:1.4
    networks: [back]
networks:
  front: {}
  back:
    internal: true
"""


@pytest.fixture
def team(db_url: str, tmp_path: Path) -> Cli:
    cli = Cli(db_url, tmp_path)
    cli.ok("audit", "new", "Shop 2026")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("--as", "Olga", "member", "add", "Dev", "--role", "developer")
    cli.ok("--as", "Olga", "member", "add", "Ann", "--role", "auditor")
    return cli


def test_flow_commands_and_role_refusal(team: Cli, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    team.ok("collect", "--compose", str(tmp_path / "compose.yaml"))
    out = team.ok(
        "--as", "Dev", "flow", "add", "internet", "proxy", "--port", "443", "--protocol", "tcp",
        "--data", "cardholder-data", "--encrypted", "--why", "customers pay",
    )  # fmt: skip
    assert out == "declared flow 1: zone:internet -> proxy 443/tcp\n"
    denied = team("--as", "Ann", "flow", "add", "api", "db", "--port", "5432", "--protocol", "tcp")
    assert denied.returncode == 2 and "auditor may not declare data flows" in denied.stderr
    unknown = team("flow", "add", "api", "dbx", "--port", "5432", "--protocol", "tcp")
    assert unknown.returncode == 2
    assert "unknown flow end 'dbx': name a component (api, db, proxy, worker)" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    bad = team("flow", "add", "api", "db", "--port", "5432", "--protocol", "tcp", "--data", "pan")
    assert bad.returncode == 2 and "unknown data class 'pan'" in bad.stderr
    assert team.ok("flow", "remove", "1") == "removed flow 1: zone:internet -> proxy 443/tcp\n"
    gone = team("flow", "remove", "1")
    assert gone.returncode == 2 and "no flow 1" in gone.stderr
    assert "none yet: declare one" in team.ok("--as", "Ann", "flows")


def test_flows_reports_the_drift_of_a_collected_compose_file(team: Cli, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    team.ok("collect", "--compose", str(tmp_path / "compose.yaml"))
    declare = [
        ("internet", "proxy", "443", "tcp", "--encrypted"),
        ("proxy", "api", "8080", "http", "--encrypted"),
        ("api", "db", "5432", "postgres", "--authenticated"),
        ("worker", "zone:payment-processor", "443", "https", "--encrypted"),
        ("zone:admin-network", "db", "5433", "tcp", "--encrypted"),
    ]
    for src, dst, port, protocol, flag in declare:
        team.ok("flow", "add", src, dst, "--port", port, "--protocol", protocol, flag)
    report = team.json("--as", "Ann", "flows")
    assert [(f["id"], f["source"], f["carried"]) for f in report["flows"]] == [
        (1, "zone:internet", True),
        (2, "proxy", True),
        (3, "api", True),
        (4, "worker", False),
        (5, "zone:admin-network", False),
    ]
    drift = report["drift"]
    assert [(e["component"], e["port"], e["reach"]) for e in drift["unjustified_exposure"]] == [
        ("proxy", 8081, "all-interfaces")
    ]
    assert [s["components"] for s in drift["undeclared_sharing"]] == [
        ["api", "worker"],
        ["db", "worker"],
    ]
    assert [(f["id"], f["reason"]) for f in drift["not_carried"]] == [
        (
            4,
            "worker is only on internal networks or none, so it cannot reach payment-processor",
        ),
        (
            5,
            "db publishes port 5433 where admin-network cannot reach it (service db: 5432/tcp "
            "published on loopback 127.0.0.1 (host port 5433), but only on internal networks, "
            "so Docker does not publish it)",
        ),
    ]
    published = [
        (e["component"], e["port"], e["reach"]) for e in report["exposures"] if e["off_host"]
    ]
    assert published == [("proxy", 443, "all-interfaces"), ("proxy", 8081, "all-interfaces")]
    text = team.ok("flows")
    assert "  - service proxy: 8081/tcp published on every interface (host port 8081)" in text
    assert "  - api and worker share network back with no flow declared between them" in text
    assert "  - flow 4 worker -> zone:payment-processor 443/https: worker is only" in text
