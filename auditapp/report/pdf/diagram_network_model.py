"""What the network diagram shows, read from the deployment: each component's host, the
networks it is attached to (resolved as Docker resolves them), what it publishes where, and the
order the networks are stacked in so that a component on two of them can bridge them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import permutations

from auditapp.analysis.blast import internet_facing
from auditapp.analysis.host_placement import Placement, place_on_hosts
from auditapp.analysis.model import ZONE_PREFIX, ZONES, Deployment, NetworkFacts
from auditapp.analysis.network_exposure import Attachments, Exposure
from auditapp.report.model import ReportData
from auditapp.report.pdf.diagram_layout import component_names

HOST_NETWORK = "\x00host network"  # pseudo networks, stacked around the real ones
NO_NETWORK = "\x00no network"
NOT_COLLECTED = "\x00not collected"
PSEUDO_NAMES = {
    HOST_NETWORK: "host network",
    NO_NETWORK: "no network",
    NOT_COLLECTED: "not collected",
}
NO_HOST = ""


@dataclass(frozen=True)
class Port:
    text: str  # "0.0.0.0:443→443/tcp"
    reach: str  # an Exposure reach: all-interfaces, host-ip, loopback, host-network
    internal: bool  # on internal networks only: Docker does not publish it


@dataclass(frozen=True)
class Node:
    name: str
    host: str
    networks: tuple[str, ...]
    ports: tuple[Port, ...]
    image: str
    cde: bool
    facing: bool


@dataclass(frozen=True)
class Band:
    key: str
    title: str
    detail: str  # "bridge · internal"
    internal: bool
    pseudo: bool
    colour: int = 0  # the same network has the same colour on every host


@dataclass(frozen=True)
class HostGroup:
    host: str
    bands: tuple[Band, ...]
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class NetworkModel:
    zones: tuple[str, ...]  # "zone:internet", ...
    links: tuple[tuple[str, str], ...]  # (from, to): a zone and a component, either way
    hosts: tuple[HostGroup, ...]


def _host(placement: Placement | None) -> str:
    return placement.host if placement is not None and not placement.assumed else NO_HOST


def network_model(data: ReportData) -> NetworkModel:
    d = data.deployment
    facing = set(internet_facing(d))
    ports = _ports(data.flows.exposures)
    attached = Attachments(d)
    placed = place_on_hosts(d).placements  # the host the analysis puts each component on
    nodes = []
    for name in component_names(d):
        facts = d.component(name)
        workloads = d.workloads_of(name) or tuple(w for w in d.workloads if w.name == name)
        networks: set[str] = set()
        for w in workloads:
            if w.network_mode == "host":
                networks.add(HOST_NETWORK)
            networks.update(attached.networks(w))
        if not networks:
            networks.add(NO_NETWORK if workloads else NOT_COLLECTED)
        images = sorted({w.image for w in workloads if w.image})
        nodes.append(
            Node(
                name,
                _host(placed.get(name)),
                tuple(sorted(networks)),
                ports.get(name, ()),
                images[0] + (f" +{len(images) - 1}" if len(images) > 1 else "") if images else "",
                bool(facts and facts.holds_cardholder_data),
                name in facing,
            )
        )
    zones, links = _zones(d, facing)
    hosts = defaultdict(list)
    for n in nodes:
        hosts[n.host].append(n)
    # Known hosts by name, then the components whose host neither people nor the engine said.
    order = sorted(hosts, key=lambda h: (h == NO_HOST, h))
    groups = [HostGroup(h, _bands(d, hosts[h]), tuple(hosts[h])) for h in order]
    colours: dict[str, int] = {}
    for g in groups:
        for b in g.bands:
            colours.setdefault(b.key, len(colours))
    coloured = tuple(
        replace(g, bands=tuple(replace(b, colour=colours[b.key]) for b in g.bands)) for g in groups
    )
    return NetworkModel(zones, links, coloured)


def _ports(exposures: tuple[Exposure, ...]) -> dict[str, tuple[Port, ...]]:
    found: dict[str, list[Port]] = defaultdict(list)
    for e in exposures:
        if not e.published:
            continue
        service = e.port_text
        if e.reach == "host-network":
            text = f"host:{service}"
        else:
            address = e.host_ip or "0.0.0.0"  # noqa: S104 - "" publishes on every interface
            host_port = e.host_port if e.host_port is not None else "*"
            text = f"{address}:{host_port}→{service}"
        port = Port(text, e.reach, e.internal)
        if port not in found[e.component]:
            found[e.component].append(port)
    return {c: tuple(p) for c, p in found.items()}


def _zones(d: Deployment, facing: set[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    links: set[tuple[str, str]] = set()
    for f in d.flows:
        from_zone, to_zone = f.source.startswith(ZONE_PREFIX), f.destination.startswith(ZONE_PREFIX)
        if from_zone != to_zone:
            links.add((f.source, f.destination))
    internet = f"{ZONE_PREFIX}internet"
    reached = {c for z, c in links if z.startswith(ZONE_PREFIX)}
    links |= {(internet, c) for c in facing if c not in reached}
    used = {end for link in links for end in link if end.startswith(ZONE_PREFIX)}
    zones = [f"{ZONE_PREFIX}{z}" for z in ZONES if f"{ZONE_PREFIX}{z}" in used]
    zones += sorted(used - set(zones))
    return tuple(zones), tuple(sorted(links))


def _bands(d: Deployment, nodes: list[Node]) -> tuple[Band, ...]:
    """The host's networks, top to bottom: the host network, then the real networks from the
    most exposed outwards along the components that bridge them, then the pseudo ones."""
    facts: dict[str, NetworkFacts] = {}
    for net_facts in sorted(d.networks, key=lambda f: (f.origin, f.name)):
        facts.setdefault(net_facts.name, net_facts)
    used = sorted({net for n in nodes for net in n.networks if net not in PSEUDO_NAMES})
    exposure: dict[str, int] = defaultdict(int)
    for n in nodes:
        weight = 2 * n.facing + sum(p.reach in ("all-interfaces", "host-ip") for p in n.ports)
        for net in n.networks:
            exposure[net] += weight

    def rank(net: str) -> tuple[int, bool, str]:
        f = facts.get(net)
        return (-exposure[net], bool(f and f.internal), net)

    bridges = [tuple(net for net in n.networks if net not in PSEUDO_NAMES) for n in nodes]
    ordered = _stack(sorted(used, key=rank), [b for b in bridges if len(b) > 1])
    keys = [k for k in (HOST_NETWORK,) if any(k in n.networks for n in nodes)]
    keys += ordered
    keys += [k for k in (NO_NETWORK, NOT_COLLECTED) if any(k in n.networks for n in nodes)]
    bands = []
    for key in keys:
        f = facts.get(key)
        internal = bool(f and f.internal)
        said = (f.driver if f else "", "internal" if internal else "")
        detail = " · ".join(x for x in said if x)
        bands.append(Band(key, PSEUDO_NAMES.get(key, key), detail, internal, key in PSEUDO_NAMES))
    return tuple(bands)


def _stack(ranked: list[str], bridges: list[tuple[str, ...]]) -> list[str]:
    """The order of the bands: as many bridging components as possible on adjacent bands,
    then the most exposed network first. Tried exhaustively for up to six networks (720
    orders); beyond that, a walk from the most exposed network along the bridges."""
    if len(ranked) <= 6:
        best, most = ranked, -1
        for order in permutations(ranked):
            at = {net: i for i, net in enumerate(order)}
            adjacent = sum(
                max(at[n] for n in b) - min(at[n] for n in b) == len(b) - 1 for b in bridges
            )
            if adjacent > most:
                best, most = list(order), adjacent
        return best
    neighbours: dict[str, set[str]] = defaultdict(set)
    for b in bridges:
        for net in b:
            neighbours[net].update(x for x in b if x != net)
    position = {net: i for i, net in enumerate(ranked)}
    ordered: list[str] = []
    for seed in ranked:
        queue = [seed]
        while queue:
            net = queue.pop(0)
            if net not in ordered:
                ordered.append(net)
                queue.extend(sorted(neighbours[net] - set(ordered), key=position.__getitem__))
    return ordered
