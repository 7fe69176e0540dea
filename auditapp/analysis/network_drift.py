"""Declared flows against observed exposure, both ways: exposure no flow justifies, flows the
deployment cannot carry, and components that share a network with no flow between them.

`flow_report` gathers it all for the CLI, the GUI and the report; the network rules judge the
same facts through the functions here, so a finding and the report never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditapp.analysis.model import ZONE_PREFIX, DeclaredFlow, Deployment, Workload
from auditapp.analysis.network_exposure import (
    Attachments,
    Exposure,
    endpoint,
    listening,
    observed_exposure,
    workload_exposures,
)

TRANSPORTS = ("tcp", "udp", "sctp")


@dataclass(frozen=True)
class FlowCheck:
    """Whether the deployment can carry a declared flow. `carried` None: the evidence cannot
    tell (an end with no collected container or service); `reason` says how or why not."""

    flow: DeclaredFlow
    carried: bool | None
    reason: str
    evidence_id: int | None = None


@dataclass(frozen=True)
class SharedNetwork:
    """Two components that reach each other over networks with no flow declared between them."""

    components: tuple[str, str]
    networks: tuple[str, ...]
    evidence_id: int | None = None


@dataclass(frozen=True)
class FlowReport:
    """Declared flows (each checked), observed exposure, and the drift in both directions."""

    flows: tuple[FlowCheck, ...]
    exposures: tuple[Exposure, ...]
    unjustified: tuple[Exposure, ...]  # observed, declared by no flow
    not_carried: tuple[FlowCheck, ...]  # declared, impossible as deployed
    undeclared_sharing: tuple[SharedNetwork, ...]  # observed, declared by no flow

    @property
    def drift(self) -> int:
        return len(self.unjustified) + len(self.not_carried) + len(self.undeclared_sharing)


def flow_report(deployment: Deployment) -> FlowReport:
    exposures = tuple(observed_exposure(deployment))
    attached = Attachments(deployment)
    ordered = sorted(deployment.flows, key=lambda f: f.id)
    checks = tuple(check_flow(deployment, f, attached) for f in ordered)
    return FlowReport(
        flows=checks,
        exposures=exposures,
        unjustified=tuple(unjustified_exposure(deployment, exposures)),
        not_carried=tuple(c for c in checks if c.carried is False),
        undeclared_sharing=tuple(undeclared_sharing(deployment)),
    )


def zone_of(end: str) -> str | None:
    """The zone a flow end names ("zone:internet" → "internet"), None for a component."""
    return end[len(ZONE_PREFIX) :] if end.startswith(ZONE_PREFIX) else None


def port_matches(flow: DeclaredFlow, exposure: Exposure) -> bool:
    """A flow names the port its source connects to: the container port from a peer, the host
    port from outside. An application protocol (https, postgres) fits any transport."""
    protocol = flow.protocol.strip().lower()
    if protocol in TRANSPORTS and protocol != exposure.protocol:
        return False
    return exposure.port is None or flow.port in (exposure.port, exposure.host_port)


def justifying(deployment: Deployment, exposure: Exposure) -> tuple[DeclaredFlow, ...]:
    """Declared flows into the exposure's component, from elsewhere, on its port.

    A port published beyond the host is justified only by a flow that has to come through
    the host: from a zone, or from a component that shares no network with it. A neighbour on
    a shared network connects over that network, so its flow does not explain publishing the
    port to everyone who can reach the host."""
    flows = [
        f
        for f in deployment.flows
        if f.destination == exposure.component
        and f.source != exposure.component
        and port_matches(f, exposure)
    ]
    if exposure.off_host:
        flows = [f for f in flows if _through_the_host(deployment, f, exposure)]
    return tuple(flows)


def _through_the_host(deployment: Deployment, flow: DeclaredFlow, exposure: Exposure) -> bool:
    if zone_of(flow.source) is not None:
        return True
    attached = Attachments(deployment)
    into = [w for w in deployment.workloads_of(exposure.component) if w.name == exposure.workload]
    return not any(
        attached.shared(source, target)
        for source in deployment.workloads_of(flow.source)
        for target in into
    )


def unjustified_exposure(
    deployment: Deployment, exposures: Iterable[Exposure] | None = None
) -> list[Exposure]:
    """Published ports and host-network workloads that no declared flow justifies."""
    seen = observed_exposure(deployment) if exposures is None else exposures
    return [e for e in seen if e.published and not justifying(deployment, e)]


def undeclared_sharing(deployment: Deployment) -> list[SharedNetwork]:
    """Component pairs that share a network with no declared flow between them either way."""
    attached = Attachments(deployment)
    declared = {frozenset((f.source, f.destination)) for f in deployment.flows}
    pairs: dict[tuple[str, str], tuple[Workload, set[str]]] = {}
    workloads = deployment.workloads
    for i, a in enumerate(workloads):
        for b in workloads[i + 1 :]:
            low, high = sorted((endpoint(a), endpoint(b)))
            if low == high or frozenset((low, high)) in declared:
                continue
            networks = attached.shared(a, b)
            if networks:
                pairs.setdefault((low, high), (a, set()))[1].update(networks)
    found = []
    for pair, (first, names) in sorted(pairs.items()):
        networks = tuple(sorted(names))
        # The network's own evidence shows the membership best; the workload's will do.
        evidence = attached.facts(first, networks[0]).evidence_id or first.evidence_id
        found.append(SharedNetwork(pair, networks, evidence))
    return found


def check_flow(
    deployment: Deployment, flow: DeclaredFlow, attached: Attachments | None = None
) -> FlowCheck:
    """Whether the deployment can carry `flow`, and how or why not."""
    source, destination = zone_of(flow.source), zone_of(flow.destination)
    if source is not None and destination is not None:
        return FlowCheck(flow, None, "both ends are zones: the flow does not touch the deployment")
    if flow.source == flow.destination:
        return FlowCheck(flow, None, f"both ends are {flow.source}")
    attached = attached or Attachments(deployment)
    if destination is not None:
        return _outbound(deployment, attached, flow, destination)
    into = deployment.workloads_of(flow.destination)
    if not into:
        return _uncollected(flow, flow.destination)
    if source is not None:
        return _from_zone(attached, flow, source, into)
    out = deployment.workloads_of(flow.source)
    if not out:
        return _uncollected(flow, flow.source)
    return _between(attached, flow, out, into)


def _uncollected(flow: DeclaredFlow, component: str) -> FlowCheck:
    return FlowCheck(flow, None, f"no container or service of {component} was collected")


def _outbound(
    deployment: Deployment, attached: Attachments, flow: DeclaredFlow, zone: str
) -> FlowCheck:
    out = deployment.workloads_of(flow.source)
    if not out:
        return _uncollected(flow, flow.source)
    for w in out:
        if attached.routes_out(w):
            how = "is on the host network" if w.network_mode == "host" else "has a route out"
            return FlowCheck(flow, True, f"{w.label} {how}", w.evidence_id)
    return FlowCheck(
        flow,
        False,
        f"{flow.source} is only on internal networks or none, so it cannot reach {zone}",
        out[0].evidence_id,
    )


def _from_zone(
    attached: Attachments, flow: DeclaredFlow, zone: str, into: tuple[Workload, ...]
) -> FlowCheck:
    near: list[str] = []
    for w in into:
        for e in _published(attached, w):
            if not port_matches(flow, e):
                continue
            if e.off_host:
                return FlowCheck(flow, True, f"{w.label}: {e.describe()}", w.evidence_id)
            near.append(f"{w.label}: {e.describe()}")
    if near:
        why = f"{flow.destination} publishes port {flow.port} where {zone} cannot reach it ("
        return FlowCheck(flow, False, why + "; ".join(near) + ")", into[0].evidence_id)
    return FlowCheck(
        flow,
        False,
        f"{flow.destination} publishes nothing on port {flow.port}/{flow.protocol}",
        into[0].evidence_id,
    )


def _between(
    attached: Attachments, flow: DeclaredFlow, out: tuple[Workload, ...], into: tuple[Workload, ...]
) -> FlowCheck:
    listens = [w for w in into if _listens(w, flow)]
    for w in listens:
        for s in out:
            networks = attached.shared(s, w)
            if networks:
                text = f"{flow.source} and {flow.destination} share network {networks[0]}"
                return FlowCheck(flow, True, text, w.evidence_id)
    for w in into:
        for e in _published(attached, w):
            if port_matches(flow, e) and _reaches_host(attached, out, e):
                return FlowCheck(flow, True, f"{w.label}: {e.describe()}", w.evidence_id)
    for w in into:  # an image that was not collected may well listen there: cannot tell
        if w.network_mode != "none" and not listening(w):
            for s in out:
                networks = attached.shared(s, w)
                if networks:
                    text = (
                        f"{flow.source} and {flow.destination} share network {networks[0]}, "
                        f"and nothing says which ports {flow.destination} listens on"
                    )
                    return FlowCheck(flow, None, text, w.evidence_id)
    if not listens:
        text = (
            f"{flow.destination} publishes or exposes nothing on port {flow.port}/{flow.protocol}"
        )
    else:
        text = (
            f"{flow.source} and {flow.destination} share no network and {flow.destination} "
            f"does not publish port {flow.port}"
        )
    return FlowCheck(flow, False, text, into[0].evidence_id)


def _published(attached: Attachments, w: Workload) -> list[Exposure]:
    return [e for e in workload_exposures(w, attached) if e.published]


def _listens(w: Workload, flow: DeclaredFlow) -> bool:
    if w.network_mode == "none":
        return False
    known = listening(w)
    protocol = flow.protocol.strip().lower()
    return any(
        port == flow.port and (protocol not in TRANSPORTS or protocol == proto)
        for port, proto in known
    )


def _reaches_host(attached: Attachments, out: tuple[Workload, ...], e: Exposure) -> bool:
    """Can a source workload reach a port published on the destination's host?"""
    for s in out:
        if s.network_mode == "host":
            return True  # the host's own interfaces, loopback included
        if e.reach != "loopback" and not e.internal and attached.routes_out(s):
            return True
    return False
