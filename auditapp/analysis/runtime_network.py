"""Runtime rules about how a workload is exposed on the host's network: the host network mode
and published ports (CIS 5.8, 5.9, 5.10, 5.14)."""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment, PublishedPort, Workload
from auditapp.analysis.runtime_settings import where

WORKLOAD = ("engine-container", "compose")


def _port_location(w: Workload, port: PublishedPort) -> str:
    host = f"{port.host_ip or '*'}:{port.host_port if port.host_port is not None else '*'}"
    key = f"{port.container_port}/{port.protocol}"
    return where(w, f"HostConfig.PortBindings {key} {host}", f"ports {key} {host}")


def _port_detail(port: PublishedPort) -> dict[str, object]:
    return {
        "container_port": port.container_port,
        "protocol": port.protocol,
        "host_ip": port.host_ip,
        "host_port": port.host_port,
    }


def _published(w: Workload) -> tuple[PublishedPort, ...]:
    # with the host's network there is nothing to publish: runtime.host-network covers it
    return () if w.network_mode.strip().lower() == "host" else w.ports


@rule(
    "runtime.host-network",
    "Host network namespace shared",
    "high",
    scope="workload",
    pci=("1.3.1", "2.2.3", "2.2.6"),
    cis=("5.10",),
    reads=WORKLOAD,
    fails="use the host's network",
)
def host_network(d: Deployment) -> Iterator[Hit]:
    """The workload uses the host's network stack (`network_mode: host`): every port it opens
    is open on the host, it can reach services bound to the host's loopback (the Docker API
    on TCP, metadata endpoints), and no network segmentation between containers applies to
    it. Fix: use a user-defined network and publish only the ports a declared flow needs."""
    for w in d.workloads:
        if w.network_mode.strip().lower() == "host":
            location = where(w, "HostConfig.NetworkMode", "network_mode")
            detail = {"network_mode": w.network_mode}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


@rule(
    "runtime.privileged-port",
    "Privileged host port (below 1024) published",
    "low",
    scope="workload",
    pci=("1.2.5", "2.2.4"),
    cis=("5.8",),
    reads=WORKLOAD,
    fails="publish privileged host ports",
)
def privileged_port(d: Deployment) -> Iterator[Hit]:
    """The workload publishes a host port below 1024. Those ports are reserved for the host's
    own services (SSH on 22, for example); a container taking one can impersonate them, and
    they usually need more justification under PCI DSS 1.2.5. An edge proxy on 80/443 is the
    common accepted case: record it as accepted risk with its reason. Fix: publish a port
    above 1023 and map it at the load balancer."""
    for w in d.workloads:
        for port in _published(w):
            if port.host_port is not None and 0 < port.host_port < 1024:
                location = _port_location(w, port)
                yield Hit(w.component, location, w.evidence_id, _port_detail(port), subject=w.name)


@rule(
    "runtime.published-port",
    "Published port to review",
    "info",
    scope="workload",
    pci=("1.2.5",),
    cis=("5.9",),
    reads=WORKLOAD,
    fails="publish ports",
)
def published_port(d: Deployment) -> Iterator[Hit]:
    """The workload publishes a port on the host. PCI DSS 1.2.5 asks that every open port have
    a business need that someone approved: each published port is listed here for that review
    (the network rules compare them with the declared flows). Fix: publish only what a
    declared flow needs; use `expose` for container-to-container traffic."""
    for w in d.workloads:
        for port in _published(w):
            location = _port_location(w, port)
            yield Hit(w.component, location, w.evidence_id, _port_detail(port), subject=w.name)


@rule(
    "runtime.all-interfaces",
    "Port published on every host interface",
    "medium",
    scope="workload",
    pci=("1.2.5", "1.3.1"),
    cis=("5.14",),
    reads=WORKLOAD,
    fails="publish ports on every host interface",
)
def all_interfaces(d: Deployment) -> Iterator[Hit]:
    """A published port is bound to every interface of the host (0.0.0.0, ::, or no address),
    so it is reachable from any network the host is on, not only the one its clients use.
    Fix: bind it to the one address that should receive the traffic
    (`127.0.0.1:8080:8080`, or the internal interface's address)."""
    for w in d.workloads:
        for port in _published(w):
            if port.all_interfaces:
                location = _port_location(w, port)
                yield Hit(w.component, location, w.evidence_id, _port_detail(port), subject=w.name)


RULES: tuple[Rule, ...] = (host_network, privileged_port, published_port, all_interfaces)
