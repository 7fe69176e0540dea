"""Declared flows against observed exposure: the three-tier fixture exactly, then one small
deployment per rule and per way of exposing a port."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from auditapp.analysis.interface import Hit, Rule
from auditapp.analysis.model import (
    ComponentFacts,
    DaemonFacts,
    DeclaredFlow,
    Deployment,
    NetworkFacts,
    PublishedPort,
    Workload,
)
from auditapp.analysis.network import (
    RULES,
    cde_reachable,
    cleartext,
    flow_report,
    not_carried,
    observed_exposure,
    shared_network,
    unauthenticated,
    unjustified,
)
from tests.analysis.three_tier import three_tier

CHD = ("cardholder-data",)


def hits(rule: Rule, d: Deployment) -> list[tuple[str, str, str]]:
    return sorted((h.component, h.location, h.severity or rule.severity) for h in rule.run(d))


def service(name: str, *, networks: Iterable[str] = ("net",), **more: object) -> Workload:
    return Workload(name, name, "service", 7, networks=tuple(networks), **more)  # type: ignore[arg-type]


def flow(n: int, src: str, dst: str, port: int, **more: object) -> DeclaredFlow:
    return DeclaredFlow(n, src, dst, port, str(more.pop("protocol", "tcp")), **more)  # type: ignore[arg-type]


def deployment(
    *workloads: Workload,
    flows: Iterable[DeclaredFlow] = (),
    networks: Iterable[NetworkFacts] = (),
    holders: Iterable[str] = (),
    internet_facing: Iterable[str] = (),
) -> Deployment:
    held, facing = set(holders), set(internet_facing)
    names = sorted({w.component for w in workloads} | held | facing)
    return Deployment(
        components=tuple(
            ComponentFacts(n, internet_facing=n in facing, data_classes=CHD if n in held else ())
            for n in names
        ),
        workloads=workloads,
        networks=tuple(networks),
        flows=tuple(flows),
    )


# --- the three-tier fixture -------------------------------------------------------------------


def test_three_tier_exposure() -> None:
    seen = [
        (e.component, e.reach, e.port_text, e.network, e.peers, e.internal)
        for e in observed_exposure(three_tier())
    ]
    assert seen == [
        ("api", "network", "8080/tcp", "back", ("db", "worker"), True),
        ("api", "network", "8080/tcp", "front", ("proxy",), False),
        ("db", "network", "5432/tcp", "back", ("api", "worker"), True),
        ("proxy", "all-interfaces", "443/tcp", "", (), False),
        ("proxy", "all-interfaces", "8081/tcp", "", (), False),
        ("proxy", "network", "443/tcp", "front", ("api",), False),
        ("proxy", "network", "8081/tcp", "front", ("api",), False),
        ("worker", "network", "any port", "back", ("api", "db"), True),
    ]


def test_three_tier_drift_both_ways() -> None:
    report = flow_report(three_tier())
    assert [(c.flow.id, c.carried, c.reason) for c in report.flows] == [
        (1, True, "service proxy: 443/tcp published on every interface (host port 443)"),
        (2, True, "proxy and api share network front"),
        (3, True, "api and db share network back"),
    ]
    assert [(e.component, e.port, e.reach) for e in report.unjustified] == [
        ("proxy", 8081, "all-interfaces")
    ]
    assert report.not_carried == ()
    assert [(s.components, s.networks) for s in report.undeclared_sharing] == [
        (("api", "worker"), ("back",)),
        (("db", "worker"), ("back",)),
    ]
    assert report.drift == 3


def test_three_tier_findings_exactly() -> None:
    d = three_tier()
    found = {r.id: hits(r, d) for r in RULES}
    assert found == {
        "network.unjustified-exposure": [("proxy", "service proxy * port 8081/tcp", "medium")],
        "network.flow-not-carried": [],
        "network.cleartext-cardholder-data": [("db", "flow 3 api -> db 5432/tcp", "high")],
        # db holds cardholder data but nothing reaches it from the internet
        "network.cde-internet-reachable": [],
        "network.undeclared-shared-network": [
            ("api", "api and worker on back", "high"),
            ("db", "db and worker on back", "high"),
        ],
        "network.unauthenticated-cde-flow": [],
    }
    shared = shared_network.run(d)
    assert {h.subject for h in shared} == {"back"}
    assert [h.subject for h in cleartext.run(d)] == ["3"]


def test_rules_are_documented_and_ids_fit() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for r in RULES:
        assert r.id.startswith("network.") and len(r.id) <= 40
        assert r.pci and r.fails and "Fix:" in r.doc


# --- ways of publishing -----------------------------------------------------------------------


def test_loopback_port_is_low_and_unreachable_from_zones() -> None:
    db = service("db", ports=(PublishedPort(5432, "tcp", "127.0.0.1", 5432),))
    d = deployment(db, holders=["db"])
    [exposure] = observed_exposure(d)
    assert (exposure.reach, exposure.off_host) == ("loopback", False)
    assert (exposure.where, exposure.audience) == ("127.0.0.1 as 5432", "the host only")
    assert hits(unjustified, d) == [("db", "service db 127.0.0.1 port 5432/tcp", "low")]
    assert hits(cde_reachable, d) == []

    admin = flow(1, "zone:admin-network", "db", 5432, encrypted=True, authenticated=True)
    d = deployment(db, flows=[admin], holders=["db"])
    assert hits(unjustified, d) == []  # declared, so justified, although it cannot be carried
    [check] = flow_report(d).not_carried
    assert "where admin-network cannot reach it" in check.reason and "loopback" in check.reason
    assert hits(not_carried, d) == [("db", "flow 1 zone:admin-network -> db 5432/tcp", "medium")]


def test_every_interface_and_one_address_reach_the_internet() -> None:
    api = service(
        "api",
        ports=(
            PublishedPort(8443, "tcp", "0.0.0.0", 8443),
            PublishedPort(8443, "tcp", "::", 8443),
            PublishedPort(9090, "tcp", "10.0.0.5", None),
        ),
    )
    d = deployment(api, holders=["api"])
    assert [(e.reach, e.host_ip) for e in observed_exposure(d)] == [
        ("all-interfaces", "0.0.0.0"),
        ("all-interfaces", "::"),
        ("host-ip", "10.0.0.5"),
    ]
    assert hits(cde_reachable, d) == [
        ("api", "service api 0.0.0.0 port 8443/tcp", "critical"),
        ("api", "service api 10.0.0.5 port 9090/tcp", "critical"),
        ("api", "service api :: port 8443/tcp", "critical"),
    ]
    assert len(hits(unjustified, d)) == 3


def test_host_port_and_application_protocol_justify_but_another_transport_does_not() -> None:
    proxy = service("proxy", ports=(PublishedPort(443, "tcp", "", 8443),))
    by_host_port = flow(1, "zone:internet", "proxy", 8443, protocol="https")
    assert hits(unjustified, deployment(proxy, flows=[by_host_port])) == []
    over_udp = flow(1, "zone:internet", "proxy", 443, protocol="udp")
    d = deployment(proxy, flows=[over_udp])
    assert hits(unjustified, d) == [("proxy", "service proxy * port 443/tcp", "medium")]
    assert flow_report(d).not_carried[0].reason == "proxy publishes nothing on port 443/udp"


def test_host_network_exposes_what_it_listens_on() -> None:
    agent = service(
        "agent",
        networks=(),
        network_mode="host",
        exposed=((9100, "tcp"),),
        # Docker ignores the mapping on the host network: the process listens on 9100 itself
        ports=(PublishedPort(9100, "tcp", "", 19100),),
    )
    d = deployment(agent, holders=["agent"])
    [exposure] = observed_exposure(d)
    assert (exposure.reach, exposure.port, exposure.off_host) == ("host-network", 9100, True)
    assert hits(unjustified, d) == [("agent", "service agent host network port 9100/tcp", "medium")]
    assert hits(cde_reachable, d) == [
        ("agent", "service agent host network port 9100/tcp", "critical")
    ]
    scrape = flow(1, "zone:admin-network", "agent", 9100, encrypted=True)
    wrong = flow(2, "zone:admin-network", "agent", 9200, encrypted=True)
    report = flow_report(deployment(agent, flows=[scrape, wrong]))
    assert [(c.flow.id, c.carried) for c in report.flows] == [(1, True), (2, False)]
    assert report.unjustified == ()


def test_host_network_with_no_known_port_is_open_on_any() -> None:
    d = deployment(service("agent", networks=(), network_mode="host"))
    assert hits(unjustified, d) == [("agent", "service agent host network port any port", "medium")]
    d = deployment(
        service("agent", networks=(), network_mode="host"),
        flows=[flow(1, "zone:admin-network", "agent", 22)],
    )
    assert hits(unjustified, d) == [] and flow_report(d).flows[0].carried is True


# --- networks ---------------------------------------------------------------------------------


def test_internal_network_cannot_be_reached_from_or_reach_the_internet() -> None:
    back = NetworkFacts("back", "service", 3, internal=True)
    db = service("db", networks=("back",), ports=(PublishedPort(5432, "tcp", "", 5432),))
    job = service("job", networks=("back",))
    flows = [
        flow(1, "zone:internet", "db", 5432, encrypted=True, authenticated=True),
        flow(2, "job", "zone:payment-processor", 443, encrypted=True),
        flow(3, "job", "db", 5432, encrypted=True, authenticated=True),
    ]
    d = deployment(db, job, flows=flows, networks=[back], holders=["db"])
    [published] = [e for e in observed_exposure(d) if e.published]
    assert (published.internal, published.off_host) == (True, False)
    assert "only on internal networks" in published.describe()
    assert published.audience.startswith("nobody")
    report = flow_report(d)
    assert [(c.flow.id, c.carried) for c in report.flows] == [(1, False), (2, False), (3, True)]
    assert "cannot reach payment-processor" in report.flows[1].reason
    # a declared flow from the internet still marks the component as meant to be reachable
    assert hits(cde_reachable, d) == [("db", "flow 1 from zone:internet", "critical")]
    assert hits(not_carried, d) == [
        ("db", "flow 1 zone:internet -> db 5432/tcp", "medium"),
        ("job", "flow 2 job -> zone:payment-processor 443/tcp", "medium"),
    ]


def test_outbound_flow_from_a_routed_network_is_carried() -> None:
    d = deployment(
        service("api", networks=("front",)),
        flows=[flow(1, "api", "zone:payment-processor", 443, encrypted=True)],
    )
    assert flow_report(d).flows[0].carried is True


def test_flows_between_components_need_a_shared_network_or_a_published_port() -> None:
    api = service("api", networks=("a",))
    db = service("db", networks=("b",), exposed=((5432, "tcp"),))
    cache = service("cache", networks=("a",))
    web = service("web", networks=("c",), ports=(PublishedPort(80, "tcp", "", 8080),))
    flows = [
        flow(1, "api", "db", 5432, encrypted=True),  # no shared network, not published
        flow(2, "api", "cache", 6379, encrypted=True),  # shared; cache declares no port at all
        flow(3, "api", "web", 8080, encrypted=True),  # through the host: published port
        flow(4, "api", "ghost", 80, encrypted=True),  # never collected: cannot tell
    ]
    report = flow_report(deployment(api, db, cache, web, flows=flows))
    assert [(c.flow.id, c.carried, c.reason) for c in report.flows] == [
        (1, False, "api and db share no network and db does not publish port 5432"),
        (2, None, "api and cache share network a, and nothing says which ports cache listens on"),
        (3, True, "service web: 80/tcp published on every interface (host port 8080)"),
        (4, None, "no container or service of ghost was collected"),
    ]
    assert [s.components for s in report.undeclared_sharing] == []  # api-cache declared


def test_icc_off_and_other_origins_do_not_share() -> None:
    quiet = NetworkFacts("quiet", "container", 4, icc=False)
    a = Workload("a", "a", "container", 1, networks=("quiet",))
    b = Workload("b", "b", "container", 2, networks=("quiet",))
    c = service("c", networks=("quiet",))  # a compose network of the same name is another one
    d = deployment(a, b, c, networks=[quiet])
    assert observed_exposure(d) == []
    assert hits(shared_network, d) == []


def test_daemon_icc_off_isolates_the_default_bridge_only() -> None:
    """daemon.json's `"icc": false` governs the default bridge (named "bridge", or marked the
    default by the engine), not user-defined networks: nobody on the bridge is a peer, no flow
    between them is carried there, and no undeclared sharing is reported for it."""
    bridge = NetworkFacts("bridge", "container", 4, driver="bridge", default_bridge=True)
    shop = NetworkFacts("shop", "container", 5, driver="bridge")
    a = Workload("a", "a", "container", 1, networks=("bridge",), exposed=((80, "tcp"),))
    b = Workload("b", "b", "container", 2, networks=("bridge",), exposed=((81, "tcp"),))
    calls = flow(1, "a", "b", 81)
    d = deployment(a, b, flows=[calls], networks=[bridge, shop], holders=["b"])
    assert [e.peers for e in observed_exposure(d) if e.reach == "network"] == [("b",), ("a",)]
    assert [c.carried for c in flow_report(d).flows] == [True]
    off = replace(d, daemon=DaemonFacts(9, {}, {}, config={"icc": False}))
    assert [e for e in observed_exposure(off) if e.reach == "network"] == []
    assert [(c.carried, c.reason) for c in flow_report(off).flows] == [
        (False, "a and b share no network and b does not publish port 81")
    ]
    assert hits(shared_network, replace(off, flows=())) == []
    assert hits(shared_network, replace(d, flows=())) == [("a", "a and b on bridge", "high")]
    # on a user-defined network the daemon's switch changes nothing
    on_shop = tuple(replace(w, networks=("shop",)) for w in (a, b))
    user = replace(off, workloads=on_shop, flows=())
    assert hits(shared_network, user) == [("a", "a and b on shop", "high")]


def test_shared_network_pairs_once_and_severity_by_cde() -> None:
    one = service("one", networks=("x", "y"))
    two = service("two", networks=("x", "y"))
    three = service("three", networks=("y",))
    d = deployment(one, two, three, holders=["one", "two"])
    assert hits(shared_network, d) == [
        ("one", "one and three on y", "high"),
        ("one", "one and two on x, y", "medium"),
        ("three", "three and two on y", "high"),
    ]
    # either direction of a flow declares the pair, whatever the port
    d = deployment(one, two, three, flows=[flow(1, "two", "one", 1)], holders=["one", "two"])
    assert [loc for _, loc, _ in hits(shared_network, d)] == [
        "one and three on y",
        "three and two on y",
    ]


def test_namespace_sharing_and_network_members_count() -> None:
    web = service("web", networks=())
    sidecar = service("sidecar", networks=(), network_mode="service:web")
    db = service("db", networks=())
    net = NetworkFacts("net", "service", 5, members=("web", "db"))
    d = deployment(web, sidecar, db, networks=[net])
    # the sidecar is on web's networks (and shares its localhost, closer still)
    assert [s.components for s in flow_report(d).undeclared_sharing] == [
        ("db", "sidecar"),
        ("db", "web"),
        ("sidecar", "web"),
    ]
    assert next(iter(shared_network.run(d))).evidence_id == 5  # the network's evidence


# --- flows ------------------------------------------------------------------------------------


def test_cleartext_by_data_class_and_zone() -> None:
    d = deployment(
        service("api"),
        flows=[
            flow(1, "zone:internet", "api", 80, data_classes=CHD),
            flow(2, "api", "zone:admin-network", 22, data_classes=("credentials",)),
            flow(3, "api", "zone:payment-processor", 443, data_classes=CHD, encrypted=True),
            flow(4, "zone:end-users", "api", 80, data_classes=("personal-data", "none")),
            flow(5, "zone:other", "api", 81, data_classes=("sensitive-authentication-data",)),
        ],
    )
    assert hits(cleartext, d) == [
        ("api", "flow 1 zone:internet -> api 80/tcp", "critical"),
        ("api", "flow 2 api -> zone:admin-network 22/tcp", "high"),
        ("api", "flow 5 zone:other -> api 81/tcp", "critical"),
    ]


def test_unauthenticated_flows_into_the_cde_are_low() -> None:
    d = deployment(
        service("api"),
        service("db"),
        flows=[
            flow(1, "api", "db", 5432, encrypted=True),
            flow(2, "db", "api", 8080, encrypted=True, authenticated=True),
            flow(3, "db", "zone:other", 1, encrypted=True),
        ],
        holders=["db", "api"],
    )
    assert hits(unauthenticated, d) == [("db", "flow 1 api -> db 5432/tcp", "low")]


def test_cde_reachable_by_declaration() -> None:
    d = deployment(
        service("pay"),
        service("vault"),
        flows=[flow(1, "zone:end-users", "vault", 443, encrypted=True, authenticated=True)],
        holders=["pay", "vault"],
        internet_facing=["pay"],
    )
    assert hits(cde_reachable, d) == [
        ("pay", "component pay internet-facing", "critical"),
        ("vault", "flow 1 from zone:end-users", "critical"),
    ]


def test_locations_are_unique_per_rule_and_component() -> None:
    twice = service(
        "api",
        ports=(PublishedPort(80, "tcp", "", 80), PublishedPort(80, "tcp", "", 8080)),
        network_mode="",
    )
    d = deployment(twice, holders=["api"])
    for r in RULES:
        found: list[Hit] = r.run(d)
        keys = [(h.component, h.location) for h in found]
        assert len(keys) == len(set(keys)), r.id


def test_a_neighbours_flow_does_not_justify_publishing_to_everyone() -> None:
    """edge reaches storefront over their shared network; that flow explains the network
    path, not storefront's port 3000 published on every host interface."""
    edge = service("edge")
    storefront = service("storefront", ports=(PublishedPort(3000, "tcp", "", 3000),))
    from_edge = flow(1, "edge", "storefront", 3000)
    d = deployment(edge, storefront, flows=[from_edge])
    assert hits(unjustified, d) == [("storefront", "service storefront * port 3000/tcp", "medium")]
    from_shoppers = flow(2, "zone:end-users", "storefront", 3000)
    assert hits(unjustified, deployment(edge, storefront, flows=[from_edge, from_shoppers])) == []
    elsewhere = service("batch", networks=("other",))
    across_hosts = flow(3, "batch", "storefront", 3000)
    assert hits(unjustified, deployment(elsewhere, storefront, flows=[across_hosts])) == []
    on_loopback = service("storefront", ports=(PublishedPort(3000, "tcp", "127.0.0.1", 3000),))
    assert hits(unjustified, deployment(edge, on_loopback, flows=[from_edge])) == []
