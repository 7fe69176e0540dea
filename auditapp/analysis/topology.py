"""Topology rules: where components run relative to each other — cardholder-data components
sharing a host or a network with others (PCI DSS 2.2.3), volumes and namespaces shared across
components, whether Docker is known to run virtualised, Docker Desktop under a CDE.

What the host is comes from `host_facts`. Runtime socket mounts and privileged containers are
the runtime rules' (CIS 5.32, 5.5): host facts list them, no rule here judges them again.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from auditapp.analysis.host_facts import HostFacts, Virtualisation, host_facts
from auditapp.analysis.host_placement import place_on_hosts
from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import Deployment, Mount, Origin, Workload
from auditapp.analysis.network_exposure import Attachments, endpoint
from auditapp.analysis.runtime_sockets import exposes_runtime

__all__ = ["RULES", "HostFacts", "Virtualisation", "host_facts"]

RECORD_HOSTS = (
    "record the host each component runs on (`auditapp component set NAME --host HOST`), or "
    "collect its containers from the engine that runs them"
)
NAMESPACE_SEVERITY = {"pid": "high", "ipc": "medium", "network": "medium"}
QUESTION = "Does the Docker Engine run on a virtual machine, on bare metal, or in a container?"
HOW_TO_ANSWER = (
    "attach the output of `systemd-detect-virt` (or `hostnamectl`) run on the Docker host, or "
    "answer the checklist's virtualisation question"
)


def _holders(d: Deployment) -> frozenset[str]:
    return frozenset(c.name for c in d.components if c.holds_cardholder_data)


def _internet_facing(d: Deployment) -> frozenset[str]:
    return frozenset(c.name for c in d.components if c.internet_facing)


@rule(
    "topology.cde-shared-host",
    "Cardholder-data component shares a host with other components",
    "medium",
    scope="component",
    pci=("2.2.3", "1.3.1", "1.3.2"),
    reads=("engine-container", "engine-daemon"),
    fails="share a host with components that hold no cardholder data",
)
def cde_shared_host(d: Deployment) -> Iterator[Hit]:
    """A component that holds cardholder data runs on the same host as components that do not.
    One finding per cardholder-data component.

    Where each component runs is `host_placement`'s answer, the one the blast radius uses: the
    host recorded on the component, else the host of the Docker Engine its containers were
    collected from. Components with neither are assumed to share one host; a finding that
    rests on that assumption is an open question, not a failure: it says so in its title and
    in `assumed`, its verdict is "unknown" and its severity low, and recording the hosts
    confirms or clears it.

    Containers on one host share its kernel: an escape from the least trusted container
    reaches every other one. PCI DSS 2.2.3 asks that functions of different security levels on
    one system be isolated from each other or all secured to the highest level; mixing them
    also pulls every co-located component into PCI scope. High when an internet-facing
    component shares the host.

    Fix: run the cardholder-data components on hosts (or VMs) of their own, or harden and
    monitor every co-located component to the CDE's level and document it.
    """
    holders, facing = _holders(d), _internet_facing(d)
    hosts = place_on_hosts(d)
    for c in d.components:
        placed = hosts.placements.get(c.name)
        if c.name not in holders or placed is None:
            continue
        others = [o for o in hosts.sharing(c.name) if o not in holders]
        if not others:
            continue
        detail: dict[str, object] = {
            "host": placed.host,
            "others": others,
            "internet_facing": sorted(facing & {*others}),
        }
        title, evidence = "", None
        severity = "high" if facing & {*others} else ""
        if placed.assumed:  # sharing is assumed, not shown: a question for people
            detail |= {"assumed": hosts.assumptions[0], "verdict": "unknown", "hint": RECORD_HOSTS}
            title = "Cardholder-data component may share a host with others (no host recorded)"
            severity = "low"
        by_engine = [n for n in (c.name, *others) if hosts.placements[n].basis == "engine"]
        if by_engine:  # placed by the engine their containers were collected from
            detail["placed_by_engine"] = by_engine
            evidence = hosts.placements[by_engine[0]].evidence_id
        yield Hit(
            c.name,
            f"host {placed.host}",
            evidence,
            detail,
            title=title,
            severity=severity,
            subject=c.name,
        )


@rule(
    "topology.cde-shared-network",
    "Cardholder-data component shares a network with other components",
    "low",
    scope="network",
    pci=("2.2.3", "1.3.1", "1.4.1"),
    reads=("engine-container", "engine-network", "compose"),
    fails="mix cardholder-data components with others",
)
def cde_shared_network(d: Deployment) -> Iterator[Hit]:
    """A network joins a component that holds cardholder data with components that do not.
    One finding per cardholder-data component and network.

    Who is on a network is `network_exposure.Attachments`'s answer: the networks a workload
    lists or a network names it on, and those of the container or service whose namespace it
    joins (`network_mode: service:db`), engine and compose networks kept apart.

    Whatever shares the CDE's network segment is in PCI scope and can reach the CDE's ports
    unless something filters them (PCI DSS 2.2.3, 1.3.1). This is the segmentation view; that
    the pair also needs a declared flow is `network.undeclared-shared-network`'s concern.
    Medium when an internet-facing component is on the network: a DMZ component on the CDE's
    segment, with no network control between them (PCI DSS 1.4.1).

    Fix: put the cardholder-data components on networks of their own and let only the
    components of a declared flow join them (a proxy in front of the CDE gets one leg there).
    """
    holders, facing = _holders(d), _internet_facing(d)
    attached = Attachments(d)
    on: dict[tuple[str, Origin], set[str]] = {}
    evidence: dict[tuple[str, Origin], int | None] = {}
    for w in d.workloads:
        for name in attached.networks(w):
            facts = attached.facts(w, name)
            if facts.driver != "null":
                on.setdefault((name, w.origin), set()).add(endpoint(w))
                evidence[(name, w.origin)] = facts.evidence_id
    both = {name for name, origin in on if (name, "container") in on and (name, "service") in on}
    order = {(n.name, n.origin): i for i, n in enumerate(d.networks)}  # as the evidence lists
    for (name, origin), members in sorted(
        on.items(), key=lambda i: (order.get(i[0], len(order)), i[0])
    ):
        others = sorted(members - holders)
        # an engine and a compose network of one name are two networks: the location says which
        where = f"network {name}" + (f" ({_SIDES[origin]})" if name in both else "")
        for holder in sorted(members & holders) if others else ():
            exposed = sorted(facing & {*others})
            yield Hit(
                holder,
                where,
                evidence[(name, origin)],
                {"network": name, "others": others, "internet_facing": exposed},
                severity="medium" if exposed else "",
                subject=name,
            )


_SIDES: dict[Origin, str] = {"container": "engine", "service": "compose"}


@rule(
    "topology.shared-volume",
    "Writable storage shared between components",
    "medium",
    scope="component",
    pci=("2.2.3", "7.2.1"),
    reads=("engine-container", "compose"),
    fails="share writable storage with another component",
)
def shared_volume(d: Deployment) -> Iterator[Hit]:
    """A named volume or host folder mounted by workloads of two or more components, written by
    at least one of them. One finding per component and volume.

    A component that can write what another reads can plant files, configuration or code in
    it: a path from one to the other that no network control sees (PCI DSS 2.2.3: isolate
    functions; 7.2.1: access by need). High when the volume joins a cardholder-data component
    with one that holds none. Mounts that expose the container runtime's socket (the socket, a
    folder holding it, the host's root) are left to CIS 5.32's rule.

    Fix: give each component its own volume; pass data through a declared flow; if sharing is
    needed, mount it read-only everywhere but in the one writer and document it.
    """
    holders = _holders(d)
    for key, uses in _shared_storage(d).items():
        components = sorted({w.component for w, _ in uses})
        writers = sorted({w.component for w, m in uses if not m.read_only})
        if len(components) < 2 or not writers:
            continue
        mixed = bool(holders & {*components}) and bool({*components} - holders)
        for component in components:
            yield Hit(
                component,
                key,
                next(w.evidence_id for w, _ in uses if w.component == component),
                {
                    "storage": key,
                    "components": components,
                    "writers": writers,
                    "workloads": sorted({w.label for w, _ in uses}),
                },
                severity="high" if mixed else "",
                subject=component,
            )


def _shared_storage(d: Deployment) -> dict[str, list[tuple[Workload, Mount]]]:
    """Mounts grouped by what they share: a named volume by name, a host folder by the
    outermost folder another mount also reaches (a bind of /srv/data and one of
    /srv/data/in share /srv/data)."""
    volumes: dict[str, list[tuple[Workload, Mount]]] = {}
    binds: list[tuple[str, Workload, Mount]] = []
    for w in d.workloads:
        for m in w.mounts:
            if m.type == "volume" and m.source:
                volumes.setdefault(f"volume {m.source}", []).append((w, m))
            elif m.type == "bind" and m.source.startswith("/") and not exposes_runtime(m):
                binds.append((posixpath.normpath(m.source), w, m))
    roots = sorted({path for path, _, _ in binds}, key=len)
    for path, w, m in binds:
        root = next(r for r in roots if path == r or path.startswith(r.rstrip("/") + "/"))
        volumes.setdefault(f"bind {root}", []).append((w, m))
    return volumes


@rule(
    "topology.shared-namespace",
    "Namespace shared with another component's container",
    "medium",
    scope="workload",
    pci=("2.2.3", "2.2.6"),
    reads=("engine-container", "compose"),
    fails="join another component's namespaces",
)
def shared_namespace(d: Deployment) -> Iterator[Hit]:
    """A workload joins the PID, IPC or network namespace of a container of another component
    (`pid: container:x`, `network_mode: service:x`). One finding per workload and namespace.

    Sharing a PID namespace lets one side see, signal and (with ptrace) enter the other's
    processes (high); IPC shares its memory segments; network shares its interfaces and every
    port on localhost. Between components of different purpose this erases the isolation PCI
    DSS 2.2.3 asks for. Sidecars of one component are not reported; the host's namespaces are
    CIS 5.10, 5.16 and 5.17's rules. A target no evidence names is reported low, to be checked.

    Fix: drop the shared namespace; talk over a declared network flow instead.
    """
    owners = {w.name: w.component for w in d.workloads}
    for w in d.workloads:
        for kind, mode in (("pid", w.pid_mode), ("ipc", w.ipc_mode), ("network", w.network_mode)):
            prefix, _, target = mode.partition(":")
            if prefix not in ("container", "service") or not target:
                continue
            owner = owners.get(target)
            if owner == w.component:
                continue
            yield Hit(
                w.component,
                f"{w.label} {kind} {mode}",
                w.evidence_id,
                {"namespace": kind, "mode": mode, "joins": target, "joins_component": owner},
                severity="low" if owner is None else NAMESPACE_SEVERITY[kind],
                subject=w.name,
            )


@rule(
    "topology.virtualisation-unknown",
    "Whether Docker runs virtualised is not established",
    "info",
    scope="deployment",
    pci=("12.5.1", "2.2.3"),
    reads=("engine-daemon", "attachment"),
    fails="leave open whether Docker runs virtualised",
)
def virtualisation_unknown(d: Deployment) -> Iterator[Hit]:
    """Neither the daemon's facts nor attached host evidence say whether the Docker host is a
    virtual machine, bare metal, or itself a container.

    The answer decides what else is in PCI scope: a hypervisor and its management plane are
    system components (PCI DSS scope; 12.5.1 inventory), and other guests on it are neighbours
    whose isolation 2.2.3 asks about. The question is put to the team in the checklist.

    Fix: attach `systemd-detect-virt` (or `hostnamectl`) output from the Docker host, or answer
    the checklist item.
    """
    facts = host_facts(d)
    if not facts.virtualisation.established:
        yield Hit(
            "",
            "host virtualisation",
            facts.evidence_id,
            {
                "verdict": "unknown",
                "question": QUESTION,
                "hint": HOW_TO_ANSWER,
                "host": facts.name,
                "kernel": facts.kernel,
            },
            subject="deployment",
        )


@rule(
    "topology.docker-desktop-cde",
    "Cardholder data on Docker Desktop",
    "medium",
    scope="component",
    pci=("2.2.1", "12.5.1"),
    reads=("engine-daemon",),
    fails="hold cardholder data on Docker Desktop",
)
def docker_desktop_cde(d: Deployment) -> Iterator[Hit]:
    """The engine is Docker Desktop and components holding cardholder data run on it. One
    finding per such component.

    Docker Desktop is a developer tool: a VM on a workstation, updated by its user, with file
    sharing to the desktop and settings outside the team's configuration standards. Running a
    CDE on it puts the workstation and its user in scope (PCI DSS 12.5.1) and leaves the
    platform out of the hardening standard (2.2.1). Often it just means the evidence came from
    a developer's machine, not production: collect again from the production engine.

    Fix: run the CDE on a managed Docker Engine host; collect the evidence from there.
    """
    facts = host_facts(d)
    if not facts.docker_desktop:
        return
    for c in d.components:
        if c.holds_cardholder_data:
            detail = {"engine": facts.operating_system, "kernel": facts.kernel, "host": facts.name}
            yield Hit(c.name, "daemon Docker Desktop", facts.evidence_id, detail, subject=c.name)


RULES = (
    cde_shared_host,
    cde_shared_network,
    shared_volume,
    shared_namespace,
    virtualisation_unknown,
    docker_desktop_cde,
)
