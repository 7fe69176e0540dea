"""The daemon and topology rules end to end on the real engine: `collect --engine` without a
daemon.json (the config-only checks say they cannot tell), then with one written for the test
and a `systemd-detect-virt` attachment (the section 2 findings the config plants, the unknowns
resolved, virtualisation established), `analyse` after each, and the stored findings."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.analysis import daemon, topology
from auditapp.analysis.catalogue import ALL_RULES
from auditapp.cli import main
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.evidence import attach_file
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Workspace
from auditapp.store.models import Evidence, Finding
from tests.conftest import OFFICER
from tests.e2e.conftest import workspace_on

pytestmark = pytest.mark.docker

OURS = {r.id for r in (*daemon.RULES, *topology.RULES)}
CONFIG_ONLY = {
    "daemon.iptables",
    "daemon.cgroup-parent",
    "daemon.no-new-privileges",
    "daemon.userland-proxy",
    "daemon.log-level",
}
DAEMON_JSON = {
    "icc": False,
    "log-level": "debug",
    "userland-proxy": False,
    "no-new-privileges": True,
    "insecure-registries": ["registry.shop.internal:5000"],
    "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
    "cgroup-parent": "/payments",
    "live-restore": True,
}
PLANTED = {  # (rule, location): severity, from DAEMON_JSON alone
    ("daemon.log-level", "daemon log-level"): "low",
    ("daemon.insecure-registry", "daemon insecure-registries registry.shop.internal:5000"): "high",
    ("daemon.tcp-tls", "daemon hosts tcp://0.0.0.0:2375"): "critical",
    ("daemon.cgroup-parent", "daemon cgroup-parent"): "low",
}


@dataclass(frozen=True)
class Row:
    rule: str
    location: str
    severity: str
    evidence_kind: str
    active: bool
    detail: dict[str, Any]


@dataclass(frozen=True)
class Runs:
    without_config: dict[tuple[str, str], Row]
    with_config: dict[tuple[str, str], Row]


def our_findings(ws: Workspace) -> dict[tuple[str, str], Row]:
    """The daemon and topology rules' findings (active or not), with their evidence's kind."""
    with ws.db.read() as session:
        rows = session.execute(
            select(Finding, Evidence.kind)
            .outerjoin(Evidence, Evidence.id == Finding.evidence_id)
            .where(Finding.rule_id.in_(OURS))
        ).all()
        return {
            (f.rule_id, f.location): Row(
                f.rule_id, f.location, f.severity, kind or "", f.active, json.loads(f.detail)
            )
            for f, kind in rows
        }


def info_failures(info: dict[str, Any]) -> dict[tuple[str, str], str]:
    """What this engine's `docker info` alone fails (its defaults, whatever the config says:
    the live value wins), by the engine's own answers."""
    options = " ".join(info.get("SecurityOptions") or [])
    failing: dict[tuple[str, str], str] = {}
    if "userns" not in options and "rootless" not in options:
        failing["daemon.userns-remap", "daemon userns-remap"] = "medium"
    if not (info.get("Plugins") or {}).get("Authorization"):
        failing["daemon.authz-plugin", "daemon authorization-plugins"] = "medium"
    if info.get("LoggingDriver") in ("json-file", "local"):
        failing["daemon.logging-driver", "daemon log-driver"] = "low"
    swarm = (info.get("Swarm") or {}).get("LocalNodeState")
    if not info.get("LiveRestoreEnabled") and swarm != "active":
        failing["daemon.live-restore", "daemon live-restore"] = "low"
    if swarm == "active":
        failing["daemon.swarm-mode", "daemon swarm"] = "low"
    return failing


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    folder = tmp_path_factory.mktemp("daemon-db")
    config = folder / "daemon.json"
    config.write_text(json.dumps(DAEMON_JSON, indent=2))
    virt = folder / "detect-virt.txt"
    virt.write_text("kvm\n")
    with workspace_on(request.param, folder, request) as ws:
        collect(ws, OFFICER, CollectRequest(engine=True))
        analyse(ws, OFFICER)
        before = our_findings(ws)
        attach_file(ws, OFFICER, virt, title="systemd-detect-virt on the Docker host")
        collect(ws, OFFICER, CollectRequest(engine=True, daemon_config=config))
        analyse(ws, OFFICER)
        yield Runs(before, our_findings(ws))


def daemon_rows(found: dict[tuple[str, str], Row], *, active: bool = True) -> dict[Any, Row]:
    return {k: r for k, r in found.items() if r.rule.startswith("daemon.") and r.active == active}


def test_the_daemon_and_topology_rules_are_in_the_catalogue() -> None:
    assert {r.id for r in ALL_RULES} >= OURS


def test_without_daemon_json_the_config_only_checks_cannot_tell(
    runs: Runs, docker_client: Any
) -> None:
    rows = daemon_rows(runs.without_config)
    unknown = {r.rule for r in rows.values() if r.detail["verdict"] == "unknown"}
    assert unknown == CONFIG_ONLY
    assert {r.severity for r in rows.values() if r.detail["verdict"] == "unknown"} == {"info"}
    failing = {k: r.severity for k, r in rows.items() if r.detail["verdict"] == "fail"}
    assert failing == info_failures(docker_client.api.info())
    assert {r.evidence_kind for r in rows.values()} == {"engine-daemon"}


def test_with_daemon_json_the_section_2_findings_are_exact(runs: Runs, docker_client: Any) -> None:
    rows = daemon_rows(runs.with_config)
    found = {k: r.severity for k, r in rows.items()}
    assert found == PLANTED | info_failures(docker_client.api.info())
    for key in PLANTED:
        assert rows[key].evidence_kind == "engine-daemon-config"
        assert rows[key].detail["source"] == "daemon.json"
    assert all(r.detail["verdict"] == "fail" for r in rows.values())
    # the live engine says live restore is off, whatever daemon.json claims
    if ("daemon.live-restore", "daemon live-restore") in rows:
        live = rows["daemon.live-restore", "daemon live-restore"]
        assert (live.evidence_kind, live.detail["source"]) == (
            "engine-daemon",
            "docker info LiveRestoreEnabled",
        )


def test_the_unknowns_are_resolved_once_the_config_is_collected(runs: Runs) -> None:
    resolved = daemon_rows(runs.with_config, active=False)
    assert {r.rule for r in resolved.values()} == CONFIG_ONLY
    assert all(r.location.endswith(" unknown") for r in resolved.values())


def test_virtualisation_is_asked_until_host_evidence_is_attached(
    runs: Runs, docker_client: Any
) -> None:
    info = docker_client.api.info()
    if info["OperatingSystem"] == "Docker Desktop" or info["KernelVersion"].endswith("-linuxkit"):
        pytest.skip("Docker Desktop's engine is a VM by its own account")
    key = ("topology.virtualisation-unknown", "host virtualisation")
    asked = runs.without_config[key]
    assert asked.active and asked.detail["kernel"] == info["KernelVersion"]
    assert asked.detail["question"].startswith("Does the Docker Engine run")
    assert not runs.with_config[key].active  # the attached `kvm` answers it


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_cli_collects_the_daemon_config_and_reports_its_findings(
    sqlite_ws: Workspace, tmp_path: Path
) -> None:
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"hosts": ["tcp://10.0.0.5:2376"], "tls": True}))
    db = str(sqlite_ws.db.sqlite_path)
    code, _, err = run_cli("--db", db, "collect", "--engine", "--daemon-config", str(config))
    assert (code, err) == (0, "")
    assert run_cli("--db", db, "analyse")[0] == 0
    code, out, err = run_cli("--db", db, "findings", "--rule", "daemon.tcp-tls", "--json")
    assert (code, err) == (0, "")
    (finding,) = json.loads(out)
    assert finding["location"] == "daemon hosts tcp://10.0.0.5:2376"
    assert finding["severity"] == "high" and finding["cis"] == ["2.7"]
    assert "2.2.7" in finding["pci"] and finding["detail"]["tls"] is True
