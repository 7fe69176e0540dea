"""Who shares a host and who reaches whom, from evidence as the engine and compose store it:
the reach graph, the topology rule and the threats give one answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditapp.analysis.blast import blast_radius
from auditapp.analysis.blast_graph import reach_graph
from auditapp.analysis.facts import EvidenceDoc, build_deployment
from auditapp.analysis.host_placement import place_on_hosts
from auditapp.analysis.model import ComponentFacts, Deployment
from auditapp.analysis.network_exposure import observed_exposure
from auditapp.analysis.threats import generate_threats
from auditapp.analysis.topology import cde_shared_host

T0 = datetime(2026, 11, 1, tzinfo=UTC)
COMPONENTS = (
    ComponentFacts("pay", in_cde=True, data_classes=("cardholder-data",)),
    ComponentFacts("web", internet_facing=True),
    ComponentFacts("report"),
)


def doc(n: int, kind: str, content: Any) -> EvidenceDoc:
    return EvidenceDoc(n, kind, f"{kind} {n}", T0, content)


def container(name: str, service: str, *, privileged: bool = False) -> dict[str, Any]:
    return {
        "Name": f"/{name}",
        "Config": {"Image": f"shop/{service}:1", "Labels": {"com.docker.compose.service": service}},
        "HostConfig": {"NetworkMode": "bridge", "Privileged": privileged},
        "NetworkSettings": {"Networks": {"bridge": {}}},
    }


DAEMON = {"info": {"Name": "pay-host-1", "ID": "7TRN:IPZB"}, "version": {"Version": "27.3.1"}}
BRIDGE = {
    "Name": "bridge",
    "Driver": "bridge",
    "Options": {"com.docker.network.bridge.default_bridge": "true"},
}
REPORT = {"services": [{"name": "report", "image": "shop/report:1"}]}


def shop(*more: EvidenceDoc) -> Deployment:
    docs = [
        doc(1, "engine-daemon", DAEMON),
        doc(2, "engine-container", container("shop-pay-1", "pay")),
        doc(3, "engine-container", container("shop-web-1", "web", privileged=True)),
        doc(4, "engine-network", BRIDGE),
        doc(5, "compose", REPORT),
        *more,
    ]
    return build_deployment(docs, components=COMPONENTS)


def test_the_engine_names_the_host_its_containers_share() -> None:
    d = shop()
    hosts = place_on_hosts(d)
    assert [(p.component, p.host, p.basis, p.evidence_id) for p in hosts.placements.values()] == [
        ("pay", "pay-host-1", "engine", 1),
        ("report", "(unrecorded)", "assumed", None),
        ("web", "pay-host-1", "engine", 1),
    ]
    (said,) = hosts.assumptions
    assert said.startswith("report has no host recorded and no container collected from")

    (hit,) = cde_shared_host.run(d)
    assert (hit.component, hit.location, hit.severity, hit.evidence_id) == (
        "pay",
        "host pay-host-1",
        "high",
        1,
    )
    assert hit.detail["others"] == ["web"] and "assumed" not in hit.detail

    g = reach_graph(d)
    assert g.edges["web", "host:pay-host-1"]["kind"] == "privileged"
    assert g.nodes["pay"]["host"] == "host:pay-host-1"
    assert blast_radius(d).assumptions[0] == said
    mixed = {t.element for t in generate_threats(d) if t.rule == "mixed-targets-on-shared-runtime"}
    assert mixed == {"host pay-host-1"}


def test_daemon_icc_off_in_daemon_json_isolates_the_default_bridge() -> None:
    d = shop()
    assert ("web", "pay", "shared-network") in {
        (a, b, e["kind"]) for a, b, e in reach_graph(d).edges(data=True)
    }
    assert [e.peers for e in observed_exposure(d) if e.reach == "network"] == [
        ("web",),
        ("pay",),
    ]
    off = shop(doc(6, "engine-daemon-config", {"icc": False}))
    assert "shared-network" not in {e["kind"] for _, _, e in reach_graph(off).edges(data=True)}
    assert [e for e in observed_exposure(off) if e.reach == "network"] == []
    segmentation = {t.element for t in generate_threats(d) if "segmentation" in t.rule}
    assert segmentation == {"pay"}
    assert not [t for t in generate_threats(off) if "segmentation" in t.rule]


def bridge_with_icc(enabled: str) -> dict[str, Any]:
    """The default bridge as `docker network inspect` shows it, enable_icc as the engine runs it."""
    options = {
        "com.docker.network.bridge.default_bridge": "true",
        "com.docker.network.bridge.enable_icc": enabled,
    }
    return BRIDGE | {"Options": options}


def test_the_engine_reporting_icc_on_outranks_daemon_json() -> None:
    """daemon.json says "icc": false, but the default bridge, inspected, says
    enable_icc "true": the file is stale or the daemon was never restarted with it, and the
    engine is what runs. The containers on the bridge still reach each other."""
    on = bridge_with_icc("true")
    stale = build_deployment(
        [
            doc(1, "engine-daemon", DAEMON),
            doc(2, "engine-container", container("shop-pay-1", "pay")),
            doc(3, "engine-container", container("shop-web-1", "web", privileged=True)),
            doc(4, "engine-network", on),
            doc(6, "engine-daemon-config", {"icc": False}),
        ],
        components=COMPONENTS,
    )
    (bridge,) = stale.networks
    assert bridge.icc is True and stale.daemon is not None
    assert stale.daemon.config == {"icc": False}
    assert ("web", "pay", "shared-network") in {
        (a, b, e["kind"]) for a, b, e in reach_graph(stale).edges(data=True)
    }
    assert [e.peers for e in observed_exposure(stale) if e.reach == "network"] == [
        ("web",),
        ("pay",),
    ]
    assert {t.element for t in generate_threats(stale) if "segmentation" in t.rule} == {"pay"}
    # and the engine reporting it off isolates the bridge, whatever daemon.json says
    off = bridge_with_icc("false")
    quiet = build_deployment(
        [doc(2, "engine-container", container("shop-pay-1", "pay")),
         doc(3, "engine-container", container("shop-web-1", "web")),
         doc(4, "engine-network", off), doc(6, "engine-daemon-config", {"icc": True})],
        components=COMPONENTS,
    )  # fmt: skip
    assert [e for e in observed_exposure(quiet) if e.reach == "network"] == []
