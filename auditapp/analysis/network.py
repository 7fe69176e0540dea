"""The network rules: declared flows against what the deployment exposes (PCI DSS 1.2–1.4, 4.2.1).

`observed_exposure` and `flow_report` are the same facts as data for the CLI, GUI and report.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import CARDHOLDER_CLASSES, DeclaredFlow, Deployment
from auditapp.analysis.network_drift import (
    FlowCheck,
    FlowReport,
    SharedNetwork,
    check_flow,
    flow_report,
    undeclared_sharing,
    unjustified_exposure,
    zone_of,
)
from auditapp.analysis.network_exposure import Attachments, Exposure, observed_exposure

__all__ = [
    "RULES",
    "Exposure",
    "FlowCheck",
    "FlowReport",
    "SharedNetwork",
    "flow_report",
    "observed_exposure",
]

PROTECTED = CARDHOLDER_CLASSES | {"credentials"}  # never to travel in clear text
UNTRUSTED_ZONES = ("internet", "end-users")
_CONTAINER_EVIDENCE = ("engine-container", "compose")


@rule(
    "network.unjustified-exposure",
    "Port exposed with no declared flow",
    "medium",
    scope="workload",
    pci=("1.2.5", "1.3.1", "1.3.2"),
    cis=("5.9", "5.14"),
    reads=(*_CONTAINER_EVIDENCE, "engine-network"),
    fails="publish ports that no declared flow justifies",
)
def unjustified(d: Deployment) -> Iterator[Hit]:
    """A port published on the host (or a workload on the host network) that no declared flow
    from a zone or another component to that component, on that port, accounts for.

    PCI DSS 1.2.5 wants every allowed port identified, approved and needed, and 1.3.1/1.3.2
    limit traffic into and out of the CDE to what is necessary. A published port nobody
    declared is either a forgotten opening or a flow missing from the data-flow diagram.

    Fix: stop publishing the port (or bind it to loopback and reach it through a tunnel),
    or declare the flow that needs it with `auditapp flow add`. Ports bound to loopback are
    reported at low severity: only the host itself reaches them.
    """
    seen: set[str] = set()
    for e in unjustified_exposure(d):
        location = f"{e.label} {_where(e)} port {e.port_text}"
        if location in seen:
            continue  # the same port published twice on one address (a range, a duplicate)
        seen.add(location)
        yield Hit(
            e.component,
            location,
            e.evidence_id,
            {
                "reach": e.reach,
                "port": e.port,
                "protocol": e.protocol,
                "host_ip": e.host_ip,
                "host_port": e.host_port,
                "exposure": e.describe(),
            },
            title="Port published on loopback with no declared flow"
            if e.reach == "loopback"
            else "",
            severity="low" if e.reach == "loopback" else "",
            subject=e.workload,
        )


@rule(
    "network.flow-not-carried",
    "Declared flow the deployment cannot carry",
    "medium",
    scope="flow",
    pci=("1.2.3", "1.2.4"),
    reads=(*_CONTAINER_EVIDENCE, "engine-network"),
    fails="cannot be carried by the deployment as collected",
)
def not_carried(d: Deployment) -> Iterator[Hit]:
    """A declared flow that the deployment, as collected, cannot carry: the destination
    publishes or exposes nothing on the port; source and destination share no network and the
    destination does not publish the port; a flow from a zone reaches a port that is bound to
    loopback or published only from internal networks; or a source only on internal networks
    declares a flow out to a zone.

    The network and data-flow diagrams of PCI DSS 1.2.3 and 1.2.4 must match reality. A flow
    that cannot happen means either the declaration is stale or the traffic takes a path
    nobody declared (another port, another network).

    Fix: correct the flow (port, ends), or change the deployment so the flow goes the way it
    was declared. Flows whose ends were never collected are left out: the evidence cannot say.
    """
    attached = Attachments(d)
    for check in (check_flow(d, f, attached) for f in d.flows):
        if check.carried is False:
            yield _flow_hit(check.flow, check.evidence_id, {"reason": check.reason})


@rule(
    "network.cleartext-cardholder-data",
    "Cardholder data or credentials on an unencrypted flow",
    "high",
    scope="flow",
    pci=("4.2.1", "1.2.6", "8.3.2"),
    fails="carry cardholder data, authentication data or credentials unencrypted",
)
def cleartext(d: Deployment) -> Iterator[Hit]:
    """A declared flow that carries cardholder data, sensitive authentication data or
    credentials and is not encrypted.

    PCI DSS 4.2.1 requires strong cryptography for the PAN over open, public networks; 1.2.6
    wants security features for insecure protocols; 8.3.2 requires authentication factors to
    be unreadable in transit on every system component. Inside a container network, clear
    text is readable by anything that shares the network or the host. A flow to or from an
    untrusted zone is reported as critical.

    Fix: use TLS (or mutual TLS) on the flow and declare it with --encrypted.
    """
    for f in d.flows:
        carried = tuple(c for c in f.data_classes if c in PROTECTED)
        if f.encrypted or not carried:
            continue
        public = any(
            zone_of(end) not in (None, "admin-network") for end in (f.source, f.destination)
        )
        yield _flow_hit(
            f,
            None,
            {"data_classes": list(carried), "crosses_zone": public},
            severity="critical" if public and not CARDHOLDER_CLASSES.isdisjoint(carried) else "",
        )


@rule(
    "network.cde-internet-reachable",
    "Cardholder-data component reachable from the internet",
    "critical",
    scope="component",
    pci=("1.4.4", "1.3.1", "1.4.2"),
    cis=("5.10", "5.14"),
    reads=(*_CONTAINER_EVIDENCE, "engine-network"),
    fails="hold cardholder data and are reachable straight from the internet",
)
def cde_reachable(d: Deployment) -> Iterator[Hit]:
    """A component that stores or processes cardholder data and is reachable straight from
    the internet: it publishes a port on a non-loopback interface, runs on the host network,
    is marked internet-facing, or a flow from the internet or end users is declared into it.

    PCI DSS 1.4.4 forbids system components that store cardholder data from being directly
    reachable from untrusted networks; 1.3.1 limits inbound CDE traffic to what is needed.

    Fix: put a proxy or gateway outside the CDE in front of it, and stop publishing its ports
    (or bind them to an internal interface that untrusted networks cannot reach).
    """
    holders = {c.name for c in d.components if c.holds_cardholder_data}
    seen: set[str] = set()
    for e in observed_exposure(d):
        location = f"{e.label} {_where(e)} port {e.port_text}"
        if e.component in holders and e.off_host and location not in seen:
            seen.add(location)
            yield Hit(
                e.component,
                location,
                e.evidence_id,
                {"reach": e.reach, "exposure": e.describe()},
                subject=e.component,
            )
    for c in d.components:
        if c.name in holders and c.internet_facing:
            yield Hit(c.name, f"component {c.name} internet-facing", None, {}, subject=c.name)
    for f in d.flows:
        if f.destination in holders and zone_of(f.source) in UNTRUSTED_ZONES:
            yield Hit(
                f.destination,
                f"flow {f.id} from {f.source}",
                None,
                {"flow": f.id, "port": f.port, "protocol": f.protocol},
                subject=f.destination,
            )


@rule(
    "network.undeclared-shared-network",
    "Components share a network with no declared flow",
    "medium",
    scope="network",
    pci=("1.2.5", "1.3.1", "1.3.2"),
    cis=("2.2",),
    reads=(*_CONTAINER_EVIDENCE, "engine-network"),
    fails="connect components with no declared flow between them",
)
def shared_network(d: Deployment) -> Iterator[Hit]:
    """Two components attached to the same network, able to reach every port of each other,
    with no declared flow between them in either direction. One finding per pair.

    Docker lets containers on one network talk freely unless inter-container traffic is off.
    PCI DSS 1.3.1/1.3.2 want CDE traffic limited to what is necessary and 1.2.5 every allowed
    connection approved; an undeclared path is a segmentation gap. It is reported as high
    when only one of the two holds cardholder data (a non-CDE component inside the CDE's
    network).

    Fix: give each flow its own network (or turn icc off), or declare the flow.
    """
    holders = {c.name for c in d.components if c.holds_cardholder_data}
    for shared in undeclared_sharing(d):
        a, b = shared.components
        mixed = (a in holders) != (b in holders)
        yield Hit(
            a,
            f"{a} and {b} on {', '.join(shared.networks)}",
            shared.evidence_id,
            {"components": [a, b], "networks": list(shared.networks)},
            severity="high" if mixed else "",
            subject=shared.networks[0],
        )


@rule(
    "network.unauthenticated-cde-flow",
    "Unauthenticated flow into the CDE",
    "low",
    scope="flow",
    pci=("1.3.1", "7.2.5"),
    fails="enter the cardholder data environment unauthenticated",
)
def unauthenticated(d: Deployment) -> Iterator[Hit]:
    """A declared flow into a component that stores or processes cardholder data whose ends
    are not authenticated to each other.

    Inside the CDE, anything that can open the connection is trusted; PCI DSS 1.3.1 limits
    inbound CDE traffic to what is needed, and 7.2.5 wants the access of system and
    application accounts limited to what each needs, which an unauthenticated caller escapes.

    Fix: authenticate the caller (mutual TLS, per-service credentials) and declare the flow
    with --authenticated.
    """
    holders = {c.name for c in d.components if c.holds_cardholder_data}
    for f in d.flows:
        if f.destination in holders and not f.authenticated:
            yield _flow_hit(f, None, {"source": f.source})


def _where(e: Exposure) -> str:
    if e.reach == "host-network":
        return "host network"
    return e.host_ip or "*"  # compose leaves the address out for every interface


def _flow_hit(
    f: DeclaredFlow, evidence_id: int | None, detail: dict[str, object], severity: str = ""
) -> Hit:
    component = f.destination if zone_of(f.destination) is None else f.source
    return Hit(
        component,
        f"flow {f.id} {f.source} -> {f.destination} {f.port}/{f.protocol}",
        evidence_id,
        {"flow": f.id, **detail},
        severity=severity,
        subject=str(f.id),
    )


RULES = (unjustified, not_carried, cleartext, cde_reachable, shared_network, unauthenticated)
