"""Runtime drift on the real engine: a hardened container is collected, analysed and signed
off; it is then recreated under the same name with --privileged, a new port published on every
interface and its memory limit gone, and `monitor --collect` reports exactly that (exit 1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from auditapp.services.analysis import analyse
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.monitor import NEW_RISK, monitor
from auditapp.services.monitor_baseline import load_baseline
from auditapp.services.signoff import sign_off
from tests.conftest import AUDITOR, OFFICER
from tests.e2e.conftest import PREFIX, workspace_on
from tests.e2e.fixture_image import build_image
from tests.e2e.runtime_faults import HARDENED_ENGINE, IMAGE_DOCKERFILE, settings

pytestmark = pytest.mark.docker

TAG = f"{PREFIX}/monitor:1"
NAME = f"{PREFIX}-monitored"
LABEL = f"container {NAME}"
SIGNED = settings(
    HARDENED_ENGINE, {"network_mode": None, "ports": {"8080/tcp": ("127.0.0.1", 18080)}}
)
DRIFTED = settings(
    HARDENED_ENGINE,
    {
        "network_mode": None,
        "privileged": True,
        "mem_limit": None,
        "ports": {"8080/tcp": ("127.0.0.1", 18080), "9090/tcp": 19090},
    },
)


@pytest.fixture(scope="module")
def image(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from docker.errors import DockerException

    context = tmp_path_factory.mktemp("monitor") / "context"
    context.mkdir()
    (context / "app").write_bytes(b"not a program: the container is never started\n")
    build_image(docker_client, context, IMAGE_DOCKERFILE, TAG)
    try:
        yield TAG
    finally:
        with suppress(DockerException):
            docker_client.images.remove(TAG, force=True)


def _recreate(docker_client: Any, image: str, options: dict[str, Any]) -> None:
    from docker.errors import NotFound

    with suppress(NotFound):
        docker_client.containers.get(NAME).remove(force=True)
    docker_client.containers.create(image, name=NAME, **options)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_recreated_container_drifts(
    backend: str,
    docker_client: Any,
    image: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    from docker.errors import NotFound

    try:
        with workspace_on(backend, tmp_path, request) as ws:
            _recreate(docker_client, image, SIGNED)
            collect(ws, OFFICER, CollectRequest(engine=True))
            analyse(ws, OFFICER)
            sign_off(ws, OFFICER, "complete")
            sign_off(ws, AUDITOR, "reviewed")
            baseline = load_baseline(ws, OFFICER)
            assert baseline is not None
            [signed] = [w for w in baseline.snapshot.workloads if w.label == LABEL]
            assert (signed.privileged, signed.ports) == (False, ("127.0.0.1:18080->8080/tcp",))

            # unchanged: nothing new about our container (others on the shared engine may come
            # and go while this runs, so only ours is judged)
            quiet = monitor(ws, OFFICER, collect=True)
            assert quiet.problems == ()
            assert [c for c in quiet.changes if c.subject == NAME] == []

            _recreate(docker_client, image, DRIFTED)
            report = monitor(ws, OFFICER, collect=True)
            ours = [(c.kind, c.severity, c.title) for c in report.changes if c.subject == NAME]
            assert ours == [
                ("runtime-drift", "critical", f"{LABEL}: now runs privileged"),
                ("runtime-drift", "high", f"{LABEL}: new published port 0.0.0.0:19090->9090/tcp"),
                ("runtime-drift", "medium", f"{LABEL}: memory limit removed (was 67108864)"),
                (
                    "exposure",
                    "high",
                    f"{LABEL}: 9090/tcp published on every interface (host port 19090): "
                    "no declared flow justifies it",
                ),
            ]
            assert report.status == NEW_RISK and report.problems == ()
    finally:
        with suppress(NotFound):
            docker_client.containers.get(NAME).remove(force=True)
