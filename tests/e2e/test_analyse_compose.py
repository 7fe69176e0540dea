"""The runtime profile end to end from a compose file: the same faults as the engine test, one
per service (and one hardened service), `collect --compose`, `analyse`, and the stored findings
of the runtime rules: each service fails exactly the rules its fault should. Then a service
that sets no user and no healthcheck, judged by the image it runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auditapp.analysis import image, runtime
from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Workspace
from auditapp.store.models import Finding
from tests.conftest import OFFICER
from tests.e2e.conftest import PREFIX, workspace_on
from tests.e2e.fixture_image import build_image
from tests.e2e.runtime_faults import (
    APP,
    HARDENED_COMPOSE,
    IMAGE_DOCKERFILE,
    Fault,
    HostPaths,
    faults,
    settings,
)

OURS = {r.id for r in (*runtime.RULES, *image.RULES)}
NETWORK = "front"


def write_compose(path: Path, services: dict[str, dict[str, Any]]) -> Path:
    """A compose file (JSON is YAML) declaring `services` and the network ports go on."""
    document = {"services": services, "networks": {NETWORK: {}}}
    path.write_text(json.dumps(document, indent=2))
    return path


def service_failures(ws: Workspace, names: set[str]) -> dict[str, set[str]]:
    """Our rules' active findings per service, as stored."""
    failed: dict[str, set[str]] = {name: set() for name in names}
    with ws.db.read() as session:
        rows = session.scalars(
            select(Finding).where(Finding.rule_id.in_(OURS), Finding.active.is_(True))
        )
        for row in rows:
            origin, _, rest = row.location.partition(" ")
            name = rest.partition(" ")[0]
            if origin == "service" and name in failed:
                failed[name].add(row.rule_id)
    return failed


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    with workspace_on(request.param, tmp_path / "db", request) as workspace:
        yield workspace


def test_each_service_fails_exactly_where_its_fault_was_planted(
    ws: Workspace, tmp_path: Path
) -> None:
    paths = HostPaths(tmp_path / "docker.sock", tmp_path / "shared")
    paths.socket.write_text("")
    paths.folder.mkdir()
    planted: dict[str, Fault] = {f.name: f for f in faults(NETWORK, paths)}
    services = {
        name: {"image": f"{PREFIX}/runtime:1", **settings(HARDENED_COMPOSE, fault.compose)}
        for name, fault in planted.items()
    }
    compose = write_compose(tmp_path / "compose.yaml", services)
    collect(ws, OFFICER, CollectRequest(compose=(compose,)))
    analyse(ws, OFFICER)
    assert service_failures(ws, set(planted)) == {
        name: set(fault.fails) for name, fault in planted.items()
    }


@pytest.mark.docker
def test_a_service_without_user_or_healthcheck_is_judged_by_its_image(
    ws: Workspace, tmp_path: Path, docker_client: Any
) -> None:
    """`hardened` runs an image with USER 10001 and a HEALTHCHECK; `bare` one with neither."""
    from docker.errors import DockerException

    tags = {"hardened": f"{PREFIX}/runtime-compose:1", "bare": f"{PREFIX}/runtime-bare:1"}
    dockerfiles = {"hardened": IMAGE_DOCKERFILE, "bare": f"FROM scratch\nCOPY app {APP}\n"}
    try:
        for name, tag in tags.items():
            context = tmp_path / name
            context.mkdir()
            (context / "app").write_bytes(b"never run\n")
            build_image(docker_client, context, dockerfiles[name], tag)
        hardened = settings(HARDENED_COMPOSE, {"user": None, "healthcheck": None})
        compose = write_compose(
            tmp_path / "compose.yaml",
            {name: {"image": tag, **hardened} for name, tag in tags.items()},
        )
        collect(ws, OFFICER, CollectRequest(compose=(compose,), images=tuple(tags.values())))
        analyse(ws, OFFICER)
    finally:
        for tag in tags.values():
            with suppress(DockerException):
                docker_client.images.remove(tag, force=True)
    assert service_failures(ws, set(tags)) == {
        "hardened": set(),
        "bare": {"runtime.root-user", "runtime.health"},
    }
