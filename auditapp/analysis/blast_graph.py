"""The reach graph: which component, zone or host can reach which, and how.

Nodes are component names, zones ("zone:internet") and hosts ("host:h1"). An edge A → B means
an attacker who owns A can reach (or control) B; its data says how: `kind`, `reason` (a sentence
for people), `via` (a short label such as "front:8080"), `port` and `evidence` (the evidence id
the edge was read from). A DiGraph keeps one edge per pair, so the strongest way wins.

The graph is an over-approximation of what the evidence allows, never a guess beyond it.
Docker lets a container reach every port of the others on a network they share, so a peer
that declares no port is still reached there (the edge's `port` is None: whatever it listens
on); who shares a network is `network_exposure.Attachments`'s answer, which hosts the
components run on `host_placement`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditapp.analysis.host_placement import HOST_PREFIX as HOST_PREFIX  # the PDF's too
from auditapp.analysis.host_placement import Hosts, component_names, place_on_hosts
from auditapp.analysis.model import ZONE_PREFIX, ZONES, Deployment, Mount, Workload
from auditapp.analysis.network_exposure import Attachments
from auditapp.analysis.runtime_sockets import exposes_runtime, runtime_exposures

if TYPE_CHECKING:  # networkx takes a second to import: only when a graph is built
    import networkx as nx  # type: ignore[import-untyped, unused-ignore]

INTERNET = f"{ZONE_PREFIX}internet"
# How strong each way in is; when two ways join the same pair, the stronger one is kept.
STRENGTH = {
    "privileged": 9,
    "docker.sock": 8,
    "host-control": 7,
    "host-pid": 6,
    "host-network": 5,
    "host-ipc": 5,
    "shared-pid": 4,
    "shared-netns": 4,
    "shared-ipc": 3,
    "shared-volume": 3,
    "shared-network": 2,
    "published-port": 1,
    "declared-flow": 1,
}
# Ways that give control of a host or of other containers outright, not just a port to attack.
STRONG_KINDS = frozenset(
    {"privileged", "docker.sock", "host-control", "host-pid", "host-ipc", "host-network"}
)


def reach_graph(deployment: Deployment) -> nx.DiGraph[str]:
    """The reach graph of a deployment (a `networkx.DiGraph`); `graph["assumptions"]` lists
    what the evidence did not say and had to be assumed."""
    d = deployment
    hosts = place_on_hosts(d)
    import networkx as nx  # type: ignore[import-untyped, unused-ignore]

    g: nx.DiGraph[str] = nx.DiGraph(assumptions=hosts.assumptions)
    facts = {c.name: c for c in d.components}
    for name in component_names(d):
        c = facts.get(name)
        g.add_node(
            name,
            kind="component",
            host=hosts.of[name],
            internet_facing=bool(c and c.internet_facing),
            holds_cardholder_data=bool(c and c.holds_cardholder_data),
        )
    for zone in ZONES:
        g.add_node(f"{ZONE_PREFIX}{zone}", kind="zone")
    for host in sorted(set(hosts.of.values())):
        g.add_node(host, kind="host")
        for member in hosts.members(host):
            reason = f"root on {host} controls every container on it"
            _add(g, host, member, "host-control", reason, via=f"control of {host}")
    for edge in _edges(d, hosts):
        _add(g, *edge)
    return g


Edge = tuple[str, str, str, str, int | None, int | None, str]  # src, dst, kind, reason, ...


def _add(
    g: Any,
    source: str,
    target: str,
    kind: str,
    reason: str,
    port: int | None = None,
    evidence: int | None = None,
    via: str = "",
) -> None:
    if source == target or not source or not target:
        return
    old = g.get_edge_data(source, target)
    if old is not None and STRENGTH[old["kind"]] >= STRENGTH[kind]:
        return
    via = via or kind
    g.add_edge(source, target, kind=kind, reason=reason, port=port, evidence=evidence, via=via)


def _edges(d: Deployment, hosts: Hosts) -> Iterator[Edge]:
    yield from _internet_edges(d)
    yield from _declared_edges(d)
    yield from _network_edges(d, Attachments(d))
    yield from _volume_edges(d, hosts)
    by_name = {w.name: w.component for w in d.workloads}
    components = set(component_names(d))
    for w in sorted(d.workloads, key=lambda w: w.name):
        yield from _host_edges(d, w, hosts, by_name, components)


def _listening_ports(w: Workload) -> list[int]:
    ports = {p for p, _ in w.exposed} | {p.container_port for p in w.ports}
    return sorted(p for p in ports if isinstance(p, int) and p > 0)


def _internet_edges(d: Deployment) -> Iterator[Edge]:
    facing = {c.name for c in d.components if c.internet_facing}
    names = set(component_names(d))
    declared: dict[str, list[tuple[str, int]]] = {}
    for f in d.flows:
        if f.source.startswith(ZONE_PREFIX) and f.destination in names:
            declared.setdefault(f.destination, []).append((f.source, f.port))
            if f.source != INTERNET:
                yield (
                    f.source,
                    f.destination,
                    "declared-flow",
                    f"flow #{f.id} from {f.source} to {f.destination} on {f.port}/{f.protocol}",
                    f.port,
                    None,
                    f"declared flow {f.port}/{f.protocol}",
                )
    open_to_world = facing | {c for c, fs in declared.items() if any(z in _PUBLIC for z, _ in fs)}
    for name in sorted(open_to_world):
        wanted = [p for z, p in declared.get(name, []) if z in _PUBLIC]
        yield _internet_edge(d, name, wanted, name in facing)


_PUBLIC = (INTERNET, f"{ZONE_PREFIX}end-users")


def _declared_edges(d: Deployment) -> Iterator[Edge]:
    """A flow people declared between two components is a connection that exists, whatever
    the collected evidence shows (an image that was not collected may expose the port): who
    owns the source can use it."""
    names = set(component_names(d))
    for f in sorted(d.flows, key=lambda f: f.id):
        if f.source in names and f.destination in names:
            yield (
                f.source,
                f.destination,
                "declared-flow",
                f"flow #{f.id}: {f.source} connects to {f.destination} on {f.port}/{f.protocol}",
                f.port,
                None,
                f"declared flow {f.port}/{f.protocol}",
            )


def _internet_edge(d: Deployment, name: str, wanted: list[int], facing: bool) -> Edge:
    for w in d.workloads_of(name):
        public = [p for p in w.ports if not _loopback(p.host_ip)]
        public.sort(key=lambda p: (p.host_port not in wanted, p.host_port or p.container_port))
        if public:
            first = public[0]
            number = first.host_port or first.container_port
            where = "every interface" if first.all_interfaces else first.host_ip
            reason = f"{w.label} publishes {number}/{first.protocol} on {where}"
            return (
                INTERNET,
                name,
                "published-port",
                reason,
                number,
                w.evidence_id,
                f"port {number}",
            )
    why = "declared internet-facing" if facing else "a declared flow comes from outside"
    port = wanted[0] if wanted else None
    return (INTERNET, name, "declared-flow", f"{name}: {why}", port, None, "declared")


def _loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip in ("::1", "[::1]", "localhost")


def _network_edges(d: Deployment, attached: Attachments) -> Iterator[Edge]:
    """One edge per pair of components that reach each other over a shared network, named by
    the first network they share, and by a workload of the target that declares a port if
    one does."""
    listening = {w.label: _listening_ports(w) for w in d.workloads}
    chosen: dict[tuple[str, str], tuple[str, Workload, Workload]] = {}
    for net, a, b in attached.reachable_pairs():
        pair = (a.component, b.component)
        if not a.component or not b.component:
            continue
        if pair not in chosen or (listening[b.label] and not listening[chosen[pair][2].label]):
            chosen[pair] = (net, a, b)
    for net, a, b in chosen.values():
        ports = listening[b.label]
        shared = f"{a.label} and {b.label} share network {net}"
        if ports:
            listed = ", ".join(str(p) for p in ports)
            reason, via = f"{shared}; {b.name} listens on {listed}", f"{net}:{ports[0]}"
        else:
            any_port = f"{b.name} declares no port, so any port it listens on is open to {a.name}"
            reason, via = f"{shared}; {any_port}", net
        port = ports[0] if ports else None
        yield (
            a.component,
            b.component,
            "shared-network",
            reason,
            port,
            b.evidence_id,
            f"shared network {via}",
        )


def _volume_edges(d: Deployment, hosts: Hosts) -> Iterator[Edge]:
    # Volumes and bind paths are local to a host, so the same name on two hosts is not shared.
    users: dict[tuple[str, str, str], list[tuple[Workload, Mount]]] = {}
    for w in d.workloads:
        for m in w.mounts:
            if m.type in ("volume", "bind") and m.source and not exposes_runtime(m):
                source = m.source.rstrip("/") or "/"
                key = (hosts.of.get(w.component, ""), m.type, source)
                users.setdefault(key, []).append((w, m))
    for (_, kind, source), mounts in sorted(users.items()):
        for writer, wm in mounts:
            if wm.read_only:
                continue
            for reader, _ in mounts:
                if reader.component == writer.component:
                    continue
                what = "volume" if kind == "volume" else "host path"
                reason = (
                    f"{writer.label} writes to {what} {source}, which {reader.label} also mounts"
                )
                yield (
                    writer.component,
                    reader.component,
                    "shared-volume",
                    reason,
                    None,
                    writer.evidence_id,
                    f"shared {what} {source}",
                )


_NAMESPACES = {"pid": "PID namespace", "ipc": "IPC namespace", "net": "network stack"}


def _host_edges(
    d: Deployment, w: Workload, hosts: Hosts, by_name: dict[str, str], components: set[str]
) -> Iterator[Edge]:
    a, host, ev = w.component, hosts.of.get(w.component, ""), w.evidence_id
    if w.privileged:
        yield a, host, "privileged", f"{w.label} runs privileged: root on {host}", None, ev, ""
    # Whoever talks to the runtime's socket starts privileged containers: a read-only bind
    # changes nothing. The edge kind stays "docker.sock" whichever runtime it is.
    for exposed in runtime_exposures(w)[:1]:
        said, via = exposed.what, exposed.label
        reason = f"{w.label} mounts {said}: it can start a privileged container"
        yield a, host, "docker.sock", reason, None, ev, via
        for member in hosts.members(host):
            reason = f"{w.label} mounts {said}: it controls every container on {host}"
            yield a, member, "docker.sock", reason, None, ev, via
    for mode, space in ((w.pid_mode, "pid"), (w.ipc_mode, "ipc"), (w.network_mode, "net")):
        said = _NAMESPACES[space]
        if mode == "host":
            kind = "host-network" if space == "net" else f"host-{space}"
            yield a, host, kind, f"{w.label} shares the host's {said}", None, ev, ""
        elif mode.startswith(("container:", "service:")):
            joined = mode.split(":", 1)[1]
            target = by_name.get(joined, joined if joined in components else "")
            kind = "shared-netns" if space == "net" else f"shared-{space}"
            reason = f"{w.label} joins the {said} of {joined}"
            yield a, target, kind, reason, None, ev, ""
    if w.network_mode == "host":
        for other in d.workloads:
            if hosts.of.get(other.component) != host or not other.ports:
                continue
            p = other.ports[0]
            port = p.host_port or p.container_port
            reason = f"{w.label} is on the host's network, where {other.label} publishes {port}"
            yield a, other.component, "host-network", reason, port, ev, f"host network:{port}"
