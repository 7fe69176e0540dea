"""Host facts (OS, engine, Docker Desktop, sandboxed runtimes, cgroups, rootless, whether Docker
runs virtualised) and the topology rules, on the three-tier fixture, constructed deployments,
attached host evidence and the real test engine's info."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from auditapp.analysis import topology
from auditapp.analysis.interface import Hit, subjects
from auditapp.analysis.model import (
    Attachment,
    ComponentFacts,
    DaemonFacts,
    Deployment,
    Mount,
    NetworkFacts,
    Workload,
)
from auditapp.analysis.topology import host_facts
from tests.analysis.test_daemon import linux_info, linux_version
from tests.analysis.three_tier import three_tier


def desktop_info() -> dict[str, Any]:
    """`docker info` of Docker Desktop 4.x on a Mac (trimmed)."""
    return linux_info() | {
        "OperatingSystem": "Docker Desktop",
        "OSVersion": "",
        "KernelVersion": "6.10.14-linuxkit",
        "Architecture": "aarch64",
        "Name": "docker-desktop",
        "ServerVersion": "27.3.1",
        "CgroupDriver": "cgroupfs",
        "Labels": ["com.docker.desktop.address=unix:///Users/dev/Library/Containers/backend.sock"],
        "SecurityOptions": ["name=seccomp,profile=unconfined", "name=cgroupns"],
    }


def with_daemon(d: Deployment, info: Any, evidence_id: int = 7) -> Deployment:
    return replace(d, daemon=DaemonFacts(evidence_id, info, linux_version()))


def run(d: Deployment) -> dict[str, list[Hit]]:
    hits = {r.id: r.run(d) for r in topology.RULES}
    return {rule_id: found for rule_id, found in hits.items() if found}


def shape(hits: list[Hit]) -> list[tuple[str, str, str, str]]:
    return [(h.component, h.location, h.severity, h.subject) for h in hits]


# --- the rules on the three-tier fixture ---------------------------------------------------------


def test_three_tier_exact_hits() -> None:
    d = three_tier()
    hits = run(d)
    assert set(hits) == {
        "topology.cde-shared-host",
        "topology.cde-shared-network",
        "topology.virtualisation-unknown",
    }
    host = hits["topology.cde-shared-host"]
    assert shape(host) == [("api", "host h1", "high", "api"), ("db", "host h1", "high", "db")]
    assert [h.detail for h in host] == [
        {"host": "h1", "others": ["proxy", "worker"], "internet_facing": ["proxy"]}
    ] * 2
    network = hits["topology.cde-shared-network"]
    assert shape(network) == [
        ("api", "network front", "medium", "front"),
        ("api", "network back", "", "back"),
        ("db", "network back", "", "back"),
    ]
    assert [h.detail["others"] for h in network] == [["proxy"], ["worker"], ["worker"]]
    (unknown,) = hits["topology.virtualisation-unknown"]
    assert (unknown.component, unknown.location, unknown.subject) == (
        "",
        "host virtualisation",
        "deployment",
    )
    assert (
        unknown.detail["verdict"] == "unknown" and "systemd-detect-virt" in unknown.detail["hint"]
    )
    # the worker's docker.sock mount is the runtime rules' (CIS 5.32): described, not judged
    assert host_facts(d).socket_mounts == ("service worker",)


def test_three_tier_subjects() -> None:
    d = three_tier()
    by_id = {r.id: r for r in topology.RULES}
    assert subjects(by_id["topology.cde-shared-host"], d) == ("proxy", "api", "db", "worker")
    assert subjects(by_id["topology.cde-shared-network"], d) == ("front", "back")
    assert subjects(by_id["topology.virtualisation-unknown"], d) == ("deployment",)


def test_docker_desktop_under_a_cde() -> None:
    d = with_daemon(three_tier(), desktop_info())
    hits = run(d)
    assert shape(hits["topology.docker-desktop-cde"]) == [
        ("api", "daemon Docker Desktop", "", "api"),
        ("db", "daemon Docker Desktop", "", "db"),
    ]
    assert all(h.evidence_id == 7 for h in hits["topology.docker-desktop-cde"])
    assert "topology.virtualisation-unknown" not in hits  # Docker Desktop is a VM
    no_cde = replace(
        d, components=tuple(replace(c, in_cde=False, data_classes=()) for c in d.components)
    )
    assert "topology.docker-desktop-cde" not in run(no_cde)


def test_recorded_hosts_that_differ_are_not_shared() -> None:
    d = three_tier()
    split = tuple(
        replace(c, host="h2" if c.name in ("proxy", "worker") else c.host) for c in d.components
    )
    assert "topology.cde-shared-host" not in run(replace(d, components=split))
    quiet = tuple(replace(c, internet_facing=False, host="h1") for c in d.components)
    assert {h.severity for h in run(replace(d, components=quiet))["topology.cde-shared-host"]} == {
        ""
    }


def test_no_host_recorded_is_assumed_shared_and_said_so() -> None:
    """As the blast radius assumes it: components with no host recorded and no engine that ran
    them are treated as sharing one host; the finding says it is an assumption and is an open
    question (verdict unknown, low), not a failure, even with an internet-facing neighbour."""
    d = three_tier()
    unknown = replace(d, components=tuple(replace(c, host="") for c in d.components))
    hits = run(unknown)["topology.cde-shared-host"]
    assert shape(hits) == [
        ("api", "host (unrecorded)", "low", "api"),
        ("db", "host (unrecorded)", "low", "db"),
    ]
    said = (
        "no component has a host recorded: all 4 are treated as running on one host "
        "(host:(unrecorded)), so the runtime socket and privileged containers reach every one "
        "of them"
    )
    assert hits[0].detail == {
        "host": "(unrecorded)",
        "others": ["proxy", "worker"],
        "internet_facing": ["proxy"],
        "assumed": said,
        "verdict": "unknown",
        "hint": topology.RECORD_HOSTS,
    }
    assert hits[0].title.startswith("Cardholder-data component may share a host")
    # one recorded apart: the others are still assumed together, the recorded one is not
    apart = tuple(replace(c, host="h9" if c.name == "proxy" else "") for c in d.components)
    hits = run(replace(d, components=apart))["topology.cde-shared-host"]
    assert [(h.component, h.detail["others"], h.severity) for h in hits] == [
        ("api", ["worker"], "low"),
        ("db", ["worker"], "low"),
    ]
    assert hits[0].detail["assumed"] == (
        "api, db, worker have no host recorded: treated as sharing one host (host:(unrecorded))"
    )


def test_the_engine_the_containers_came_from_is_their_host() -> None:
    """No host recorded, but the containers were collected from one engine: they run on its
    host (docker info's Name), which is evidence, so nothing is assumed."""
    d = three_tier()
    engine = replace(
        d,
        components=tuple(replace(c, host="") for c in d.components),
        workloads=tuple(replace(w, origin="container") for w in d.workloads),
    )
    engine = with_daemon(engine, linux_info() | {"Name": "pay-host-1"}, evidence_id=12)
    hits = run(engine)["topology.cde-shared-host"]
    assert shape(hits) == [
        ("api", "host pay-host-1", "high", "api"),
        ("db", "host pay-host-1", "high", "db"),
    ]
    assert "assumed" not in hits[0].detail and hits[0].title == ""
    assert hits[0].detail["placed_by_engine"] == ["api", "proxy", "worker"]
    assert hits[0].evidence_id == 12
    # a recorded host still wins: the vault recorded on its own host shares nothing
    vault = tuple(replace(c, host="vault-host") if c.name == "db" else c for c in engine.components)
    hits = run(replace(engine, components=vault))["topology.cde-shared-host"]
    assert [(h.component, h.location) for h in hits] == [("api", "host pay-host-1")]
    # and where every component has its host recorded, the engine changes nothing
    recorded = replace(engine, components=d.components)
    assert run(recorded)["topology.cde-shared-host"] == run(d)["topology.cde-shared-host"]


def test_a_host_recorded_as_unrecorded_is_not_the_assumed_one() -> None:
    """Someone recorded the vault's host as the literal "(unrecorded)": that is a host of that
    name, not the one the others are assumed to share."""
    d = three_tier()
    odd = tuple(
        replace(c, host="(unrecorded)" if c.name == "db" else "") for c in d.components
    )  # fmt: skip
    hits = run(replace(d, components=odd))["topology.cde-shared-host"]
    assert [(h.component, h.detail["others"], h.severity) for h in hits] == [
        ("api", ["proxy", "worker"], "low")
    ]


# --- shared networks ----------------------------------------------------------------------------

CDE = ("cardholder-data",)


def service(name: str, **fields: Any) -> Workload:
    return Workload(name, name, "service", 5, **fields)


def test_a_sidecar_in_the_cde_namespace_is_on_the_cde_network() -> None:
    """metrics joins db's network namespace (`network_mode: service:db`): it is on db's network
    "back" without listing it, and shares that segment with the cardholder data."""
    d = Deployment(
        components=(ComponentFacts("db", data_classes=CDE), ComponentFacts("metrics")),
        workloads=(
            service("db", networks=("back",)),
            service("metrics", network_mode="service:db"),
            service("web", networks=("front",)),
        ),
        networks=(NetworkFacts("back", "service", 9), NetworkFacts("front", "service", 9)),
    )
    (hit,) = run(d)["topology.cde-shared-network"]
    assert (hit.component, hit.location, hit.evidence_id, hit.subject) == (
        "db",
        "network back",
        9,
        "back",
    )
    assert hit.detail == {"network": "back", "others": ["metrics"], "internet_facing": []}


def test_engine_and_compose_networks_of_one_name_are_two_networks() -> None:
    """The compose service pay is on compose's "back"; an engine container that happens to be
    called web is on the engine's "back". They share nothing. An engine container of pay's
    component on the engine's "back" does, and the location says which "back" it is."""
    d = Deployment(
        components=(ComponentFacts("pay", data_classes=CDE), ComponentFacts("web")),
        workloads=(
            service("pay", networks=("back",)),
            service("web", networks=("front",)),
            Workload("web", "web", "container", 7, networks=("back",)),
        ),
        networks=(NetworkFacts("back", "service", 5), NetworkFacts("back", "container", 6)),
    )
    assert "topology.cde-shared-network" not in run(d)
    pay_on_engine = Workload("shop-pay-1", "pay", "container", 8, networks=("back",))
    both = replace(
        d,
        workloads=(*d.workloads, pay_on_engine, service("cron", networks=("back",))),
        components=(*d.components, ComponentFacts("cron")),
    )
    hits = run(both)["topology.cde-shared-network"]
    assert [(h.component, h.location, h.evidence_id, h.detail["others"]) for h in hits] == [
        ("pay", "network back (compose)", 5, ["cron"]),
        ("pay", "network back (engine)", 6, ["web"]),
    ]


# --- shared volumes -----------------------------------------------------------------------------


def workload(name: str, component: str, *mounts: Mount, **fields: Any) -> Workload:
    return Workload(name, component, "container", hash(name) % 1000, mounts=mounts, **fields)


COMPONENTS = (
    ComponentFacts("web"),
    ComponentFacts("reports"),
    ComponentFacts("vault", data_classes=("cardholder-data",)),
)


def test_a_volume_written_by_one_component_and_read_by_another() -> None:
    d = Deployment(
        components=COMPONENTS,
        workloads=(
            workload("web-1", "web", Mount("volume", "uploads", "/srv/uploads")),
            workload("web-2", "web", Mount("volume", "uploads", "/srv/uploads")),
            workload("reports-1", "reports", Mount("volume", "uploads", "/in", read_only=True)),
            workload("cache-1", "web", Mount("volume", "cache", "/cache")),
        ),
    )
    hits = run(d)["topology.shared-volume"]
    assert shape(hits) == [
        ("reports", "volume uploads", "", "reports"),
        ("web", "volume uploads", "", "web"),
    ]
    assert hits[0].detail == {
        "storage": "volume uploads",
        "components": ["reports", "web"],
        "writers": ["web"],
        "workloads": ["container reports-1", "container web-1", "container web-2"],
    }


def test_nested_bind_folders_are_shared_and_sockets_are_left_alone() -> None:
    d = Deployment(
        components=COMPONENTS,
        workloads=(
            workload("web-1", "web", Mount("bind", "/srv/data/", "/data")),
            workload("vault-1", "vault", Mount("bind", "/srv/data/keys", "/keys", read_only=True)),
            workload("reports-1", "reports", Mount("bind", "/srv/database", "/db")),
            workload("web-2", "web", Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock")),
            workload("reports-2", "reports", Mount("bind", "/run/docker.sock", "/run/docker.sock")),
        ),
    )
    hits = run(d)["topology.shared-volume"]
    assert shape(hits) == [
        ("vault", "bind /srv/data", "high", "vault"),
        ("web", "bind /srv/data", "high", "web"),
    ]


def test_read_only_everywhere_is_not_reported() -> None:
    d = Deployment(
        components=COMPONENTS,
        workloads=(
            workload("web-1", "web", Mount("volume", "assets", "/a", read_only=True)),
            workload("reports-1", "reports", Mount("volume", "assets", "/a", read_only=True)),
            workload("web-2", "web", Mount("tmpfs", "", "/tmp")),
            workload("reports-2", "reports", Mount("tmpfs", "", "/tmp")),
        ),
    )
    assert "topology.shared-volume" not in run(d)


# --- shared namespaces --------------------------------------------------------------------------


def test_namespaces_joined_across_components() -> None:
    d = Deployment(
        components=COMPONENTS,
        workloads=(
            workload("vault-1", "vault"),
            workload("web-1", "web"),
            workload("debug", "reports", pid_mode="container:vault-1", ipc_mode="host"),
            workload("sidecar", "web", network_mode="container:web-1", ipc_mode="container:web-1"),
            workload("metrics", "reports", network_mode="service:web-1"),
            workload("ghost", "reports", ipc_mode="container:3f2a9c"),
            workload("plain", "reports", pid_mode="host", network_mode="bridge"),
        ),
    )
    hits = run(d)["topology.shared-namespace"]
    assert shape(hits) == [
        ("reports", "container debug pid container:vault-1", "high", "debug"),
        ("reports", "container metrics network service:web-1", "medium", "metrics"),
        ("reports", "container ghost ipc container:3f2a9c", "low", "ghost"),
    ]
    assert hits[2].detail == {
        "namespace": "ipc",
        "mode": "container:3f2a9c",
        "joins": "3f2a9c",
        "joins_component": None,
    }


# --- host facts ---------------------------------------------------------------------------------


def test_host_facts_of_a_stock_linux_engine() -> None:
    info = linux_info()
    info["Runtimes"] |= {
        "runsc": {"path": "/usr/local/bin/runsc"},
        "kata": {"runtimeType": "io.containerd.kata.v2"},
    }
    facts = host_facts(with_daemon(Deployment(), info))
    assert facts.known and facts.evidence_id == 7
    assert (facts.operating_system, facts.kernel, facts.docker_version) == (
        "Debian GNU/Linux 12 (bookworm)",
        "6.1.0-28-amd64",
        "24.0.7",
    )
    assert (facts.docker_desktop, facts.linuxkit, facts.rootless, facts.userns_remap) == (
        False,
        False,
        False,
        False,
    )
    assert facts.runtimes == ("io.containerd.runc.v2", "kata", "runc", "runsc")
    assert facts.sandboxed_runtimes == ("kata", "runsc") and not facts.default_sandboxed
    assert (facts.cgroup_version, facts.cgroup_driver) == ("2", "systemd")
    assert facts.virtualisation.verdict == "unknown" and not facts.virtualisation.established


def test_host_facts_of_docker_desktop_rootless_and_gvisor_by_default() -> None:
    facts = host_facts(with_daemon(Deployment(), desktop_info()))
    assert facts.docker_desktop and facts.linuxkit
    assert (facts.virtualisation.verdict, facts.virtualisation.technology) == (
        "virtual-machine",
        "Docker Desktop",
    )
    info = linux_info() | {
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless", "name=cgroupns"],
        "Runtimes": {"runc": {"path": "runc"}, "runsc": {"path": "/usr/bin/runsc"}},
        "DefaultRuntime": "runsc",
    }
    facts = host_facts(with_daemon(Deployment(), info))
    assert facts.rootless and facts.default_sandboxed
    wsl = linux_info() | {"KernelVersion": "5.15.153.1-microsoft-standard-WSL2"}
    verdict = host_facts(with_daemon(Deployment(), wsl)).virtualisation
    assert (verdict.verdict, verdict.technology) == ("virtual-machine", "wsl")


def attached(title: str, text: str, evidence_id: int = 40) -> Attachment:
    return Attachment(evidence_id, title, text)


HOSTNAMECTL_VM = """\
 Static hostname: pay-host-1
       Icon name: computer-vm
         Chassis: vm 🖴
  Virtualization: kvm
Operating System: Debian GNU/Linux 12 (bookworm)
          Kernel: Linux 6.1.0-28-amd64
"""

HOSTNAMECTL_METAL = """\
 Static hostname: pay-host-2
       Icon name: computer-server
         Chassis: server 🖳
Operating System: Debian GNU/Linux 12 (bookworm)
"""


@pytest.mark.parametrize(
    ("attachments", "verdict", "technology"),
    [
        ((attached("systemd-detect-virt", "none\n"),), "bare-metal", ""),
        ((attached("host virt", "kvm\n"),), "virtual-machine", "kvm"),
        ((attached("systemd-detect-virt on h1", "microsoft"),), "virtual-machine", "microsoft"),
        ((attached("systemd-detect-virt", "lxc"),), "container", "lxc"),
        ((attached("systemd-detect-virt", "wsl"),), "virtual-machine", "wsl"),
        ((attached("hostnamectl", HOSTNAMECTL_VM),), "virtual-machine", "kvm"),
        ((attached("hostnamectl", HOSTNAMECTL_METAL),), "bare-metal", ""),
        ((attached("hostnamectl", "Chassis: server\nVirtualization: none"),), "bare-metal", ""),
        (
            (attached("/sys/class/dmi/id/product_name", "VMware Virtual Platform\n"),),
            "virtual-machine",
            "VMware Virtual Platform",
        ),
        ((attached("product_name", "PowerEdge R750\n"),), "unknown", ""),  # says nothing
        ((attached("systemd-detect-virt", "docker"),), "unknown", ""),  # ran in a container
        ((attached("notes", "we run on none of the clouds"),), "unknown", ""),
        ((attached("junk", "\x00\xff" * 50_000 + "\nkvm"),), "unknown", ""),
    ],
)
def test_virtualisation_from_attached_host_evidence(
    attachments: tuple[Attachment, ...], verdict: str, technology: str
) -> None:
    found = host_facts(Deployment(attachments=attachments)).virtualisation
    assert (found.verdict, found.technology) == (verdict, technology)
    assert found.evidence_id == (40 if verdict != "unknown" else None)


def test_a_hypervisor_outweighs_a_none_and_the_conflict_is_kept() -> None:
    attachments = (
        attached("systemd-detect-virt", "none", 41),
        attached("systemd-detect-virt", "vmware", 42),
    )
    found = host_facts(Deployment(attachments=attachments)).virtualisation
    assert (found.verdict, found.evidence_id) == ("virtual-machine", 42)
    assert found.conflicts == (
        "attachment 'systemd-detect-virt': systemd-detect-virt says 'none', no virtualisation",
    )
    d = replace(three_tier(), attachments=attachments)
    assert "topology.virtualisation-unknown" not in run(d)


@pytest.mark.parametrize(
    "info",
    [
        {},
        {"Runtimes": ["runsc"], "SecurityOptions": {"name": "rootless"}, "KernelVersion": 6},
        {"OperatingSystem": ["Docker Desktop"], "Labels": "com.docker.desktop.address=x"},
    ],
)
def test_hostile_daemon_facts_give_empty_host_facts(info: Any) -> None:
    facts = host_facts(with_daemon(three_tier(), info))
    assert not facts.docker_desktop and facts.runtimes == () and facts.kernel == ""
    for found in run(with_daemon(three_tier(), info)).values():
        for hit in found:
            json.dumps(hit.detail)


@pytest.mark.docker
def test_host_facts_of_the_test_engine(docker_client: Any) -> None:
    info = docker_client.api.info()
    facts = host_facts(with_daemon(Deployment(), info))
    assert facts.known and facts.docker_version == info["ServerVersion"]
    assert (facts.operating_system, facts.kernel) == (
        info["OperatingSystem"],
        info["KernelVersion"],
    )
    assert facts.cgroup_version == info.get("CgroupVersion", "")
    assert set(facts.runtimes) == set(info["Runtimes"])
    desktop = info["OperatingSystem"] == "Docker Desktop"
    assert facts.docker_desktop == desktop
    vm_kernel = (
        info["KernelVersion"].endswith(("-linuxkit", "-moby"))
        or "microsoft" in info["KernelVersion"]
    )
    # no attachment: only Docker Desktop, LinuxKit or WSL 2 can tell from the daemon's side
    assert facts.virtualisation.established == (desktop or vm_kernel)
    if not facts.virtualisation.established:
        assert facts.virtualisation.basis.endswith("ask the team")
