"""The threat model's use cases and commands on real SQLite and PostgreSQL databases: actors,
generated threats kept across refreshes, threats people write, roles and validation."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditapp.analysis.model import Deployment
from auditapp.services import components, flows, journal, threats
from auditapp.services.components import ComponentEdit
from auditapp.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from auditapp.services.flows import FlowInput
from auditapp.services.roles import Action
from auditapp.services.threats import ActorEdit, ThreatEdit, ThreatView
from auditapp.services.workspace import Caller, Workspace, perform
from auditapp.store.models import Finding
from tests.analysis.three_tier import three_tier
from tests.conftest import AUDITOR, DEVELOPER, OFFICER
from tests.test_cli import Cli

ESCAPE = "container-platform-escape"
UNENCRYPTED = "unencrypted-communication"


def refresh(ws: Workspace, deployment: Deployment, caller: Caller = DEVELOPER) -> int:
    """What the analysis run does: refresh the threats inside its write transaction."""
    return perform(
        ws,
        caller,
        Action.RUN_ANALYSIS,
        "analyse",
        lambda change: threats.refresh_threats(change, deployment),
    )


def one(found: list[ThreatView], element: str, rule: str, category: str) -> ThreatView:
    (threat,) = [t for t in found if (t.element, t.rule, t.category) == (element, rule, category)]
    return threat


def without_socket(d: Deployment) -> Deployment:
    return dataclasses.replace(
        d,
        workloads=tuple(
            dataclasses.replace(w, mounts=()) if w.name == "worker" else w for w in d.workloads
        ),
    )


def test_actors_come_from_the_catalogue_or_the_team(team_ws: Workspace) -> None:
    added = threats.add_actor(team_ws, DEVELOPER, "organised-crime")
    assert (added.name, added.stix_type, added.from_catalogue) == (
        "Organised crime",
        "crime-syndicate",
        True,
    )
    assert added.motivations == ("personal-gain", "organizational-gain")
    edited = threats.add_actor(
        team_ws, OFFICER, "organised-crime", ActorEdit(description="Carders selling PANs.")
    )
    assert edited.description == "Carders selling PANs." and edited.stix_type == "crime-syndicate"
    with pytest.raises(InvalidInputError, match="already in the threat model"):
        threats.add_actor(team_ws, OFFICER, "organised-crime")
    with pytest.raises(InvalidInputError, match="not in the actor catalogue: give it a --name"):
        threats.add_actor(team_ws, OFFICER, "rival-shop")
    own = threats.add_actor(
        team_ws,
        OFFICER,
        "Rival-Shop",
        ActorEdit(name="Rival shop", motivations=("organizational-gain",), resources="team"),
    )
    assert (own.kind, own.from_catalogue, own.stix_type) == ("rival-shop", False, "")
    with pytest.raises(InvalidInputError, match="unknown STIX motivation 'greed'"):
        threats.add_actor(team_ws, OFFICER, "thief", ActorEdit(name="T", motivations=("greed",)))
    with pytest.raises(InvalidInputError, match="unknown STIX sophistication 'elite'"):
        threats.add_actor(team_ws, OFFICER, "nation-state", ActorEdit(sophistication="elite"))
    with pytest.raises(InvalidInputError, match="lower case letters"):
        threats.add_actor(team_ws, OFFICER, "bad kind!", ActorEdit(name="Bad"))
    assert [a.kind for a in threats.list_actors(team_ws, AUDITOR)] == [
        "organised-crime",
        "rival-shop",
    ]
    threats.remove_actor(team_ws, DEVELOPER, "rival-shop")
    with pytest.raises(NotFoundError, match="not in the threat model"):
        threats.remove_actor(team_ws, DEVELOPER, "rival-shop")
    assert len(threats.catalogue()) == 7
    assert journal.verify_journal(team_ws, Caller()).intact


def test_auditors_may_read_but_not_edit_the_threat_model(team_ws: Workspace) -> None:
    refresh(team_ws, three_tier())
    threat = threats.list_threats(team_ws, AUDITOR)[0]
    for attempt in (
        lambda: threats.add_actor(team_ws, AUDITOR, "hacktivist"),
        lambda: threats.remove_actor(team_ws, AUDITOR, "hacktivist"),
        lambda: threats.add_threat(team_ws, AUDITOR, "api", category="S", title="x"),
        lambda: threats.set_threat(team_ws, AUDITOR, threat.id, ThreatEdit(status="accepted")),
    ):
        with pytest.raises(PermissionDeniedError, match="auditor may not edit the threat model"):
            attempt()
    denied = [e for e in journal.recent_entries(team_ws, Caller()) if e.action == "denied"]
    assert len(denied) == 4


def test_people_keep_their_decisions_across_refreshes(team_ws: Workspace) -> None:
    assert refresh(team_ws, three_tier()) == 43
    found = threats.list_threats(team_ws, AUDITOR)
    assert len(found) == 43 and {t.status for t in found} == {"unchecked"}
    escape = one(found, "worker", ESCAPE, "elevation-of-privilege")
    assert (escape.origin, escape.likelihood, escape.impact) == ("generated", "medium", "high")
    threats.set_threat(
        team_ws,
        DEVELOPER,
        escape.id,
        ThreatEdit(
            status="in discussion",
            likelihood="high",
            mitigation="Move the worker to its own host.",
            actors=("malicious-insider", "malicious-insider"),
            items=("topology.no_docker_socket_mounts",),
        ),
    )
    manual = threats.add_threat(
        team_ws,
        OFFICER,
        "registry",
        category="tampering",
        title="Images replaced in the registry",
        likelihood="low",
        impact="high",
    )
    assert (manual.origin, manual.element_kind, manual.status) == ("manual", "other", "unchecked")

    # the worker moves to a host of its own: the escape no longer reaches cardholder data
    moved = dataclasses.replace(
        three_tier(),
        components=tuple(
            dataclasses.replace(c, host="h2") if c.name == "worker" else c
            for c in three_tier().components
        ),
    )
    assert refresh(team_ws, moved) == 43  # the proxy still shares h1 with the CDE
    kept = threats.get_threat(team_ws, AUDITOR, escape.id)
    assert (kept.status, kept.likelihood, kept.mitigation) == (
        "in-discussion",
        "high",
        "Move the worker to its own host.",
    )
    assert kept.actors == ("malicious-insider",)
    assert kept.items == ("topology.no_docker_socket_mounts",)
    assert kept.impact == "medium"  # not edited: follows the facts
    assert threats.get_threat(team_ws, AUDITOR, manual.id) == manual

    # the socket mount goes: the threat is inactive, hidden by default, its decision kept
    refresh(team_ws, without_socket(moved))
    assert not [t for t in threats.list_threats(team_ws, AUDITOR) if t.rule == ESCAPE]
    inactive = threats.get_threat(team_ws, AUDITOR, escape.id)
    assert not inactive.active and inactive.status == "in-discussion"
    listed = threats.list_threats(team_ws, AUDITOR, include_inactive=True)
    assert escape.id in {t.id for t in listed}

    refresh(team_ws, three_tier())  # planted again: active again, same row, same status
    back = threats.get_threat(team_ws, AUDITOR, escape.id)
    assert back.active and back.status == "in-discussion"
    assert len(threats.list_threats(team_ws, AUDITOR)) == 44  # 43 generated + 1 manual
    assert [t.id for t in threats.list_threats(team_ws, AUDITOR, status="in-discussion")] == [
        escape.id
    ]
    assert journal.verify_journal(team_ws, Caller()).intact


def test_listing_by_element_includes_its_flows(team_ws: Workspace) -> None:
    refresh(team_ws, three_tier())
    db = threats.list_threats(team_ws, AUDITOR, element="db")
    assert {t.element for t in db} == {"db", "api -> db 5432/tcp"}
    assert {t.category for t in db if t.element == "db" and t.rule == "stride-per-element"} == {
        "tampering",
        "information-disclosure",
        "denial-of-service",
    }
    assert threats.list_threats(team_ws, AUDITOR, element="nothing") == []


def test_findings_are_linked_to_the_threats_they_support(team_ws: Workspace) -> None:
    now = datetime.now(UTC)

    def plant(change):  # type: ignore[no-untyped-def]
        row = Finding(
            audit_id=change.audit.id,
            fingerprint="f" * 64,
            rule_id="network.cleartext-cardholder-data",
            severity="high",
            title="Cardholder data on an unencrypted flow",
            component="api",
            first_seen=now,
            last_seen=now,
        )
        change.session.add(row)
        change.session.flush()
        return row.id

    finding_id = perform(team_ws, OFFICER, Action.RUN_ANALYSIS, "plant", plant)
    refresh(team_ws, three_tier())
    found = threats.list_threats(team_ws, AUDITOR)
    leak = one(found, "api -> db 5432/tcp", UNENCRYPTED, "information-disclosure")
    assert leak.findings == (finding_id,)
    assert one(found, "worker", ESCAPE, "elevation-of-privilege").findings == ()


def test_bad_values_are_refused_with_a_reason(team_ws: Workspace) -> None:
    refresh(team_ws, three_tier())
    threat_id = threats.list_threats(team_ws, AUDITOR)[0].id
    cases = [
        (ThreatEdit(status="done"), "unknown threat status 'done'"),
        (ThreatEdit(likelihood="extreme"), "unknown likelihood 'extreme'"),
        (ThreatEdit(actors=("pirates",)), "unknown actor 'pirates'"),
        (ThreatEdit(items=("threats.nope",)), "unknown checklist item 'threats.nope'"),
        (ThreatEdit(mitigation="x\x07"), "control characters"),
        (ThreatEdit(), "nothing to change"),
    ]
    for edit, reason in cases:
        with pytest.raises(InvalidInputError, match=reason):
            threats.set_threat(team_ws, DEVELOPER, threat_id, edit)
    with pytest.raises(NotFoundError, match="no threat #99999"):
        threats.set_threat(team_ws, DEVELOPER, 99999, ThreatEdit(status="accepted"))
    with pytest.raises(InvalidInputError, match="unknown STRIDE category 'Z'"):
        threats.add_threat(team_ws, DEVELOPER, "api", category="Z", title="x")
    with pytest.raises(InvalidInputError, match="the title cannot be empty"):
        threats.add_threat(team_ws, DEVELOPER, "api", category="S", title="  ")
    with pytest.raises(InvalidInputError, match="the element is longer than 300"):
        threats.add_threat(team_ws, DEVELOPER, "x" * 301, category="S", title="x")
    with pytest.raises(InvalidInputError, match="unknown threat status"):
        threats.list_threats(team_ws, AUDITOR, status="open")
    # an actor the team wrote may be named once it is in the model
    threats.add_actor(team_ws, OFFICER, "rival-shop", ActorEdit(name="Rival shop"))
    done = threats.set_threat(team_ws, OFFICER, threat_id, ThreatEdit(actors=("rival-shop",)))
    assert done.actors == ("rival-shop",)


def test_refresh_now_uses_the_stored_components_and_flows(team_ws: Workspace) -> None:
    components.add_component(
        team_ws, OFFICER, "shop", ComponentEdit(internet_facing=True, data_classes=("none",))
    )
    components.add_component(
        team_ws,
        OFFICER,
        "orders-db",
        ComponentEdit(in_cde=True, data_classes=("cardholder-data",)),
    )
    flows.add_flow(
        team_ws, OFFICER, FlowInput("shop", "orders-db", 5432, "tcp", ("cardholder-data",))
    )
    assert threats.refresh_threats_now(team_ws, DEVELOPER) > 0
    found = threats.list_threats(team_ws, AUDITOR)
    kinds = {t.element: t.element_kind for t in found}
    assert kinds == {
        "zone:internet": "external-entity",
        "shop": "process",
        "orders-db": "data-store",
        "shop -> orders-db 5432/tcp": "data-flow",
        "host (unrecorded)": "shared-runtime",
    }
    # no host recorded: sharing one is assumed, as the blast radius and topology rule assume it
    (shared,) = [t for t in found if t.element == "host (unrecorded)"]
    assert shared.title == "Cardholder-data and other components may share a host (none recorded)"
    assert shared.description.startswith("No component has a host recorded: all 2 are treated")
    assert one(found, "shop -> orders-db 5432/tcp", UNENCRYPTED, "tampering").impact == "high"
    with pytest.raises(PermissionDeniedError):
        threats.refresh_threats_now(team_ws, AUDITOR)


# ---- the commands ------------------------------------------------------------------------------


@pytest.fixture
def team(db_url: str, tmp_path: Path) -> Cli:
    cli = Cli(db_url, tmp_path)
    cli.ok("audit", "new", "Shop 2026")
    cli.ok("member", "add", "Olga", "--role", "officer")
    cli.ok("--as", "Olga", "member", "add", "Dev", "--role", "developer")
    cli.ok("--as", "Olga", "member", "add", "Ann", "--role", "auditor")
    cli.ok("component", "add", "web", "--internet-facing")
    cli.ok("component", "add", "vault-db", "--cde", "--data", "cardholder-data,credentials")
    cli.ok(
        "flow",
        "add",
        "web",
        "vault-db",
        "--port",
        "5432",
        "--protocol",
        "tcp",
        "--data",
        "cardholder-data",
    )
    return cli


def test_the_commands_as_a_team_uses_them(team: Cli) -> None:
    catalogue = team.json("actors", "--catalogue")
    assert len(catalogue) == 7 and catalogue[0]["kind"] == "organised-crime"
    assert "no actors in this threat model yet" in team.ok("actors")
    out = team.ok("--as", "Dev", "actor", "add", "negligent-insider")
    assert "added actor negligent-insider (Negligent insider, from the catalogue)" in out
    out = team.ok(
        "actor",
        "add",
        "ex-admin",
        "--name",
        "Former admin",
        "--motivation",
        "revenge",
        "--sophistication",
        "intermediate",
    )
    assert "of your own" in out
    assert [a["kind"] for a in team.json("actors")] == ["negligent-insider", "ex-admin"]
    table = team.ok("actors")
    assert "insider-accidental" in table and "Former admin" in table

    assert "no threats yet" in team.ok("threats")
    team.ok("--as", "Dev", "analyse")
    listed = team.json("threats")
    assert {t["element"] for t in listed} >= {"web", "vault-db", "web -> vault-db 5432/tcp"}
    table = team.ok("threats", "--element", "vault-db")
    assert "vault-db (data-store)" in table and "web (process)" not in table
    assert "unchecked" in table.splitlines()[-1]

    leak = next(t for t in listed if t["rule"] == UNENCRYPTED and t["category"] == "tampering")
    out = team.ok(
        "threat",
        "set",
        str(leak["id"]),
        "--status",
        "in-progress",
        "--impact",
        "high",
        "--actor",
        "ex-admin",
        "--item",
        "network.encryption_in_transit",
    )
    assert f"threat #{leak['id']}" in out and "in-progress" in out
    team.ok("--as", "Dev", "analyse")
    (kept,) = team.json("threats", "--status", "in-progress")
    assert (kept["id"], kept["actors"]) == (leak["id"], ["ex-admin"])

    out = team.ok(
        "threat",
        "add",
        "ci-pipeline",
        "--category",
        "T",
        "--title",
        "Build pipeline pushes unreviewed images",
        "--likelihood",
        "high",
    )
    assert "tampering on ci-pipeline (other)" in out
    manual = [t for t in team.json("threats", "--element", "ci-pipeline")]
    assert [(m["origin"], m["likelihood"]) for m in manual] == [("manual", "high")]

    denied = team("--as", "Ann", "threat", "set", str(leak["id"]), "--status", "accepted")
    assert denied.returncode == 2 and "auditor may not edit the threat model" in denied.stderr
    bad = team("actor", "add", "pirates")
    assert bad.returncode == 2 and "give it a --name" in bad.stderr
    bad = team("threat", "add", "web", "--category", "X", "--title", "t")
    assert bad.returncode == 2 and "unknown STRIDE category 'X'" in bad.stderr
    assert "removed actor ex-admin" in team.ok("actor", "remove", "ex-admin")
    assert json.loads(team.ok("actors", "--json"))[0]["kind"] == "negligent-insider"
