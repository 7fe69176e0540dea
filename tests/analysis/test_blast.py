"""Blast radius on constructed deployments: the reach graph's edges, paths, ranking and limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from auditapp.analysis.blast import (
    RULES,
    BlastError,
    UnknownComponentError,
    blast_radius,
    describe,
    describe_weaknesses,
    path_to_cardholder_data,
)
from auditapp.analysis.blast_graph import reach_graph
from auditapp.analysis.model import (
    ComponentFacts,
    DaemonFacts,
    DeclaredFlow,
    Deployment,
    ImageFacts,
    Mount,
    NetworkFacts,
    PublishedPort,
    Workload,
)
from tests.analysis.three_tier import three_tier


def edges(d: Deployment) -> set[tuple[str, str, str]]:
    return {(a, b, data["kind"]) for a, b, data in reach_graph(d).edges(data=True)}


def component_edges(d: Deployment) -> set[tuple[str, str, str]]:
    """Edges other than the host node's control of its own components."""
    return {e for e in edges(d) if e[2] != "host-control"}


def w(name: str, **kw: Any) -> Workload:
    return Workload(name, name, "container", kw.pop("evidence_id", 7), **kw)


def dep(*workloads: Workload, **kw: Any) -> Deployment:
    facts = kw.pop("components", None)
    if facts is None:
        facts = tuple(ComponentFacts(x.component, host="h1") for x in workloads)
    return Deployment(components=facts, workloads=workloads, **kw)


# --- the three-tier fixture ---------------------------------------------------------------


def test_three_tier_graph() -> None:
    """api→proxy exists because proxy listens on 443/8081 on the front network they share;
    api and db reach the worker on "back" although it declares no port: Docker opens every
    port it listens on to them; the worker's docker.sock reaches every component on h1."""
    assert component_edges(three_tier()) == {
        ("zone:internet", "proxy", "published-port"),
        ("proxy", "api", "shared-network"),
        ("api", "proxy", "shared-network"),
        ("api", "db", "shared-network"),
        ("db", "api", "shared-network"),
        ("api", "worker", "shared-network"),
        ("db", "worker", "shared-network"),
        ("worker", "api", "docker.sock"),
        ("worker", "db", "docker.sock"),
        ("worker", "proxy", "docker.sock"),
        ("worker", "host:h1", "docker.sock"),
    }
    g = reach_graph(three_tier())
    assert {n for n, k in g.nodes(data="kind") if k == "host"} == {"host:h1"}
    assert {b for a, b in g.out_edges("host:h1")} == {"proxy", "api", "db", "worker"}
    internet = g.edges["zone:internet", "proxy"]
    assert (internet["port"], internet["via"]) == (443, "port 443")
    assert g.edges["proxy", "api"]["via"] == "shared network front:8080"
    to_worker = g.edges["api", "worker"]
    assert (to_worker["port"], to_worker["via"]) == (None, "shared network back")
    assert to_worker["reason"] == (
        "service api and service worker share network back; worker declares no port, "
        "so any port it listens on is open to api"
    )
    assert g.graph["assumptions"] == ()


def test_three_tier_from_the_proxy() -> None:
    radius = blast_radius(three_tier())
    assert radius.assumptions == ("no daemon facts: user namespace remapping was not judged",)
    (head,) = radius.beachheads
    assert (head.component, head.internet_facing, head.holds_cardholder_data) == (
        "proxy",
        True,
        False,
    )
    # the worker declares no port, but whatever it listens on is open to api on "back"
    assert [(r.node, r.steps) for r in head.reachable] == [("api", 1), ("db", 2), ("worker", 2)]
    assert [(h.node, h.steps) for h in head.hosts] == [("host:h1", 3)]
    assert [[describe(p) for p in t.paths] for t in head.targets] == [
        ["proxy → api (1 step) via shared network front:8080"],
        [
            "proxy → api → db (2 steps) via shared network front:8080, shared network back:5432",
            "proxy → api → worker → db (3 steps) via shared network front:8080, "
            "shared network back, docker.sock",
            "proxy → api → worker → host:h1 → db (4 steps) via shared network front:8080, "
            "shared network back, docker.sock, control of host:h1",
        ],
    ]
    best = head.targets[1].best
    assert [s.port for s in best.steps] == [8080, 5432]
    assert (best.score, best.weaknesses) == (0, ())
    through_worker = head.targets[1].paths[1]
    assert [s.port for s in through_worker.steps] == [8080, None, None]
    assert (through_worker.severity, through_worker.score) == ("high", 5)


def test_three_tier_worker_listening_names_the_port_on_the_docker_sock_path() -> None:
    """Owning the api leads to the worker on the back network, and its docker.sock to db: a
    second, longer path to db, ranked after the two-step one; once the worker declares a
    port, the step names it."""
    d = three_tier()
    workloads = tuple(
        replace(x, exposed=((9000, "tcp"),)) if x.name == "worker" else x for x in d.workloads
    )
    (head,) = blast_radius(replace(d, workloads=workloads)).beachheads
    assert [(r.node, r.steps) for r in head.reachable] == [("api", 1), ("db", 2), ("worker", 2)]
    assert [(h.node, h.steps) for h in head.hosts] == [("host:h1", 3)]
    db = next(t for t in head.targets if t.component == "db")
    assert [p.nodes for p in db.paths] == [
        ("proxy", "api", "db"),
        ("proxy", "api", "worker", "db"),
        ("proxy", "api", "worker", "host:h1", "db"),
    ]
    via_sock = db.paths[1]
    assert [s.kind for s in via_sock.steps] == ["shared-network", "shared-network", "docker.sock"]
    assert [s.port for s in via_sock.steps] == [8080, 9000, None]
    assert via_sock.steps[1].via == "shared network back:9000"
    assert via_sock.score == 5
    assert describe_weaknesses(via_sock) == "worker: mounts docker.sock"


def test_three_tier_from_the_worker() -> None:
    (head,) = blast_radius(three_tier(), "worker").beachheads
    assert not head.internet_facing
    assert [(r.node, r.steps) for r in head.reachable] == [("api", 1), ("db", 1), ("proxy", 1)]
    assert [(t.component, t.best.nodes, t.best.steps[0].kind) for t in head.targets] == [
        ("api", ("worker", "api"), "docker.sock"),
        ("db", ("worker", "db"), "docker.sock"),
    ]


def test_rule_one_hit_per_start_and_target() -> None:
    """db's finding is as severe as its worst path: through the worker, which api reaches on
    "back" and whose docker.sock controls db (3 steps with a strong one: high)."""
    (rule,) = RULES
    hits = rule.run(three_tier())
    assert [(h.component, h.location, h.severity, h.subject) for h in hits] == [
        ("api", "path proxy → api", "medium", "api"),
        ("db", "path proxy → db", "high", "db"),
    ]
    detail = hits[1].detail
    assert detail["path"] == ["proxy", "api", "worker", "db"]
    assert [(e["kind"], e["port"]) for e in detail["edges"]] == [
        ("shared-network", 8080),
        ("shared-network", None),
        ("docker.sock", None),
    ]
    assert hits[1].evidence_id == 1
    assert "2 steps" in hits[1].title  # the title gives the shortest path
    assert rule.id == "blast.path-to-cardholder-data" and len(rule.id) <= 40


def test_rule_critical_for_a_short_strong_path() -> None:
    d = dep(
        w("web", privileged=True, ports=(PublishedPort(80, host_port=80),)),
        w("db"),
        components=(
            ComponentFacts("web", internet_facing=True, host="h1"),
            ComponentFacts("db", data_classes=("cardholder-data",), host="h1"),
        ),
    )
    (hit,) = RULES[0].run(d)
    assert (hit.location, hit.severity) == ("path web → db", "critical")
    assert hit.detail["path"] == ["web", "host:h1", "db"]
    assert hit.detail["weaknesses"][0]["kind"] == "privileged"


# --- each edge kind -------------------------------------------------------------------------


def test_shared_network_reaches_any_port_unless_icc_is_off() -> None:
    """Docker opens every port of a container to the others on its networks: b is reached
    at the port it declares, a, which declares none, at whatever it listens on."""
    a, b = w("a", networks=("n",)), w("b", networks=("n",), exposed=((80, "tcp"),))
    both_ways = {("a", "b", "shared-network"), ("b", "a", "shared-network")}
    assert component_edges(dep(a, b)) == both_ways
    g = reach_graph(dep(a, b))
    assert (g.edges["a", "b"]["port"], g.edges["a", "b"]["via"]) == (80, "shared network n:80")
    assert (g.edges["b", "a"]["port"], g.edges["b", "a"]["via"]) == (None, "shared network n")
    assert g.edges["b", "a"]["reason"] == (
        "container b and container a share network n; a declares no port, so any port it "
        "listens on is open to b"
    )
    isolated = NetworkFacts("n", "container", 3, icc=False)
    assert component_edges(dep(a, b, networks=(isolated,))) == set()
    # members the network lists count as attached too
    listed = NetworkFacts("m", "container", 3, members=("a", "b"))
    assert component_edges(dep(w("a"), replace(b, networks=()), networks=(listed,))) == both_ways
    # a compose network is not the engine's network of the same name
    other_side = Workload("b", "b", "service", 8, networks=("n",), exposed=((80, "tcp"),))
    assert component_edges(dep(a, other_side)) == set()


def test_a_component_with_a_port_is_named_by_it_whichever_workload_comes_first() -> None:
    quiet = Workload("b-0", "b", "container", 8, networks=("n",))
    loud = Workload("b-1", "b", "container", 9, networks=("n",), exposed=((443, "tcp"),))
    d = dep(w("a", networks=("n",)), quiet, loud, components=(ComponentFacts("a"),))
    edge = reach_graph(d).edges["a", "b"]
    assert (edge["port"], edge["via"], edge["evidence"]) == (443, "shared network n:443", 9)


def test_daemon_icc_off_isolates_the_default_bridge() -> None:
    a, b = w("a", networks=("bridge",)), w("b", networks=("bridge",), exposed=((80, "tcp"),))
    daemon = DaemonFacts(1, {}, {}, config={"icc": False})
    assert component_edges(dep(a, b, daemon=daemon)) == set()
    assert component_edges(dep(a, b)) == {
        ("a", "b", "shared-network"),
        ("b", "a", "shared-network"),
    }
    # the engine says which network is its default bridge, whatever its name
    docker0 = NetworkFacts("docker0", "container", 2, default_bridge=True)
    on0 = (replace(a, networks=("docker0",)), replace(b, networks=("docker0",)))
    assert component_edges(dep(*on0, networks=(docker0,), daemon=daemon)) == set()
    # the daemon-wide switch leaves user-defined networks alone
    user = (replace(a, networks=("shop",)), replace(b, networks=("shop",)))
    assert ("a", "b", "shared-network") in component_edges(dep(*user, daemon=daemon))


def test_joining_another_containers_network_namespace_puts_it_on_that_ones_networks() -> None:
    """The sidecar has no network of its own: it lives in web's namespace, so db reaches it
    (and it db) on web's network "shop", and it joins web's stack outright."""
    web = w("web", networks=("shop",), exposed=((80, "tcp"),))
    sidecar = w("sidecar", network_mode="container:web")
    db = w("db", networks=("shop",), exposed=((5432, "tcp"),))
    edges = component_edges(dep(web, sidecar, db))
    assert {
        ("sidecar", "db", "shared-network"),
        ("db", "sidecar", "shared-network"),
        ("sidecar", "web", "shared-netns"),  # stronger than the shared network: kept
    } <= edges
    g = reach_graph(dep(web, sidecar, db))
    assert g.edges["db", "sidecar"]["via"] == "shared network shop"


def test_internet_reaches_only_internet_facing_or_declared() -> None:
    public = w("web", ports=(PublishedPort(8443, host_port=443),))
    local = w("admin", ports=(PublishedPort(80, host_ip="127.0.0.1", host_port=8080),))
    hidden = w("other", ports=(PublishedPort(80, host_port=8000),))
    facts = (
        ComponentFacts("web", internet_facing=True),
        ComponentFacts("admin", internet_facing=True),
        ComponentFacts("other"),
    )
    d = dep(public, local, hidden, components=facts)
    internet = {(a, b, k) for a, b, k in edges(d) if a.startswith("zone:")}
    # admin publishes on loopback only: the internet reaches it only by the declaration
    assert internet == {
        ("zone:internet", "web", "published-port"),
        ("zone:internet", "admin", "declared-flow"),
    }
    assert reach_graph(d).edges["zone:internet", "web"]["port"] == 443
    flows = (DeclaredFlow(1, "zone:end-users", "other", 8000, "tcp"),)
    internet = {(a, b, k) for a, b, k in edges(replace(d, flows=flows)) if a.startswith("zone:")}
    assert ("zone:internet", "other", "published-port") in internet
    assert ("zone:end-users", "other", "declared-flow") in internet


def test_host_network_reaches_published_ports_and_the_host() -> None:
    sniffer = w("sniffer", network_mode="host")
    shop = w("shop", ports=(PublishedPort(8443, host_port=443),))
    quiet = w("quiet")
    assert component_edges(dep(sniffer, shop, quiet)) == {
        ("sniffer", "shop", "host-network"),
        ("sniffer", "host:h1", "host-network"),
    }
    assert reach_graph(dep(sniffer, shop, quiet)).edges["sniffer", "shop"]["port"] == 443


def test_docker_sock_controls_its_own_host_only() -> None:
    ops = w("ops", mounts=(Mount("bind", "/run/docker.sock", "/var/run/docker.sock", True),))
    facts = (
        ComponentFacts("ops", host="h1"),
        ComponentFacts("db", host="h1"),
        ComponentFacts("far", host="h2"),
    )
    d = dep(ops, w("db"), w("far"), components=facts)
    assert component_edges(d) == {("ops", "db", "docker.sock"), ("ops", "host:h1", "docker.sock")}


def test_unrecorded_hosts_are_one_host_and_said_so() -> None:
    """Compose services nobody recorded a host for, and no engine ran: assumed on one host."""
    sock = Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock")
    ops = Workload("ops", "ops", "service", 7, mounts=(sock,))
    db = Workload("db", "db", "service", 7)
    d = dep(ops, db, components=(ComponentFacts("ops"), ComponentFacts("db")))
    assert component_edges(d) == {
        ("ops", "db", "docker.sock"),
        ("ops", "host:(unrecorded)", "docker.sock"),
    }
    (said,) = reach_graph(d).graph["assumptions"]
    assert said.startswith("no component has a host recorded: all 2 are treated as running")
    partly = (ComponentFacts("ops", host="h1"), ComponentFacts("db"))
    (said,) = reach_graph(replace(d, components=partly)).graph["assumptions"]
    assert said == "db has no host recorded: treated as sharing one host (host:(unrecorded))"
    assert component_edges(replace(d, components=partly)) == {("ops", "host:h1", "docker.sock")}


def test_containers_collected_from_an_engine_are_on_its_host() -> None:
    """No host recorded, but the containers came from one engine: they share its host, named
    by `docker info`, and that is evidence, not an assumption. A compose service that did not
    run there stays on the assumed host; a recorded host wins over the engine's."""
    ops = w("ops", mounts=(Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),))
    daemon = DaemonFacts(11, {"Name": "pay-host-1", "ID": "7TRN:IPZB"}, {})
    d = dep(ops, w("db"), components=(ComponentFacts("ops"), ComponentFacts("db")), daemon=daemon)
    assert component_edges(d) == {
        ("ops", "db", "docker.sock"),
        ("ops", "host:pay-host-1", "docker.sock"),
    }
    assert reach_graph(d).graph["assumptions"] == ()
    assert blast_radius(d).assumptions == ()
    unnamed = replace(d, daemon=replace(daemon, info={"ID": "7TRN:IPZB"}))
    assert ("ops", "host:engine 7TRN:IPZB", "docker.sock") in component_edges(unnamed)
    uncollected = replace(d, daemon=None)
    assert ("ops", "host:(collected engine)", "docker.sock") in component_edges(uncollected)
    planned = Workload("report", "report", "service", 8)
    mixed = replace(d, workloads=(*d.workloads, planned))
    (said,) = reach_graph(mixed).graph["assumptions"]
    assert said == (
        "report has no host recorded and no container collected from the engine: treated as "
        "sharing one host (host:(unrecorded))"
    )
    assert ("ops", "report", "docker.sock") not in component_edges(mixed)
    elsewhere = (ComponentFacts("ops"), ComponentFacts("db", host="vault-host"))
    assert component_edges(replace(d, components=elsewhere)) == {
        ("ops", "host:pay-host-1", "docker.sock")
    }


def test_shared_writable_volumes() -> None:
    rw = Mount("volume", "uploads", "/data")
    ro = replace(rw, read_only=True)
    both = dep(w("a", mounts=(rw,)), w("b", mounts=(rw,)))
    assert component_edges(both) == {("a", "b", "shared-volume"), ("b", "a", "shared-volume")}
    writer_reader = dep(w("a", mounts=(rw,)), w("b", mounts=(ro,)))
    assert component_edges(writer_reader) == {("a", "b", "shared-volume")}
    assert component_edges(dep(w("a", mounts=(ro,)), w("b", mounts=(ro,)))) == set()
    bind = Mount("bind", "/srv/shared/", "/x")
    assert component_edges(
        dep(w("a", mounts=(bind,)), w("b", mounts=(replace(bind, source="/srv/shared"),)))
    ) == {
        ("a", "b", "shared-volume"),
        ("b", "a", "shared-volume"),
    }
    apart = (ComponentFacts("a", host="h1"), ComponentFacts("b", host="h2"))
    assert (
        component_edges(dep(w("a", mounts=(rw,)), w("b", mounts=(rw,)), components=apart)) == set()
    )


def test_namespaces() -> None:
    d = dep(
        w("tracer", pid_mode="host"),
        w("shm", ipc_mode="host"),
        w("side", ipc_mode="container:main", network_mode="service:main"),
        w("peek", pid_mode="container:main"),
        w("main"),
        w("odd", pid_mode="container:", network_mode="container:nowhere"),
    )
    assert component_edges(d) == {
        ("tracer", "host:h1", "host-pid"),
        ("shm", "host:h1", "host-ipc"),
        ("side", "main", "shared-netns"),  # sharing the network stack beats IPC: kept
        ("peek", "main", "shared-pid"),
    }


def test_privileged_reaches_the_host_and_through_it_everything_on_it() -> None:
    d = dep(
        w("root", privileged=True),
        w("db"),
        components=(
            ComponentFacts("root", host="h1"),
            ComponentFacts("db", host="h1", in_cde=True),
        ),
    )
    assert component_edges(d) == {("root", "host:h1", "privileged")}
    (head,) = blast_radius(d, "root").beachheads
    assert [(h.node, h.steps) for h in head.hosts] == [("host:h1", 1)]
    assert (
        describe(head.targets[0].best)
        == "root → host:h1 → db (2 steps) via privileged, control of host:h1"
    )


# --- ranking, limits, errors -----------------------------------------------------------------


def chain(n: int) -> Deployment:
    """c0 → c1 → ... → c{n-1}; each pair shares its own network; the last holds card data."""
    workloads = tuple(
        w(
            f"c{i}",
            networks=tuple(f"n{j}" for j in (i - 1, i) if 0 <= j < n - 1),
            exposed=((80, "tcp"),),
        )
        for i in range(n)
    )
    facts = tuple(
        ComponentFacts(f"c{i}", internet_facing=i == 0, in_cde=i == n - 1, host="h1")
        for i in range(n)
    )
    return dep(*workloads, components=facts)


def test_cut_off() -> None:
    d = chain(5)
    (head,) = blast_radius(d, max_steps=3).beachheads
    assert [r.node for r in head.reachable] == ["c1", "c2", "c3"] and head.targets == ()
    (head,) = blast_radius(d, max_steps=4).beachheads
    assert [(t.component, t.best.length) for t in head.targets] == [("c4", 4)]
    with pytest.raises(BlastError, match="at least 1"):
        blast_radius(d, max_steps=0)


def fan(middles: int, weak: str = "") -> Deployment:
    """start → m0..m{k} → vault; each middle shares network "a" with start, "b" with vault."""
    ws = [w("start", networks=("a",))]
    ws += [w(f"m{i}", networks=("a", "b"), exposed=((80, "tcp"),)) for i in range(middles)]
    ws.append(w("vault", networks=("b",), exposed=((5432, "tcp"),)))
    facts = [ComponentFacts("start", internet_facing=True)]
    facts += [
        ComponentFacts(f"m{i}", fixable_critical=2 if f"m{i}" == weak else 0)
        for i in range(middles)
    ]
    facts.append(ComponentFacts("vault", data_classes=("sensitive-authentication-data",)))
    return dep(*ws, components=tuple(facts))


def test_ranked_by_weaknesses_among_equal_lengths() -> None:
    (head,) = blast_radius(fan(3, weak="m2")).beachheads
    (vault,) = [t for t in head.targets if t.component == "vault"]
    assert vault.paths[0].nodes[1] == "m2"
    assert vault.best.score == 3
    assert describe_weaknesses(vault.best) == "m2: 2 fixable critical/high vulnerabilities"
    # then the three-step detours between middles (they share both networks)
    assert [(p.length, p.score) for p in vault.paths] == [(2, 3), (2, 0), (2, 0), (3, 3), (3, 3)]


def test_path_cap_keeps_big_deployments_bounded() -> None:
    (head,) = blast_radius(fan(40), max_paths=3).beachheads
    (vault,) = [t for t in head.targets if t.component == "vault"]
    assert len(vault.paths) == 3 and vault.capped
    assert all(p.length == 2 for p in vault.paths)
    (head,) = blast_radius(fan(2)).beachheads
    assert [p.nodes for p in head.targets[0].paths] == [
        ("start", "m0", "vault"),
        ("start", "m1", "vault"),
        ("start", "m0", "m1", "vault"),
        ("start", "m1", "m0", "vault"),
    ]
    assert not head.targets[0].capped


def test_weaknesses_root_caps_and_userns() -> None:
    image = ImageFacts("shop/api:1", "sha256:1", 5, user="")
    api = w(
        "api", image="shop/api:1", cap_add=("NET_ADMIN",), networks=("n",), exposed=((1, "tcp"),)
    )
    db = w("db", user="postgres", networks=("n",), exposed=((5432, "tcp"),))
    daemon = DaemonFacts(1, {"SecurityOptions": ["name=seccomp,profile=builtin"]}, {})
    facts = (ComponentFacts("api", internet_facing=True), ComponentFacts("db", in_cde=True))
    d = dep(api, db, components=facts, images=(image,), daemon=daemon)
    radius = blast_radius(d)
    assert radius.assumptions == ()  # both containers ran on the one collected engine
    path = radius.beachheads[0].targets[0].best
    assert [(x.component, x.kind) for x in path.weaknesses] == [
        ("api", "capabilities"),
        ("api", "no-userns"),
        ("api", "root"),
        ("db", "no-userns"),
    ]
    assert path.score == 4 + 1 + 1 + 1
    remapped = replace(daemon, info={"SecurityOptions": ["name=userns"]})
    path = blast_radius(replace(d, daemon=remapped)).beachheads[0].targets[0].best
    assert [x.kind for x in path.weaknesses] == ["capabilities", "root"]


def test_unknown_start_and_no_internet_facing() -> None:
    with pytest.raises(UnknownComponentError) as raised:
        blast_radius(three_tier(), "nope")
    assert str(raised.value) == (
        "no component named 'nope'; the components are: api, db, proxy, worker"
    )
    quiet = replace(three_tier(), components=(), flows=())
    assert blast_radius(quiet).beachheads == ()


def test_hostile_values_do_not_crash() -> None:
    odd = w(
        "odd",
        networks=("", "host", "none"),
        ports=(PublishedPort(0, host_ip="::1"), PublishedPort(-5)),
        exposed=((0, "tcp"),),
        mounts=(Mount("bind", "", "/"), Mount("tmpfs", "", "/tmp"), Mount("volume", "/", "/x")),
        pid_mode="container:odd",
        network_mode="service:",
    )
    d = dep(odd, w("x", networks=("host",), exposed=((22, "tcp"),)))
    assert component_edges(d) == set()
    assert blast_radius(d, "odd").beachheads[0].reachable == ()


def test_a_declared_flow_is_a_connection_even_where_evidence_shows_none() -> None:
    """db was not collected, so nothing shows it on a network or listening; the flow api → db
    that people declared still lets whoever owns api reach it."""
    d = three_tier()
    d = replace(d, workloads=tuple(x for x in d.workloads if x.name != "db"))
    edges = component_edges(d)
    assert ("api", "db", "declared-flow") in edges
    assert ("worker", "db", "docker.sock") in edges
    g = reach_graph(d)
    assert g.edges["api", "db"]["reason"] == "flow #3: api connects to db on 5432/tcp"


def test_a_finding_is_as_severe_as_the_worst_path_not_the_shortest() -> None:
    d = three_tier()
    workloads = tuple(
        replace(x, exposed=((9000, "tcp"),)) if x.name == "worker" else x for x in d.workloads
    )
    d = replace(d, workloads=workloads)
    (head,) = blast_radius(d).beachheads
    db = next(t for t in head.targets if t.component == "db")
    assert db.best.severity == "medium"
    assert {"high", "critical"} & {p.severity for p in db.paths}
    [hit] = [h for h in path_to_cardholder_data.run(d) if h.component == "db"]
    assert hit.severity in ("high", "critical") and "2 steps" in hit.title
    assert "docker.sock" in [e["kind"] for e in hit.detail["edges"]]
