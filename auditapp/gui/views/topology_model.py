"""What the topology diagram shows, read from the deployment (no Qt here): the zones flows
come from or go to, the components with their host and whether they hold cardholder data, the
networks they are attached to (as Docker resolves them), and the declared flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from auditapp.analysis.blast import internet_facing
from auditapp.analysis.host_placement import HOST_PREFIX, UNRECORDED_HOST, place_on_hosts
from auditapp.analysis.model import ZONE_PREFIX, ZONES, Deployment
from auditapp.analysis.network_exposure import Attachments

NodeKind = Literal["zone", "component", "network"]
EdgeKind = Literal["flow", "member"]
NETWORK_PREFIX = "network:"


@dataclass(frozen=True)
class TopoNode:
    id: str  # a component's name, "zone:<zone>" or "network:<name>"
    kind: NodeKind
    label: str
    detail: str  # the tooltip
    host: str = ""  # components: their host, recorded or the engine's; "" when neither said
    cde: bool = False
    facing: bool = False
    internal: bool = False  # networks


@dataclass(frozen=True)
class TopoEdge:
    source: str
    target: str
    kind: EdgeKind
    label: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Topology:
    nodes: tuple[TopoNode, ...]
    edges: tuple[TopoEdge, ...]

    @property
    def empty(self) -> bool:
        return not any(n.kind == "component" for n in self.nodes)

    def node(self, node_id: str) -> TopoNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def components(self) -> tuple[TopoNode, ...]:
        return tuple(n for n in self.nodes if n.kind == "component")


def host_node(host: str) -> str:
    """The blast radius's name of a host group."""
    return HOST_PREFIX + (host or UNRECORDED_HOST)


def topology(d: Deployment) -> Topology:
    facing = set(internet_facing(d))
    facts = {c.name: c for c in d.components}
    names = {c.name for c in d.components} | {w.component or w.name for w in d.workloads}
    names |= {end for f in d.flows for end in (f.source, f.destination)}
    attached = Attachments(d)
    placed = place_on_hosts(d).placements  # the hosts the blast radius puts components on
    nodes: list[TopoNode] = []
    edges: list[TopoEdge] = []
    networks: dict[str, set[str]] = {}
    for name in sorted(n for n in names if n and not n.startswith(ZONE_PREFIX)):
        c = facts.get(name)
        workloads = d.workloads_of(name) or tuple(w for w in d.workloads if w.name == name)
        on: set[str] = set()
        for w in workloads:
            on.update(attached.networks(w))
            if w.network_mode == "host":
                on.add("host")
        for network in on:
            networks.setdefault(network, set()).add(name)
        images = sorted({w.image for w in workloads if w.image})
        lines = [name]
        lines += [f"image {', '.join(images)}"] if images else ["not collected"]
        placement = placed.get(name)
        host = placement.host if placement is not None and not placement.assumed else ""
        if placement is not None and placement.basis == "engine":
            lines.append(f"host {host} (the engine its containers were collected from)")
        else:
            lines.append(f"host {host}" if host else "no host recorded")
        if c and c.data_classes:
            lines.append(f"data: {', '.join(c.data_classes)}")
        if c and c.holds_cardholder_data:
            lines.append("in the cardholder data environment")
        if name in facing:
            lines.append("internet-facing")
        nodes.append(
            TopoNode(
                name,
                "component",
                name,
                "\n".join(lines),
                host=host,
                cde=bool(c and c.holds_cardholder_data),
                facing=name in facing,
            )
        )
    internal = {n.name: n.internal for n in d.networks}
    for network, members in sorted(networks.items()):
        node_id = NETWORK_PREFIX + network
        flags = "internal network" if internal.get(network) else "network"
        if network == "host":
            flags = "the host's own network stack"
        nodes.append(
            TopoNode(
                node_id,
                "network",
                network,
                f"{flags} {network}\nmembers: {', '.join(sorted(members))}",
                internal=bool(internal.get(network)),
            )
        )
        edges += [TopoEdge(m, node_id, "member") for m in sorted(members)]
    used: set[str] = set()
    for f in sorted(d.flows, key=lambda f: f.id):
        used |= {e for e in (f.source, f.destination) if e.startswith(ZONE_PREFIX)}
        classes = ", ".join(c for c in f.data_classes if c != "none")
        detail = f"flow {f.id}: {f.source} → {f.destination} {f.port}/{f.protocol}"
        detail += f"\ncarries {classes}" if classes else ""
        detail += "\nencrypted" if f.encrypted else "\nnot encrypted"
        edges.append(TopoEdge(f.source, f.destination, "flow", f"{f.port}/{f.protocol}", detail))
    internet = ZONE_PREFIX + "internet"
    reached = {f.destination for f in d.flows if f.source == internet}
    for name in sorted(facing - reached):
        used.add(internet)
        edges.append(TopoEdge(internet, name, "flow", "", f"{name} is internet-facing"))
    zones = [ZONE_PREFIX + z for z in ZONES if ZONE_PREFIX + z in used]
    zones += sorted(used - set(zones))
    nodes[:0] = [
        TopoNode(z, "zone", z.removeprefix(ZONE_PREFIX), f"zone {z.removeprefix(ZONE_PREFIX)}")
        for z in zones
    ]
    return Topology(tuple(nodes), tuple(edges))
