"""Blast radius over stored evidence: a collected compose file, components marked by people,
the service, the rule, and the `blast-radius` command, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.analysis.blast import RULES
from auditapp.services import components
from auditapp.services.blast import blast_radius
from auditapp.services.collect import collect
from auditapp.services.components import ComponentEdit
from auditapp.services.deployment import load_deployment
from auditapp.services.errors import NotFoundError
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Workspace
from tests.conftest import AUDITOR, DEVELOPER
from tests.test_cli import Cli

SHOP = """
services:
  proxy:
    image: nginx:1.27
    user: "101"
    ports: ["443:8443"]
    networks: [front]
  api:
    image: shop/api:1.4
    user: "10001"
    expose: ["8080"]
    networks: [front, back]
  db:
    image: postgres:16
    user: postgres
    expose: ["5432"]
    networks: [back]
  worker:
    image: shop/worker:1.4
    user: "10001"
    networks: [back]
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
networks:
  front: {}
  back:
    internal: true
"""


def _compose(folder: Path) -> Path:
    path = folder / "compose.yaml"
    path.write_text(SHOP)
    return path


@pytest.fixture
def shop(team_ws: Workspace, tmp_path: Path) -> Workspace:
    collect(team_ws, DEVELOPER, CollectRequest(compose=(_compose(tmp_path),)))
    for name, edit in (
        ("proxy", ComponentEdit(internet_facing=True)),
        ("db", ComponentEdit(in_cde=True, data_classes=("cardholder-data",))),
    ):
        components.update_component(team_ws, DEVELOPER, name, edit)
    return team_ws


def test_the_proxy_reaches_the_database_through_the_api(shop: Workspace) -> None:
    radius = blast_radius(shop, AUDITOR)
    (head,) = radius.beachheads
    assert head.component == "proxy" and head.internet_facing
    # the worker declares no port: whatever it listens on is open to the api on "back"
    assert [(r.node, r.steps) for r in head.reachable] == [("api", 1), ("db", 2), ("worker", 2)]
    (target,) = head.targets
    assert target.component == "db"
    assert target.best.nodes == ("proxy", "api", "db")
    assert [(s.kind, s.port) for s in target.best.steps] == [
        ("shared-network", 8080),
        ("shared-network", 5432),
    ]
    assert target.paths[1].nodes == ("proxy", "api", "worker", "db")
    assert [(s.kind, s.port) for s in target.paths[1].steps] == [
        ("shared-network", 8080),
        ("shared-network", None),
        ("docker.sock", None),
    ]
    assert any(a.startswith("no component has a host recorded") for a in radius.assumptions)


def test_the_worker_controls_everything_through_docker_sock(shop: Workspace) -> None:
    (head,) = blast_radius(shop, AUDITOR, "worker").beachheads
    (target,) = head.targets
    assert target.best.nodes == ("worker", "db")
    assert (target.best.steps[0].kind, target.best.severity) == ("docker.sock", "critical")
    assert [w.text for w in target.best.weaknesses] == ["mounts docker.sock"]
    assert [h.node for h in head.hosts] == ["host:(unrecorded)"]


def test_unknown_component_names_the_known_ones(shop: Workspace) -> None:
    with pytest.raises(NotFoundError, match=r"the components are: api, db, proxy, worker"):
        blast_radius(shop, AUDITOR, "nope")


def test_the_rule_over_stored_evidence(shop: Workspace) -> None:
    components.update_component(shop, DEVELOPER, "worker", ComponentEdit(host="h1"))
    components.update_component(shop, DEVELOPER, "db", ComponentEdit(host="h1"))
    hits = RULES[0].run(load_deployment(shop, AUDITOR))
    # as severe as the worst way in: the api reaches the worker, whose docker.sock holds db
    assert [(h.component, h.location, h.severity) for h in hits] == [
        ("db", "path proxy → db", "high")
    ]
    assert hits[0].evidence_id is not None
    assert "2 steps from internet-facing proxy" in hits[0].title
    assert hits[0].detail["summary"] == (
        "proxy → api → worker → db (3 steps) via shared network front:8080, shared network back, "
        "docker.sock"
    )


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    cli = Cli(db_url, tmp_path)
    cli.ok("audit", "new", "Shop 2026")
    cli.ok("member", "add", "Olga", "--role", "officer")
    return cli


def test_blast_radius_command(cli: Cli, tmp_path: Path) -> None:
    cli.ok("collect", "--compose", str(_compose(tmp_path)))
    cli.ok("component", "set", "proxy", "--internet-facing")
    cli.ok("component", "set", "db", "--data", "cardholder-data", "--host", "h1")
    radius = cli.json("blast-radius")
    (head,) = radius["beachheads"]
    (target,) = head["targets"]
    best = target["paths"][0]
    assert (head["component"], target["component"], best["nodes"]) == (
        "proxy",
        "db",
        ["proxy", "api", "db"],
    )
    assert [s["via"] for s in best["steps"]] == [
        "shared network front:8080",
        "shared network back:5432",
    ]

    text = cli.ok("blast-radius")
    assert "from proxy (internet-facing), within 6 steps:" in text
    assert (
        "proxy → api → db (2 steps) via shared network front:8080, shared network back:5432; "
        "weaknesses: none"
    ) in text
    assert "assumptions:\n  - api, proxy, worker have no host recorded" in text

    worker = cli.ok("blast-radius", "worker")
    # db is on h1 and the worker on the unrecorded host: its docker.sock does not reach db
    assert "worker → db (1 step) via shared network back:5432; weaknesses: worker: mounts" in worker

    unknown = cli("blast-radius", "nope")
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    assert "no component named 'nope'; the components are: api, db, proxy, worker" in (
        unknown.stderr
    )
