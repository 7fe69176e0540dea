"""Which mounts expose the container runtime's socket, and that every part of auditapp that asks
(CIS 5.32's rule, the reach graph and its weaknesses, the threats, host facts, topology,
templates, the monitor) gives the same answer for the same mount."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditapp.analysis.blast_graph import reach_graph
from auditapp.analysis.blast_weakness import find_weaknesses
from auditapp.analysis.facts import EvidenceDoc, build_deployment
from auditapp.analysis.model import ComponentFacts, Deployment, Mount, Workload
from auditapp.analysis.runtime_privilege import docker_socket
from auditapp.analysis.runtime_sockets import exposes_runtime, runtime_exposure
from auditapp.analysis.template_diff import diff
from auditapp.analysis.templates import parse_template
from auditapp.analysis.threats import generate_threats
from auditapp.analysis.topology import host_facts
from auditapp.analysis.topology import shared_volume as topology_shared_volume
from auditapp.evidence.compose import load_compose
from auditapp.evidence.compose_mounts import parse_volume_entry
from auditapp.services.monitor_diff import compare
from auditapp.services.monitor_snapshot import Snapshot, WorkloadProfile
from auditapp.services.monitor_state import workload_profile
from auditapp.store.errors import CorruptDataError

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


# --- Docker's named pipe, however compose spells it ------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        r"\\.\pipe\docker_engine:\\.\pipe\docker_engine",
        "//./pipe/docker_engine://./pipe/docker_engine",
        r"\\.\PIPE\Docker_Engine:\\.\pipe\docker_engine",
        {"type": "npipe", "source": PIPE, "target": PIPE},
        {"type": "bind", "source": "//./pipe/docker_engine", "target": PIPE},
    ],
    ids=["short", "short-slashes", "short-capitals", "long-npipe", "long-bind"],
)
def test_the_engine_pipe_is_found_whatever_the_compose_syntax(entry: object) -> None:
    parsed = parse_volume_entry(entry)  # compose's short syntax types a pipe as a bind
    exposed = runtime_exposure(Mount(parsed.type, parsed.source or "", parsed.target))
    assert exposed is not None
    assert (exposed.kind, exposed.socket, exposed.runtime) == ("pipe", "docker_engine", "Docker")


@pytest.mark.parametrize(
    "entry",
    [
        r"\\.\pipe\other:\\.\pipe\other",
        r"\\.\pipe\docker_engine_backup:/p",
        {"type": "volume", "source": "docker_engine", "target": PIPE},
    ],
)
def test_another_pipe_or_a_volume_is_not_the_engine(entry: object) -> None:
    parsed = parse_volume_entry(entry)
    assert runtime_exposure(Mount(parsed.type, parsed.source or "", parsed.target)) is None


def test_a_compose_service_mounting_the_engine_pipe_gets_cis_5_32_and_the_socket_edge(
    tmp_path: Path,
) -> None:
    """From a compose file on disk, through the compose loader, the stored evidence and the
    deployment the rules read: the engine's pipe in the short syntax, with either slash, hands
    the service the engine as docker.sock would."""
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        textwrap.dedent(
            r"""
            services:
              agent:
                image: shop/agent:1
                volumes:
                  - \\.\pipe\docker_engine:\\.\pipe\docker_engine
              ci:
                image: shop/ci:1
                volumes:
                  - //./pipe/docker_engine://./pipe/docker_engine
              db:
                image: postgres:16
            """
        ),
        encoding="utf-8",
    )
    project = load_compose([compose], environ={})
    stored = json.loads(json.dumps(project.to_snapshot()))  # as the evidence table keeps it
    when = datetime(2026, 11, 1, tzinfo=UTC)
    d = build_deployment(
        [EvidenceDoc(1, "compose", "compose project shop", when, stored)],
        components=(
            ComponentFacts("agent", host="h1"),
            ComponentFacts("ci", host="h1"),
            ComponentFacts("db", host="h1", in_cde=True, data_classes=("pan",)),
        ),
    )
    agent = next(w for w in d.workloads if w.name == "agent")
    assert [(m.type, m.source) for m in agent.mounts] == [("bind", PIPE)]
    hits = docker_socket.run(d)
    assert [(h.component, h.location, h.detail["exposes"]) for h in hits] == [
        ("agent", rf"service agent volumes {PIPE}", "the Docker engine's named pipe"),
        ("ci", "service ci volumes //./pipe/docker_engine", "the Docker engine's named pipe"),
    ]
    edges = {(a, b, e["kind"], e["via"]) for a, b, e in reach_graph(d).edges(data=True)}
    for component in ("agent", "ci"):
        assert (component, "db", "docker.sock", "docker_engine pipe") in edges
        assert (component, "host:h1", "docker.sock", "docker_engine pipe") in edges


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
        (f"{PIPE} -> {PIPE}", f"new Docker engine pipe mount {PIPE} -> {PIPE}"),
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


def old_baseline(*workloads: WorkloadProfile) -> Snapshot:
    """A baseline as auditapp stored it before every runtime socket was recognised: format 1,
    its `docker_sock` lists holding docker.sock mounts only, read back from its JSON."""
    data = asdict(snapshot(*workloads))
    data["format"] = 1
    return Snapshot.from_json(json.dumps(data), "the baseline")


WIDENED = [
    Mount("bind", "/var/run", "/host-run", True),
    Mount("bind", "/", "/host", True),
    Mount("bind", "/run/containerd/containerd.sock", "/run/containerd/containerd.sock"),
    Mount("bind", "/run/podman/podman.sock", "/p"),
]


@pytest.mark.parametrize("mount", WIDENED, ids=lambda m: m.source)
def test_an_old_baseline_does_not_call_a_mount_it_could_not_record_new(mount: Mount) -> None:
    """Signed off with the mount in place: the old baseline's list left it out, as it listed
    docker.sock alone. Not a critical "new ... mount", but said for what it is."""
    now = workload_profile(Workload("ops", "ops", "container", 1, mounts=(mount,)))
    signed = replace(now, docker_sock=())  # what format 1 recorded of it
    baseline = old_baseline(signed)
    assert baseline.format == 1 and baseline.workloads == (signed,)
    (change,) = compare(baseline, snapshot(now), {}, TODAY)
    assert (change.kind, change.severity) == ("runtime-drift", "medium")
    assert change.title.startswith(
        f"container ops: {mount.source} -> {mount.target} is now recognised as a "
    )
    assert "not reported as new" in change.title
    assert change.detail["baseline_format"] == 1
    # a baseline of today's format recorded it: the same mount missing there is new
    (change,) = compare(snapshot(signed), snapshot(now), {}, TODAY)
    assert (change.severity, change.title.split(": ", 1)[1][:4]) == ("critical", "new ")


def test_an_old_baseline_still_calls_a_new_docker_sock_mount_new() -> None:
    """docker.sock is what format 1 did record: missing from it, the mount is new."""
    now = workload_profile(Workload("ops", "ops", "container", 1, mounts=(EXPOSING[0],)))
    (change,) = compare(old_baseline(replace(now, docker_sock=())), snapshot(now), {}, TODAY)
    assert change.severity == "critical"
    assert change.title == (
        "container ops: new Docker socket mount /var/run/docker.sock -> /var/run/docker.sock"
    )
    # and one the old baseline recorded is no change at all
    assert compare(old_baseline(now), snapshot(now), {}, TODAY) == []


def test_a_snapshot_says_its_format_and_unknown_ones_are_refused() -> None:
    stored = json.loads(snapshot().to_json())
    assert stored["format"] == 2
    for bad in (0, 3, True, "2", None):
        with pytest.raises(CorruptDataError, match="unknown format"):
            Snapshot.from_json(json.dumps(stored | {"format": bad}), "the baseline")


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
