"""The runtime profile end to end on the real engine: containers created with one
misconfiguration each (and one hardened), `collect --engine`, `analyse`, and the stored findings
of the runtime and image rules: each container fails exactly the rules its fault should."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.analysis import image, runtime
from auditapp.analysis.catalogue import ALL_RULES
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Workspace
from auditapp.store.models import Finding
from tests.conftest import OFFICER
from tests.e2e.conftest import PREFIX, workspace_on
from tests.e2e.fixture_image import build_image
from tests.e2e.runtime_faults import (
    HARDENED_ENGINE,
    IMAGE_DOCKERFILE,
    Fault,
    HostPaths,
    faults,
    settings,
)

pytestmark = pytest.mark.docker

OURS = {r.id for r in (*runtime.RULES, *image.RULES)}
TAG = f"{PREFIX}/runtime:1"


@dataclass(frozen=True)
class Planted:
    faults: dict[str, Fault]  # by container name


@pytest.fixture(scope="module")
def planted(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    """The image, a network to publish on, and one created (never started) container per
    fault; all removed afterwards."""
    from docker.errors import DockerException

    root = tmp_path_factory.mktemp("runtime")
    context = root / "context"
    context.mkdir()
    (context / "app").write_bytes(b"not a program: the containers are never started\n")
    paths = HostPaths(root / "docker.sock", root / "shared")
    paths.socket.write_text("")
    paths.folder.mkdir()
    containers: list[Any] = []
    network = None
    try:
        build_image(docker_client, context, IMAGE_DOCKERFILE, TAG)
        network = docker_client.networks.create(f"{PREFIX}-rt-net", driver="bridge")
        by_name = {}
        for fault in faults(network.name, paths):
            name = f"{PREFIX}-rt-{fault.name}"
            kwargs = settings(HARDENED_ENGINE, fault.engine)
            containers.append(docker_client.containers.create(TAG, name=name, **kwargs))
            by_name[name] = fault
        yield Planted(by_name)
    finally:
        for container in containers:
            container.remove(force=True)
        if network is not None:
            network.remove()
        with suppress(DockerException):
            docker_client.images.remove(TAG, force=True)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def analysed(
    request: pytest.FixtureRequest, planted: Planted, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    with workspace_on(request.param, tmp_path_factory.mktemp("rt-db"), request) as ws:
        collect(ws, OFFICER, CollectRequest(engine=True))
        analyse(ws, OFFICER)
        yield ws


def findings(ws: Workspace) -> list[Finding]:
    """Our rules' active findings, as stored."""
    with ws.db.read() as session:
        rows = session.scalars(
            select(Finding).where(Finding.rule_id.in_(OURS), Finding.active.is_(True))
        )
        return list(rows)


def test_the_runtime_and_image_rules_are_in_the_catalogue() -> None:
    assert OURS - {r.id for r in ALL_RULES} == set(), "register runtime.RULES and image.RULES"


def test_each_container_fails_exactly_where_its_fault_was_planted(
    analysed: Workspace, planted: Planted
) -> None:
    failed: dict[str, set[str]] = {name: set() for name in planted.faults}
    for row in findings(analysed):
        origin, _, rest = row.location.partition(" ")
        name = rest.partition(" ")[0]
        if origin == "container" and name in failed:
            failed[name].add(row.rule_id)
    assert failed == {name: set(fault.fails) for name, fault in planted.faults.items()}


def test_the_test_image_passes_the_image_rules(analysed: Workspace) -> None:
    assert [r.location for r in findings(analysed) if r.location.startswith(f"image {TAG} ")] == []


def test_findings_carry_the_cis_id_pci_requirements_and_evidence(
    analysed: Workspace, planted: Planted
) -> None:
    by_key = {(r.rule_id, r.location): r for r in findings(analysed)}
    privileged = by_key[
        ("runtime.privileged", f"container {PREFIX}-rt-privileged HostConfig.Privileged")
    ]
    assert (privileged.severity, json.loads(privileged.cis)) == ("critical", ["5.5"])
    assert "2.2.6" in json.loads(privileged.pci)
    assert privileged.component == f"{PREFIX}-rt-privileged"
    assert privileged.evidence_id is not None
    socket = by_key[
        ("runtime.docker-socket", f"container {PREFIX}-rt-socket Mounts /var/run/docker.sock")
    ]
    assert json.loads(socket.detail)["read_only"] is True
    capability = by_key[
        ("runtime.capabilities", f"container {PREFIX}-rt-capadd HostConfig.CapAdd SYS_ADMIN")
    ]
    assert capability.severity == "high"


def test_a_second_analysis_keeps_the_findings(analysed: Workspace) -> None:
    before = {(r.rule_id, r.location, r.id) for r in findings(analysed)}
    analyse(analysed, OFFICER)
    assert {(r.rule_id, r.location, r.id) for r in findings(analysed)} == before
