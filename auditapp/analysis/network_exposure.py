"""What each workload exposes, how and to whom, as the evidence shows it: ports published on
the host (every interface, one address, loopback), the host network, and the networks it
shares with other components.

Docker lets every container on a network reach every port of its peers (unless the bridge
turns inter-container traffic off), so "reachable on a shared network" needs no published
port; exposed ports only tell us where something listens. `Attachments` is the one answer to
"who reaches whom over a shared network": the flows and exposure rules, the reach graph, the
threats and the diagrams ask it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from auditapp.analysis.model import Deployment, NetworkFacts, Origin, Workload

Reach = Literal["all-interfaces", "host-ip", "loopback", "host-network", "network"]
PUBLISHED: tuple[Reach, ...] = ("all-interfaces", "host-ip", "loopback", "host-network")
_NOT_NETWORKS = ("", "default", "host", "none")  # network modes that name no network to join
_NO_PEERS = ("", "host", "none")  # "networks" nobody shares: the host's stack, the null one
DEFAULT_BRIDGE = "bridge"


@dataclass(frozen=True)
class Exposure:
    """One way into a workload.

    `port` is the container port; None when the workload declares no port at all, so any
    port it listens on is open this way. A published port on a workload attached only to
    internal networks is `internal`: Docker does not publish it.
    """

    component: str
    workload: str
    label: str
    evidence_id: int | None
    reach: Reach
    port: int | None
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None
    network: str = ""  # reach "network": the network shared
    internal: bool = False
    peers: tuple[str, ...] = ()  # reach "network": the components that reach it there

    @property
    def published(self) -> bool:
        return self.reach in PUBLISHED

    @property
    def off_host(self) -> bool:
        """Reachable from beyond the host: a non-loopback address or the host network."""
        return self.reach in ("all-interfaces", "host-ip", "host-network") and not self.internal

    @property
    def port_text(self) -> str:
        return "any port" if self.port is None else f"{self.port}/{self.protocol}"

    @property
    def where(self) -> str:
        """Where the port is open: "every interface", "10.0.0.5", "network back (internal)"."""
        host = f" as {self.host_port}" if self.host_port is not None else ""
        match self.reach:
            case "all-interfaces":
                return f"every interface{host}"
            case "host-ip" | "loopback":
                return f"{self.host_ip}{host}"
            case "host-network":
                return "host network"
            case _:
                return f"network {self.network}" + (" (internal)" if self.internal else "")

    @property
    def audience(self) -> str:
        """Who can reach it this way."""
        if self.reach == "network":
            return ", ".join(self.peers)
        if self.internal:
            return "nobody: only on internal networks, so not published"
        if self.reach == "loopback":
            return "the host only"
        return "whoever reaches the host"

    def describe(self) -> str:
        """How a person reads it: "8081/tcp published on every interface (host port 8081)"."""
        host = f" (host port {self.host_port})" if self.host_port is not None else ""
        internal = ", but only on internal networks, so Docker does not publish it"
        match self.reach:
            case "all-interfaces":
                text = f"{self.port_text} published on every interface{host}"
            case "host-ip":
                text = f"{self.port_text} published on {self.host_ip}{host}"
            case "loopback":
                text = f"{self.port_text} published on loopback {self.host_ip}{host}"
            case "host-network":
                return f"{self.port_text} on the host network (every host interface)"
            case _:
                who = ", ".join(self.peers)
                kind = "internal network" if self.internal else "network"
                return f"{self.port_text} reachable on {kind} {self.network} from {who}"
        return text + (internal if self.internal else "")


def endpoint(workload: Workload) -> str:
    """The component a workload belongs to; its own name when it belongs to none."""
    return workload.component or workload.name


def is_loopback(host_ip: str) -> bool:
    address = host_ip.strip("[]").lower()
    return address.startswith("127.") or address in ("::1", "localhost", "0:0:0:0:0:0:0:1")


def listening(workload: Workload) -> tuple[tuple[int, str], ...]:
    """The (port, protocol) pairs a workload is known to listen on: exposed or published."""
    known = {(port, proto.lower()) for port, proto in workload.exposed}
    known |= {(p.container_port, p.protocol.lower()) for p in workload.ports}
    return tuple(sorted(known))


class Attachments:
    """Which networks each workload is on and whom it reaches there, resolved once.

    A workload is on the networks it lists, those whose members name it, and its
    `network_mode` when that names a network; `container:X` / `service:X` puts it on X's
    networks (it shares X's namespace), `host` and `none` on none. Engine networks and
    compose networks are kept apart (`origin`): a compose network "back" is not the engine's.
    Members of a network reach every port of one another unless inter-container traffic is
    off there: the network's own `enable_icc` option, or, on the default bridge only, the
    daemon-wide `icc: false` of daemon.json. What the engine reports of the network wins: a
    default bridge inspected with icc on is open whatever daemon.json says (the file may be
    stale, or never applied by a restart); daemon.json speaks only for a bridge not inspected.
    """

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._facts = {(n.origin, n.name): n for n in deployment.networks}
        config = deployment.daemon.config if deployment.daemon is not None else None
        self._bridge_icc_off = config is not None and config.get("icc") is False
        direct: dict[str, set[str]] = {}
        by_name: dict[tuple[str, str], Workload] = {}
        for w in deployment.workloads:
            by_name.setdefault((w.origin, w.name), w)
            names = {n for n in w.networks if n not in _NO_PEERS}
            if w.network_mode not in _NOT_NETWORKS and ":" not in w.network_mode:
                names.add(w.network_mode)
            direct[w.label] = names
        for n in deployment.networks:
            for member in n.members if n.name not in _NO_PEERS else ():
                if (n.origin, member) in by_name:
                    direct[by_name[(n.origin, member)].label].add(n.name)
        self._networks: dict[str, tuple[str, ...]] = {}
        members: dict[tuple[str, Origin], list[Workload]] = {}
        for w in deployment.workloads:
            mode, _, other = w.network_mode.partition(":")
            if mode in ("container", "service") and other:
                # Sharing another workload's namespace means sharing its networks.
                shared = by_name.get((w.origin, other))
                names = direct.get(shared.label, set()) if shared else set()
            elif w.network_mode in ("host", "none"):
                names = set()
            else:
                names = direct[w.label]
            self._networks[w.label] = tuple(sorted(names))
            for name in names:
                members.setdefault((name, w.origin), []).append(w)
        self._members = {
            key: tuple(sorted(ws, key=lambda w: w.name)) for key, ws in sorted(members.items())
        }

    def networks(self, workload: Workload) -> tuple[str, ...]:
        return self._networks.get(workload.label, ())

    def facts(self, workload: Workload, network: str) -> NetworkFacts:
        return self._facts_of(workload.origin, network)

    def _facts_of(self, origin: Origin, network: str) -> NetworkFacts:
        return self._facts.get((origin, network)) or NetworkFacts(network, origin, None)

    def isolates(self, workload: Workload, network: str) -> bool:
        """True when the network keeps its members from reaching one another (icc off)."""
        return self._isolated(workload.origin, network)

    def _isolated(self, origin: Origin, network: str) -> bool:
        facts = self._facts_of(origin, network)
        if facts.icc is not None:  # the engine said: it outranks a file it may not have read
            return not facts.icc
        # daemon.json's "icc": false governs the default bridge only, not user networks
        default = facts.default_bridge or network == DEFAULT_BRIDGE
        return self._bridge_icc_off and default

    def internal_only(self, workload: Workload) -> bool:
        """Attached to networks, all of them internal: no route to or from the outside."""
        names = self.networks(workload)
        return bool(names) and all(self.facts(workload, n).internal for n in names)

    def routes_out(self, workload: Workload) -> bool:
        """Can open connections beyond its networks: the host network or a non-internal one."""
        if workload.network_mode == "host":
            return True
        return any(not self.facts(workload, n).internal for n in self.networks(workload))

    def peers(self, workload: Workload, network: str) -> tuple[str, ...]:
        """Other components attached to the same network (on the same side: engine or compose)."""
        if self.isolates(workload, network):
            return ()
        on = self._members.get((network, workload.origin), ())
        return tuple(sorted({endpoint(o) for o in on} - {endpoint(workload)}))

    def shared(self, a: Workload, b: Workload) -> tuple[str, ...]:
        """The networks on which `a` and `b` reach each other."""
        if a.origin != b.origin:
            return ()
        common = set(self.networks(a)) & set(self.networks(b))
        return tuple(sorted(n for n in common if not self.isolates(a, n)))

    def reachable_pairs(self) -> Iterator[tuple[str, Workload, Workload]]:
        """(network, a, b) for every workload `a` that reaches workload `b` of another component
        on a network they share: by network, side, then the workloads' names."""
        for (network, origin), on in self._members.items():
            if self._isolated(origin, network):
                continue
            for a in on:
                for b in on:
                    if endpoint(a) != endpoint(b):
                        yield network, a, b

    def neighbours(self, component: str) -> dict[str, tuple[str, ...]]:
        """The other components `component`'s workloads reach over shared networks, with the
        networks (sorted) they share; a workload's component is its own name if it has none."""
        return dict(self._neighbourhood.get(component, {}))

    @cached_property  # the threats ask it for every cardholder-data component
    def _neighbourhood(self) -> dict[str, dict[str, tuple[str, ...]]]:
        found: dict[str, dict[str, set[str]]] = {}
        for network, a, b in self.reachable_pairs():
            found.setdefault(endpoint(a), {}).setdefault(endpoint(b), set()).add(network)
        return {
            component: {name: tuple(sorted(nets)) for name, nets in sorted(reached.items())}
            for component, reached in found.items()
        }


def observed_exposure(deployment: Deployment) -> list[Exposure]:
    """Every way into every workload, ordered by component, workload, then how."""
    attached = Attachments(deployment)
    found: list[Exposure] = []
    for w in deployment.workloads:
        found.extend(workload_exposures(w, attached))
    return sorted(found, key=_order)


def workload_exposures(w: Workload, attached: Attachments) -> Iterator[Exposure]:
    """The ways into one workload (unsorted)."""
    base = Exposure(endpoint(w), w.name, w.label, w.evidence_id, "network", None)
    ports: tuple[tuple[int | None, str], ...] = listening(w) or ((None, "tcp"),)
    if w.network_mode == "host":
        # Docker ignores published ports on the host network: everything it listens on is open.
        for port, protocol in ports:
            yield replace(base, reach="host-network", port=port, protocol=protocol)
        return
    if w.network_mode == "none":
        return
    internal = attached.internal_only(w)
    for p in w.ports:
        yield replace(
            base,
            reach=_reach(p.host_ip, p.all_interfaces),
            port=p.container_port,
            protocol=p.protocol.lower(),
            host_ip=p.host_ip,
            host_port=p.host_port,
            internal=internal,
        )
    for network in attached.networks(w):
        peers = attached.peers(w, network)
        internal = attached.facts(w, network).internal
        for port, protocol in ports if peers else ():
            yield replace(
                base, port=port, protocol=protocol, network=network, internal=internal, peers=peers
            )


def _reach(host_ip: str, all_interfaces: bool) -> Reach:
    if is_loopback(host_ip):
        return "loopback"
    return "all-interfaces" if all_interfaces else "host-ip"


def _order(e: Exposure) -> tuple[str, str, int, str, int, str]:
    how = PUBLISHED.index(e.reach) if e.published else len(PUBLISHED)
    return (e.component, e.label, how, e.network, e.port or 0, e.protocol)
