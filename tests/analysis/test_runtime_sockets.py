"""Which mounts expose the container runtime's socket, and that every part of auditapp that asks
(CIS 5.32's rule, the reach graph and its weaknesses, the threats, host facts, topology,
templates, the monitor) gives the same answer for the same mount."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from auditapp.analysis.blast_graph import reach_graph
from auditapp.analysis.blast_weakness import find_weaknesses
from auditapp.analysis.model import ComponentFacts, Deployment, Mount, Workload
from auditapp.analysis.runtime_privilege import docker_socket
from auditapp.analysis.runtime_sockets import exposes_runtime, runtime_exposure
from auditapp.analysis.template_diff import diff
from auditapp.analysis.templates import parse_template
from auditapp.analysis.threats import generate_threats
from auditapp.analysis.topology import host_facts
from auditapp.analysis.topology import shared_volume as topology_shared_volume
from auditapp.services.monitor_diff import compare
from auditapp.services.monitor_snapshot import Snapshot, WorkloadProfile
from auditapp.services.monitor_state import workload_profile

HOLDS = "which holds the runtime's socket"
WITH = "with the runtime's socket in it"
PIPE = r"\\.\pipe\docker_engine"

# --- the rule itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mount", "kind", "what"),
    [
        (Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"), "socket", "docker.sock"),
        (Mount("bind", "/run/docker.sock", "/d.sock", True), "socket", "docker.sock"),
        (Mount("", "/var/run/docker.sock", "/var/run/docker.sock"), "socket", "docker.sock"),
        (Mount("bind", "/home/dev/.docker/run/docker.sock", "/s"), "socket", "docker.sock"),
        (Mount("bind", "./docker.sock", "/s"), "socket", "docker.sock"),
        (Mount("bind", "/var/run/docker.sock.raw", "/s"), "socket", "docker.sock.raw"),
        (Mount("bind", "/run/containerd/containerd.sock", "/c"), "socket", "containerd.sock"),
        (Mount("bind", "/run/podman/podman.sock", "/p"), "socket", "podman.sock"),
        (Mount("bind", "/run/user/1000/podman/podman.sock", "/p"), "socket", "podman.sock"),
        (Mount("bind", "/var/run/crio/crio.sock", "/c"), "socket", "crio.sock"),
        (Mount("bind", "/var/run/dockershim.sock", "/c"), "socket", "dockershim.sock"),
        (Mount("bind", "/var/run", "/host-run"), "folder", f"the folder /var/run, {HOLDS}"),
        (Mount("bind", "//var/run/", "/r"), "folder", f"the folder /var/run, {HOLDS}"),
        (Mount("bind", "/srv/../run", "/r"), "folder", f"the folder /run, {HOLDS}"),
        (Mount("bind", "/run/containerd", "/c"), "folder", f"the folder /run/containerd, {HOLDS}"),
        (Mount("bind", "/var/run/docker", "/d"), "folder", f"the folder /var/run/docker, {HOLDS}"),
        (Mount("bind", "/run/user/1000", "/u"), "folder", f"the folder /run/user/1000, {HOLDS}"),
        (Mount("bind", "/", "/host", True), "host-root", f"the host's root filesystem, {WITH}"),
        (Mount("bind", "/srv/a.sock", "/run/docker.sock"), "target", "/srv/a.sock as docker.sock"),
        (Mount("npipe", PIPE, PIPE), "pipe", "the Docker engine's named pipe"),
    ],
)  # fmt: skip
def test_what_a_mount_exposes(mount: Mount, kind: str, what: str) -> None:
    exposed = runtime_exposure(mount)
    assert exposed is not None and (exposed.kind, exposed.what) == (kind, what)
    assert exposes_runtime(mount)


@pytest.mark.parametrize(
    "mount",
    [
        Mount("volume", "sock", "/var/run/docker.sock"),  # a named volume is never the host's
        Mount("volume", "/var/run/docker.sock", "/s"),
        Mount("volume", "run", "/var/run"),
        Mount("tmpfs", "", "/var/run"),
        Mount("bind", "", "/var/run/docker.sock"),
        Mount("bind", "/var", "/host-var"),  # /var/run in it is a link to /run: the container's
        Mount("bind", "/run/lock", "/lock"),
        Mount("bind", "/run/user/dev", "/u"),
        Mount("bind", "/srv/docker.sock.d", "/d"),
        Mount("bind", "/srv/docker.socks", "/d"),
        Mount("bind", "/etc", "/host-etc"),
        Mount("npipe", r"\\.\pipe\other", r"\\.\pipe\other"),
    ],
)
def test_what_exposes_nothing(mount: Mount) -> None:
    assert runtime_exposure(mount) is None


# --- every consumer agrees ----------------------------------------------------------------------

EXPOSING = [
    Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),
    Mount("bind", "/run/containerd/containerd.sock", "/run/containerd/containerd.sock", True),
    Mount("bind", "/run/podman/podman.sock", "/var/run/docker.sock"),
    Mount("bind", "/var/run", "/host-run", True),
    Mount("bind", "/", "/host", True),
]
NAMED_VOLUME = Mount("volume", "sockets", "/var/run/docker.sock")


def ops_and_db(mount: Mount) -> Deployment:
    """ops mounts `mount`; db holds cardholder data on the same host."""
    return Deployment(
        components=(
            ComponentFacts("ops", host="h1", internet_facing=True),
            ComponentFacts("db", host="h1", in_cde=True, data_classes=("pan",)),
        ),
        workloads=(
            Workload("ops", "ops", "container", 1, mounts=(mount,)),
            Workload("db", "db", "container", 2),
        ),
    )


@pytest.mark.parametrize("mount", EXPOSING, ids=lambda m: m.source)
def test_every_consumer_sees_an_exposing_mount(mount: Mount) -> None:
    d = ops_and_db(mount)
    # CIS 5.32's finding
    assert [(h.component, h.location) for h in docker_socket.run(d)] == [
        ("ops", f"container ops Mounts {mount.target}")
    ]
    # the reach graph's engine-socket edges, and the weakness on the path
    edges = {(a, b, e["kind"]) for a, b, e in reach_graph(d).edges(data=True)}
    assert {("ops", "db", "docker.sock"), ("ops", "host:h1", "docker.sock")} <= edges
    assert "docker.sock" in [w.kind for w in find_weaknesses(d).of("ops")]
    # the threat of an escape to the host
    escapes = [t for t in generate_threats(d) if t.rule == "container-platform-escape"]
    assert [t.element for t in escapes] == ["ops"]
    assert mount.source in escapes[0].description
    # host facts list it; the monitor records it and calls a new one critical drift
    assert host_facts(d).socket_mounts == ("container ops",)
    profile = workload_profile(d.workloads[0])
    assert profile.docker_sock == (f"{mount.source} -> {mount.target}",)
    (change,) = compare(snapshot(replace(profile, docker_sock=())), snapshot(profile), {}, TODAY)
    assert (change.kind, change.severity) == ("runtime-drift", "critical")
    # a template refuses it even when every mount is allowed
    (deviation,) = diff(d.workloads[0], parse_template({"mounts_allowed": ["*"]}))
    assert (deviation.key, deviation.severity) == ("mounts_allowed", "critical")


def test_no_consumer_sees_a_named_volume_at_the_sockets_place() -> None:
    d = ops_and_db(NAMED_VOLUME)
    assert docker_socket.run(d) == []
    edges = {(a, b, e["kind"]) for a, b, e in reach_graph(d).edges(data=True)}
    assert not any(kind == "docker.sock" for _, _, kind in edges)
    assert "docker.sock" not in [w.kind for w in find_weaknesses(d).of("ops")]
    assert not [t for t in generate_threats(d) if t.rule == "container-platform-escape"]
    assert host_facts(d).socket_mounts == ()
    assert workload_profile(d.workloads[0]).docker_sock == ()
    assert diff(d.workloads[0], parse_template({"mounts_allowed": ["*"]})) == []


def test_a_folder_holding_the_socket_is_not_also_shared_storage() -> None:
    """Two components binding /var/run are each CIS 5.32's; neither is a shared volume."""
    d = Deployment(
        components=(ComponentFacts("ops", host="h1"), ComponentFacts("agent", host="h1")),
        workloads=(
            Workload("ops", "ops", "container", 1, mounts=(Mount("bind", "/var/run", "/r"),)),
            Workload("agent", "agent", "container", 2, mounts=(Mount("bind", "/var/run", "/r"),)),
        ),
    )
    assert topology_shared_volume.run(d) == []
    kinds = {e["kind"] for _, _, e in reach_graph(d).edges(data=True)}
    assert "shared-volume" not in kinds and "docker.sock" in kinds
    assert [h.component for h in docker_socket.run(d)] == ["ops", "agent"]


# --- how each says what is mounted ----------------------------------------------------------------


def test_docker_keeps_its_words_and_other_runtimes_are_named() -> None:
    docker = ops_and_db(EXPOSING[0])
    (hit,) = docker_socket.run(docker)
    assert hit.title == ""  # the rule's own: "Docker socket mounted into the container"
    assert [w.text for w in find_weaknesses(docker).of("ops")] == ["mounts docker.sock"]
    assert reach_graph(docker).edges["ops", "db"]["via"] == "docker.sock"

    containerd = ops_and_db(EXPOSING[1])
    (hit,) = docker_socket.run(containerd)
    assert hit.title == "Containerd socket mounted into the container"
    assert hit.detail["exposes"] == "containerd.sock"
    assert [w.text for w in find_weaknesses(containerd).of("ops")] == ["mounts containerd.sock"]
    assert reach_graph(containerd).edges["ops", "db"]["via"] == "containerd.sock"

    folder = ops_and_db(EXPOSING[3])
    (hit,) = docker_socket.run(folder)
    assert hit.title == ""  # /var/run holds docker.sock on a Docker host
    assert hit.detail["exposes"] == "the folder /var/run, which holds the runtime's socket"
    edge = reach_graph(folder).edges["ops", "db"]
    assert edge["via"] == "/var/run (runtime socket)"
    assert edge["reason"].startswith("container ops mounts the folder /var/run, which holds")


@pytest.mark.parametrize(
    ("mount", "words"),
    [
        ("/var/run/docker.sock -> /var/run/docker.sock",
         "new Docker socket mount /var/run/docker.sock -> /var/run/docker.sock"),
        ("/run/podman/podman.sock -> /p", "new Podman socket mount /run/podman/podman.sock -> /p"),
        ("/var/run -> /r",
         "new mount of the folder /var/run, which holds the runtime's socket: /var/run -> /r"),
        (f"{PIPE} -> {PIPE}", f"new container runtime socket mount {PIPE} -> {PIPE}"),
    ],
)  # fmt: skip
def test_monitor_words_a_new_mount_by_what_it_exposes(mount: str, words: str) -> None:
    before = workload_profile(Workload("ops", "ops", "container", 1))
    (change,) = compare(
        snapshot(before), snapshot(replace(before, docker_sock=(mount,))), {}, TODAY
    )
    assert change.title == f"container ops: {words}"


def test_a_stored_baseline_keeps_its_docker_sock_field() -> None:
    profile = workload_profile(ops_and_db(EXPOSING[1]).workloads[0])
    stored = snapshot(profile).to_json()
    assert '"docker_sock": ["/run/containerd/containerd.sock -> ' in stored
    assert Snapshot.from_json(stored, "baseline").workloads == (profile,)


TODAY = date(2025, 1, 1)


def snapshot(*workloads: WorkloadProfile) -> Snapshot:
    return Snapshot(
        taken_at="2025-01-01T00:00:00+00:00",
        images={},
        components={},
        workloads=workloads,
        findings=(),
        declared_flows=(),
        observed=(),
        unjustified=(),
        vulnerability_data=(),
        vulns={},
        known_exploited=(),
        lifecycle=(),
    )
