"""Who reaches whom, from evidence as the engine and compose store it: the reach graph, the
exposure and the threats give one answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditapp.analysis.blast_graph import reach_graph
from auditapp.analysis.facts import EvidenceDoc, build_deployment
from auditapp.analysis.model import ComponentFacts, Deployment
from auditapp.analysis.network_exposure import observed_exposure
from auditapp.analysis.threats import generate_threats

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
