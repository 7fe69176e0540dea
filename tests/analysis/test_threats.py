"""The threat model as a pure function: elements, STRIDE-per-element, container rules, actors."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from auditapp.analysis.model import (
    ComponentFacts,
    DaemonFacts,
    DeclaredFlow,
    Deployment,
    Mount,
    NetworkFacts,
    PublishedPort,
    Workload,
)
from auditapp.analysis.threat_actors import (
    MOTIVATIONS,
    RESOURCE_LEVELS,
    SOPHISTICATION,
    THREAT_ACTOR_TYPES,
    load_actors,
)
from auditapp.analysis.threat_elements import image_words, system_model
from auditapp.analysis.threats import (
    ElementKind,
    GeneratedThreat,
    Stride,
    ThreatModelError,
    actor_catalogue,
    generate_threats,
)
from auditapp.checklist import load_checklist
from tests.analysis.three_tier import three_tier

STRIDE = "stride-per-element"
ESCAPE = "container-platform-escape"
BACKDOOR = "container-baseimage-backdooring"
MIXED = "mixed-targets-on-shared-runtime"
SEGMENTATION = "missing-network-segmentation"
UNENCRYPTED = "unencrypted-communication"
DIRECT = "unguarded-direct-datastore-access"
INTERNET_FLOW = "zone:internet -> proxy 443/tcp"
PROXY_FLOW = "proxy -> api 8080/tcp"
DB_FLOW = "api -> db 5432/tcp"


def triples(threats: list[GeneratedThreat]) -> set[tuple[str, str, str]]:
    return {(t.element, t.category.letter, t.rule) for t in threats}


def per_element(element: str, letters: str, rule: str = STRIDE) -> set[tuple[str, str, str]]:
    return {(element, letter, rule) for letter in letters}


def test_three_tier_threats_are_exactly_the_expected_ones() -> None:
    threats = generate_threats(three_tier())
    expected = (
        per_element("zone:internet", "SR")
        | per_element("proxy", "STRIDE")
        | per_element("api", "STRIDE")
        | per_element("worker", "STRIDE")
        | per_element("db", "TID")
        | per_element(INTERNET_FLOW, "TID")
        | per_element(PROXY_FLOW, "TID")
        | per_element(DB_FLOW, "TID")
        | {(name, "T", BACKDOOR) for name in ("proxy", "api", "db", "worker")}
        | {
            ("worker", "E", ESCAPE),
            ("host h1", "E", MIXED),
            ("api", "E", SEGMENTATION),
            ("db", "E", SEGMENTATION),
            (DB_FLOW, "I", UNENCRYPTED),
            (DB_FLOW, "T", UNENCRYPTED),
            ("db", "E", DIRECT),
        }
    )
    assert triples(threats) == expected
    assert len(threats) == len(expected) == 43
    assert len({t.fingerprint for t in threats}) == 43


def test_stride_per_element_counts_follow_the_element_kind() -> None:
    threats = [t for t in generate_threats(three_tier()) if t.rule == STRIDE]
    kinds = {t.element: t.element_kind for t in threats}
    assert kinds == {
        "zone:internet": ElementKind.EXTERNAL_ENTITY,
        "proxy": ElementKind.PROCESS,
        "api": ElementKind.PROCESS,
        "worker": ElementKind.PROCESS,
        "db": ElementKind.DATA_STORE,
        INTERNET_FLOW: ElementKind.DATA_FLOW,
        PROXY_FLOW: ElementKind.DATA_FLOW,
        DB_FLOW: ElementKind.DATA_FLOW,
    }
    counts = Counter(t.element for t in threats)
    assert {kinds[e]: n for e, n in counts.items()} == {
        ElementKind.EXTERNAL_ENTITY: 2,
        ElementKind.PROCESS: 6,
        ElementKind.DATA_STORE: 3,
        ElementKind.DATA_FLOW: 3,
    }


def test_planted_weaknesses_get_the_levels_their_facts_give() -> None:
    found = {(t.element, t.category.letter, t.rule): t for t in generate_threats(three_tier())}
    escape = found["worker", "E", ESCAPE]
    assert "/var/run/docker.sock" in escape.description
    assert "api, db hold cardholder data" in escape.description
    assert (escape.likelihood, escape.impact) == ("medium", "high")
    assert "topology.no_docker_socket_mounts" in escape.items
    leak = found[DB_FLOW, "I", UNENCRYPTED]
    assert (leak.likelihood, leak.impact, leak.element_kind) == ("medium", "high", "data-flow")
    assert "cardholder-data" in leak.description
    segmentation = found["db", "E", SEGMENTATION]
    assert "worker on back" in segmentation.description
    assert segmentation.likelihood == "high"  # the worker can reach the host
    api_segmentation = found["api", "E", SEGMENTATION]
    assert "proxy" not in api_segmentation.description  # a declared flow joins them
    spoofing = found["zone:internet", "S", STRIDE]
    assert (spoofing.likelihood, spoofing.impact) == ("high", "high")
    assert found["proxy", "E", STRIDE].likelihood == "high"  # internet-facing
    assert found["worker", "E", STRIDE].likelihood == "medium"
    assert found[INTERNET_FLOW, "I", STRIDE].likelihood == "low"  # TLS
    assert found[DB_FLOW, "I", STRIDE].likelihood == "medium"
    direct = found["db", "E", DIRECT]
    assert "reachable from worker" in direct.description and direct.impact == "high"


def test_fixing_the_weaknesses_removes_their_threats() -> None:
    d = three_tier()
    worker = next(w for w in d.workloads if w.name == "worker")
    fixed = dataclasses.replace(
        d,
        workloads=tuple(
            dataclasses.replace(w, mounts=(), networks=("jobs",)) if w is worker else w
            for w in d.workloads
        ),
        networks=tuple(
            dataclasses.replace(n, members=("api", "db")) if n.name == "back" else n
            for n in d.networks
        ),
        flows=tuple(
            dataclasses.replace(f, encrypted=True) if f.destination == "db" else f for f in d.flows
        ),
        components=tuple(dataclasses.replace(c, host=c.name) for c in d.components),
    )
    rules = {t.rule for t in generate_threats(fixed)}
    assert rules == {STRIDE, BACKDOOR}


def _vault_beside_a_web() -> Deployment:
    """A cardholder-data vault and a web front on the engine's default bridge, no flow."""
    return Deployment(
        components=(
            ComponentFacts("vault", data_classes=("cardholder-data",), host="h1"),
            ComponentFacts("web", internet_facing=True, host="h2"),
        ),
        workloads=(
            Workload("vault-1", "vault", "container", 1, image="vault:1", networks=("bridge",)),
            Workload("web-1", "web", "container", 2, image="web:1", networks=("bridge",)),
        ),
        networks=(
            NetworkFacts("bridge", "container", 3, default_bridge=True, members=("vault-1",)),
        ),
    )


def test_daemon_icc_off_keeps_the_default_bridge_from_joining_neighbours() -> None:
    d = _vault_beside_a_web()
    found = {(t.element, t.rule): t for t in generate_threats(d)}
    assert "web on bridge" in found["vault", SEGMENTATION].description
    off = dataclasses.replace(d, daemon=DaemonFacts(9, {}, {}, config={"icc": False}))
    assert ("vault", SEGMENTATION) not in {(t.element, t.rule) for t in generate_threats(off)}


def test_a_container_in_another_ones_network_namespace_is_on_its_networks() -> None:
    """The web's sidecar has no network of its own: it lives in web-1's namespace, so it is on
    the bridge with the vault, and the threat names it."""
    d = _vault_beside_a_web()
    sidecar = Workload("probe-1", "probe", "container", 4, network_mode="container:web-1")
    d = dataclasses.replace(
        d,
        components=(*d.components, ComponentFacts("probe", host="h2")),
        workloads=(*d.workloads, sidecar),
    )
    found = {(t.element, t.rule): t for t in generate_threats(d)}
    segmentation = found["vault", SEGMENTATION]
    assert "probe on bridge; web on bridge" in segmentation.description
    assert segmentation.components == ("vault", "probe", "web")


def test_privileged_and_published_store_and_image_pinning() -> None:
    d = Deployment(
        components=(
            ComponentFacts("cache", data_classes=("credentials",)),
            ComponentFacts("app", data_classes=("none",)),
        ),
        workloads=(
            Workload(
                "cache-1",
                "cache",
                "container",
                7,
                image="redis",
                ports=(PublishedPort(6379, "tcp", "0.0.0.0", 6379),),
            ),
            Workload(
                "app-1",
                "app",
                "container",
                8,
                image="registry.example.com/app@sha256:" + "a" * 64,
                privileged=True,
            ),
        ),
    )
    found = {(t.element, t.rule): t for t in generate_threats(d)}
    assert found["cache", BACKDOOR].likelihood == "high"  # no tag: latest
    assert found["app", BACKDOOR].likelihood == "low"  # pinned by digest
    direct = found["cache", DIRECT]
    assert "publishes 0.0.0.0:6379" in direct.description
    assert (direct.likelihood, direct.impact) == ("high", "medium")
    assert "network.ports_bound_to_interface" in direct.items
    escape = found["app", ESCAPE]
    assert "runs privileged (app-1)" in escape.description
    assert escape.impact == "medium"  # no cardholder data on the (unknown) host
    assert "profile.no_privileged_containers" in escape.items
    assert ("cache", MIXED) not in found  # no component holds cardholder data


def test_hosts_recorded_under_a_pseudo_hosts_name_are_not_merged_with_it() -> None:
    """A host recorded as "(unrecorded)" or "(collected engine)" is a host of that name; the
    components assumed to share a host, and those on an engine that gave no name, are apart
    from it, and each group is said as what it is."""
    cde = ("cardholder-data",)
    d = Deployment(
        components=(
            ComponentFacts("api", data_classes=cde),
            ComponentFacts("cache"),
            ComponentFacts("db", data_classes=cde, host="(unrecorded)"),
            ComponentFacts("web", host="(unrecorded)"),
            ComponentFacts("pay", data_classes=cde),
            ComponentFacts("tools"),
            ComponentFacts("batch", host="(collected engine)"),
        ),
        workloads=(
            Workload("api", "api", "service", 1),
            Workload("cache", "cache", "service", 1),
            Workload("db", "db", "service", 1),
            Workload("web", "web", "service", 1),
            Workload("shop-pay-1", "pay", "container", 2),
            Workload("shop-tools-1", "tools", "container", 3),
            Workload("batch", "batch", "service", 1),
        ),
    )
    threats = generate_threats(d)
    assert len({t.fingerprint for t in threats}) == len(threats)
    mixed = {t.element: t for t in threats if t.rule == MIXED}
    assert {e: t.components for e, t in mixed.items()} == {
        "host (collected engine)": ("pay", "tools"),
        "host (unrecorded)": ("api", "cache"),
        "host (unrecorded) (as recorded)": ("db", "web"),
    }
    assumed = mixed["host (unrecorded)"]
    assert assumed.title == "Cardholder-data and other components may share a host (none recorded)"
    recorded = mixed["host (unrecorded) (as recorded)"]
    assert recorded.title == "Cardholder-data and other components share host (unrecorded)"
    assert recorded.description.startswith("Host (unrecorded) runs CDE components (db)")
    engine = mixed["host (collected engine)"]
    assert engine.title == "Cardholder-data and other components share host (collected engine)"


def test_log_stores_get_repudiation_and_stores_need_sensitive_data() -> None:
    d = Deployment(
        components=(
            ComponentFacts("logs", data_classes=("none",)),
            ComponentFacts("sessions", data_classes=("none",)),
            ComponentFacts("api", data_classes=("cardholder-data",)),
        ),
        workloads=(
            Workload("logs", "logs", "service", 1, image="grafana/loki:3.0"),
            Workload("sessions", "sessions", "service", 1, image="redis:7"),
            Workload("api", "api", "service", 1, image="db.example.com/shop/api:1"),
        ),
    )
    model = system_model(d)
    assert [(s.component.name, s.holds_logs) for s in model.stores] == [("logs", True)]
    assert [c.name for c in model.processes] == ["api", "sessions"]
    letters = {t.category.letter for t in generate_threats(d) if t.element == "logs"}
    assert letters == {"T", "R", "I", "D"}
    assert image_words("db.example.com/shop/api:1") == {"shop", "api"}
    assert "postgres" in image_words("docker.io/library/postgres:16@sha256:" + "b" * 64)


def test_zones_come_from_flows_and_internet_facing_components() -> None:
    d = Deployment(
        components=(ComponentFacts("pay", internet_facing=True),),
        flows=(DeclaredFlow(1, "pay", "zone:payment-processor", 443, "tcp", ("cardholder-data",)),),
    )
    entities = {t.element for t in generate_threats(d) if t.element_kind == "external-entity"}
    assert entities == {"zone:internet", "zone:payment-processor"}
    assert system_model(d).entities == ("internet", "payment-processor")


def test_hostile_and_empty_deployments_do_not_crash() -> None:
    assert generate_threats(Deployment()) == []
    weird = Deployment(
        components=(ComponentFacts("x\x00y", host="h", in_cde=True), ComponentFacts("", host="h")),
        workloads=(
            Workload(
                "w",
                "ghost",
                "service",
                None,
                image=":::@@",
                networks=("n", "host", ""),
                mounts=(Mount("bind", "", ""), Mount("volume", "/var/run/docker.sock", "/s")),
            ),
        ),
        networks=(NetworkFacts("n", "service", None, members=("nobody", "w")),),
        flows=(
            DeclaredFlow(1, "zone:", "zone:", 0, ""),
            DeclaredFlow(1, "zone:", "zone:", 0, ""),
            DeclaredFlow(2, "ghost", "elsewhere", -1, "x" * 500, ("pan",)),
        ),
    )
    threats = generate_threats(weird)
    assert len({t.fingerprint for t in threats}) == len(threats)
    assert not any(t.rule == ESCAPE for t in threats)  # a volume named like a socket is not one
    assert any(t.element == "host h" and t.rule == MIXED for t in threats)


def test_every_link_names_a_real_item_and_actor() -> None:
    keys = {item.key: item.section for item in load_checklist().items()}
    kinds = {a.kind for a in actor_catalogue()}
    for threat in generate_threats(three_tier()):
        assert set(threat.items) <= keys.keys(), threat
        assert any(keys[k] == 5 for k in threat.items), threat
        assert threat.actors and set(threat.actors) <= kinds, threat
        assert threat.likelihood in ("low", "medium", "high")
        assert threat.impact in ("low", "medium", "high")
        assert threat.title and threat.description and threat.mitigation


def test_fingerprints_depend_on_rule_element_and_category_only() -> None:
    first = generate_threats(three_tier())
    reworded = [dataclasses.replace(t, title="x", likelihood="low") for t in first]
    assert [t.fingerprint for t in first] == [t.fingerprint for t in reworded]
    assert [t.fingerprint for t in first] == [t.fingerprint for t in generate_threats(three_tier())]


def test_stride_names_and_letters() -> None:
    assert Stride.parse("I") is Stride.INFORMATION_DISCLOSURE
    assert Stride.parse("Elevation of privilege") is Stride.ELEVATION_OF_PRIVILEGE
    assert Stride.parse("denial_of_service") is Stride.DENIAL_OF_SERVICE
    with pytest.raises(ValueError, match="unknown STRIDE category 'X'"):
        Stride.parse("X")


def test_the_catalogue_uses_the_stix_vocabularies() -> None:
    actors = actor_catalogue()
    assert [a.kind for a in actors] == [
        "organised-crime",
        "nation-state",
        "hacktivist",
        "malicious-insider",
        "negligent-insider",
        "opportunistic-attacker",
        "hacker-for-hire",
    ]
    for actor in actors:
        assert actor.stix_type in THREAT_ACTOR_TYPES
        assert actor.motivations and set(actor.motivations) <= set(MOTIVATIONS)
        assert actor.sophistication in SOPHISTICATION
        assert actor.resources in RESOURCE_LEVELS
        assert 100 < len(actor.description) < 600 and "\n" not in actor.description
    by_kind = {a.kind: a for a in actors}
    assert by_kind["organised-crime"].stix_type == "crime-syndicate"
    assert by_kind["negligent-insider"].motivations == ("accidental",)
    assert by_kind["malicious-insider"].stix_type == "insider-disgruntled"


def test_a_broken_catalogue_is_one_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "actors.toml"
    bad.write_text('[[actor]]\nkind = "x"\nname = "X"\nstix_type = "pirate"\nmotivations = 3\n')
    with pytest.raises(ThreatModelError, match=r"actor #1 in .*actors.toml: unknown STIX") as err:
        load_actors(bad)
    assert "motivation '3'" in str(err.value)
    bad.write_text("[[actor]\n")
    with pytest.raises(ThreatModelError, match="cannot read actor catalogue"):
        load_actors(bad)
    bad.write_text("title = 'none'\n")
    with pytest.raises(ThreatModelError, match="no \\[\\[actor\\]\\] entries"):
        load_actors(bad)


def test_linked_finding_rules_exist() -> None:
    """Every rule a threat links its findings by is a rule some rules module defines."""
    import importlib
    import pkgutil

    import auditapp.analysis

    defined = set()
    for module in pkgutil.iter_modules(auditapp.analysis.__path__):
        rules = getattr(importlib.import_module(f"auditapp.analysis.{module.name}"), "RULES", ())
        defined |= {r.id for r in rules}
    d = three_tier()
    published = dataclasses.replace(
        d,
        workloads=tuple(
            dataclasses.replace(w, ports=(PublishedPort(5432),), privileged=True)
            if w.name == "db"
            else w
            for w in d.workloads
        ),
    )
    linked = {rule for t in generate_threats(published) for rule in t.finding_rules}
    assert len(linked) > 15
    assert linked <= defined, linked - defined
