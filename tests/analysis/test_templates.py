"""Security templates: the schema, the diff of a workload against its template, the rules, and
a hardened and a faulty container on the real engine held against the shipped template."""

from __future__ import annotations

import io
import json
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from auditapp.analysis.facts import EvidenceDoc, build_deployment
from auditapp.analysis.interface import Hit
from auditapp.analysis.model import (
    ComponentFacts,
    DaemonFacts,
    Deployment,
    ImageFacts,
    Mount,
    PublishedPort,
    Workload,
)
from auditapp.analysis.template_diff import RunContext, diff
from auditapp.analysis.template_rules import RULES, TEMPLATE_CIS
from auditapp.analysis.templates import SecurityTemplate, TemplateError, parse_template, to_body
from auditapp.resources import resource_path
from tests.analysis.three_tier import HARDENED, three_tier

SHIPPED = tomllib.loads(resource_path("templates", "pci-hardened.toml").read_text())


def shipped() -> SecurityTemplate:
    return parse_template(SHIPPED, name="pci-hardened")


def hardened(**changes: Any) -> Workload:
    """A workload the shipped template accepts: every fault below is planted on a copy."""
    base = Workload(
        "api",
        "api",
        "container",
        7,
        image="shop/api:1.4",
        apparmor_profile="docker-default",
        mounts=(Mount("tmpfs", "", "/tmp"),),
        ports=(PublishedPort(8080, "tcp", "127.0.0.1", 8080),),
        **HARDENED,  # type: ignore[arg-type]
    )
    return replace(base, **changes)


def keys(found: list[Any]) -> list[tuple[str, str]]:
    return [(d.key, d.item) for d in found]


# --- the schema ---------------------------------------------------------------------------------


def test_the_shipped_template_parses_and_survives_its_canonical_form() -> None:
    t = shipped()
    assert t.user.non_root and t.read_only_rootfs and t.no_new_privileges
    assert t.capabilities_allowed == frozenset() and t.seccomp == "default"
    assert t.limits.memory_max == 1024**3 and t.limits.pids_max == 512
    body = to_body(t)
    assert parse_template(json.loads(json.dumps(body)), name="pci-hardened") == t


def test_every_key_round_trips() -> None:
    full = {
        "description": "everything",
        "user": {"non_root": True, "allowed": ["10001", "app"]},
        "privileged": True,
        "capabilities_allowed": ["cap_net_bind_service", "CHOWN"],
        "seccomp": "custom",
        "apparmor": ["docker-default", "shop-api"],
        "selinux": "required",
        "read_only_rootfs": True,
        "no_new_privileges": True,
        "limits": {"memory_max": "512MiB", "cpus_max": 1.5, "pids_max": 100},
        "mounts_allowed": ["/srv/*", "pgdata"],
        "host_namespaces_allowed": ["uts", "network"],
        "ports_bind": "specific",
    }
    t = parse_template(full, name="all")
    assert t.capabilities_allowed == {"NET_BIND_SERVICE", "CHOWN"}
    assert (t.apparmor, t.apparmor_profiles) == ("required", ("docker-default", "shop-api"))
    assert t.limits.memory_max == 512 * 1024**2 and t.limits.needs_memory
    assert parse_template(to_body(t), name="all") == t


def test_an_empty_template_checks_only_the_dangerous_three() -> None:
    t = parse_template({})
    w = hardened(
        user="",
        read_only_rootfs=False,
        memory_bytes=None,
        pid_mode="host",
        privileged=True,
        mounts=(Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),),
    )
    assert keys(diff(w, t)) == [
        ("privileged", ""),
        ("mounts_allowed", "/var/run/docker.sock"),
        ("host_namespaces_allowed", "pid"),
    ]


@pytest.mark.parametrize(
    ("data", "key", "problem"),
    [
        ({"seccom": "default"}, "seccom", "unknown key"),
        ({"user": {"nonroot": True}}, "user.nonroot", "unknown key"),
        ({"limits": {"memory": "yes"}}, "limits.memory", "expected true or false"),
        ({"privileged": 1}, "privileged", "expected true or false, found the number 1"),
        ({"user": ["root"]}, "user", "expected a table"),
        ({"seccomp": "unconfined"}, "seccomp", "not one of default, custom, any"),
        ({"capabilities_allowed": "NET_ADMIN"}, "capabilities_allowed", "list of strings"),
        ({"capabilities_allowed": ["NET_FLY"]}, "capabilities_allowed[0]", "unknown capability"),
        ({"capabilities_allowed": ["ALL"]}, "capabilities_allowed[0]", "ALL is not"),
        ({"mounts_allowed": ["/srv", ""]}, "mounts_allowed[1]", "non-empty string"),
        ({"mounts_allowed": [3]}, "mounts_allowed[0]", "found the number 3"),
        ({"mounts_allowed": ["x"] * 201}, "mounts_allowed", "more than 200"),
        ({"host_namespaces_allowed": ["mnt"]}, "host_namespaces_allowed[0]", "not one of"),
        ({"limits": {"memory_max": "lots"}}, "limits.memory_max", "not a size"),
        ({"limits": {"memory_max": 0}}, "limits.memory_max", "more than 0"),
        ({"limits": {"memory_max": 2**64}}, "limits.memory_max", "64 bits"),
        ({"limits": {"cpus_max": float("nan")}}, "limits.cpus_max", "more than 0"),
        ({"limits": {"cpus_max": 10**400}}, "limits.cpus_max", "more than 0"),
        ({"limits": {"memory_max": "1" * 41}}, "limits.memory_max", "not a size"),
        ({"limits": {"pids_max": 1.5}}, "limits.pids_max", "whole number"),
        ({"apparmor": []}, "apparmor", "allows no profile"),
        ({"apparmor": ["unconfined"]}, "apparmor", "unconfined is no profile"),
        ({"description": "x" * 501}, "description", "longer than 500"),
        ({"description": "a\x00b"}, "description", "control characters"),
        ({"ports_bind": None}, "", ""),  # None is "not set": accepted
        ({1: True}, "1", "unknown key"),
        ({"user": {"allowed": [datetime(2026, 1, 1, tzinfo=UTC)]}}, "user.allowed[0]", "datetime"),
    ],
)
def test_strict_validation_names_the_key_and_the_problem(
    data: dict[Any, Any], key: str, problem: str
) -> None:
    if not problem:
        parse_template(data)
        return
    with pytest.raises(TemplateError) as caught:
        parse_template(data)
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{key}: ")


def test_a_template_that_is_not_a_table() -> None:
    with pytest.raises(TemplateError, match="not a list"):
        parse_template(["privileged"])  # type: ignore[arg-type]


# --- the diff -----------------------------------------------------------------------------------


def test_the_hardened_workload_has_no_deviation() -> None:
    assert diff(hardened(), shipped()) == []


@pytest.mark.parametrize(
    ("fault", "expected", "severity"),
    [
        ({"privileged": True}, [("privileged", ""), ("seccomp", ""), ("apparmor", "")], "critical"),
        ({"user": "0:0"}, [("user.non_root", "")], "high"),
        ({"cap_add": ("NET_ADMIN",)}, [("capabilities_allowed", "NET_ADMIN")], "high"),
        (
            {"cap_drop": ()},
            [
                ("capabilities_allowed", c)
                for c in sorted(
                    [
                        "AUDIT_WRITE",
                        "CHOWN",
                        "DAC_OVERRIDE",
                        "FOWNER",
                        "FSETID",
                        "KILL",
                        "MKNOD",
                        "NET_BIND_SERVICE",
                        "NET_RAW",
                        "SETFCAP",
                        "SETGID",
                        "SETPCAP",
                        "SETUID",
                        "SYS_CHROOT",
                    ]
                )
            ],
            "medium",
        ),
        ({"security_opt": ("no-new-privileges", "seccomp=unconfined")}, [("seccomp", "")], "high"),
        ({"security_opt": ("no-new-privileges", "seccomp={}")}, [("seccomp", "")], "medium"),
        ({"apparmor_profile": ""}, [("apparmor", "")], "medium"),
        (
            {"security_opt": ("no-new-privileges", "apparmor=unconfined")},
            [("apparmor", "")],
            "medium",
        ),
        ({"read_only_rootfs": False}, [("read_only_rootfs", "")], "medium"),
        ({"security_opt": ()}, [("no_new_privileges", "")], "medium"),
        ({"security_opt": ("no-new-privileges:false",)}, [("no_new_privileges", "")], "medium"),
        ({"memory_bytes": 0}, [("limits.memory", "")], "medium"),
        ({"memory_bytes": 2 * 1024**3}, [("limits.memory", "")], "medium"),
        ({"nano_cpus": None}, [("limits.cpu", "")], "low"),
        ({"pids_limit": -1}, [("limits.pids", "")], "medium"),
        ({"pids_limit": 4096}, [("limits.pids", "")], "medium"),
        (
            {"mounts": (Mount("bind", "/etc", "/host-etc"),)},
            [("mounts_allowed", "/host-etc")],
            "medium",
        ),
        (
            {"mounts": (Mount("bind", "/run/docker.sock", "/sock", read_only=True),)},
            [("mounts_allowed", "/sock")],
            "critical",
        ),
        ({"network_mode": "host"}, [("host_namespaces_allowed", "network")], "high"),
        ({"uts_mode": "host"}, [("host_namespaces_allowed", "uts")], "low"),
        ({"ports": (PublishedPort(443, "tcp", "", 443),)}, [("ports_bind", "443/tcp")], "medium"),
        ({"ports": (PublishedPort(53, "udp", "10.0.0.5"),)}, [("ports_bind", "53/udp")], "medium"),
    ],
)
def test_each_planted_fault_is_exactly_one_deviation_of_its_key(
    fault: dict[str, Any], expected: list[tuple[str, str]], severity: str
) -> None:
    found = diff(hardened(**fault), shipped())
    assert keys(found) == expected
    assert found[0].severity == severity


@pytest.mark.parametrize(
    ("fault", "cis"),
    [
        ({"privileged": True}, "5.5"),
        ({"user": "0:0"}, "4.1"),
        ({"cap_add": ("NET_ADMIN",)}, "5.4"),
        ({"security_opt": ("no-new-privileges", "seccomp=unconfined")}, "5.22"),
        ({"apparmor_profile": ""}, "5.2"),
        ({"read_only_rootfs": False}, "5.13"),
        ({"security_opt": ()}, "5.26"),
        ({"memory_bytes": 0}, "5.11"),
        ({"nano_cpus": None}, "5.12"),
        ({"pids_limit": -1}, "5.29"),
        ({"mounts": (Mount("bind", "/etc", "/host-etc"),)}, "5.6"),
        ({"mounts": (Mount("bind", "/run/docker.sock", "/sock", read_only=True),)}, "5.32"),
        ({"mounts": (Mount("bind", "/var/run", "/host-run"),)}, "5.32"),
        ({"network_mode": "host"}, "5.10"),
        ({"pid_mode": "host"}, "5.16"),
        ({"ipc_mode": "host"}, "5.17"),
        ({"uts_mode": "host"}, "5.21"),
        ({"userns_mode": "host"}, "5.31"),
        ({"ports": (PublishedPort(443, "tcp", "", 443),)}, "5.14"),
    ],
)
def test_each_deviation_names_the_one_cis_recommendation_it_breaks(
    fault: dict[str, Any], cis: str
) -> None:
    first = diff(hardened(**fault), shipped())[0]
    assert first.cis_ids == (cis,)
    assert cis in TEMPLATE_CIS  # the rule's list is every id a deviation can name


def test_an_selinux_deviation_names_5_3() -> None:
    [found] = diff(hardened(), parse_template({"selinux": "required"}))
    assert (found.key, found.cis_ids) == ("selinux", ("5.3",))


def test_cpu_shares_count_as_a_limit_unless_a_cap_is_set() -> None:
    t = shipped()
    assert diff(hardened(nano_cpus=None, cpu_shares=512), t) == []
    assert keys(diff(hardened(nano_cpus=None, cpu_shares=1024), t)) == [("limits.cpu", "")]
    capped = parse_template({"limits": {"cpus_max": 0.25}})
    found = diff(hardened(), capped)
    assert [(d.key, d.actual, d.expected) for d in found] == [
        ("limits.cpu", "0.5 CPUs", "at most 0.25 CPUs")
    ]


def test_user_allowed_lists_compare_the_user_or_its_uid() -> None:
    t = parse_template({"user": {"allowed": ["10001"]}})
    assert diff(hardened(user="10001:10001"), t) == []
    found = diff(hardened(user="app"), t)
    assert [(d.key, d.actual, d.severity) for d in found] == [("user.allowed", "app", "medium")]


def test_an_unknown_user_is_said_so_not_guessed() -> None:
    service = hardened(origin="service", user=None)
    found = diff(service, shipped())
    assert [(d.key, d.severity) for d in found] == [("user", "low")]
    assert "not collected" in found[0].actual
    assert diff(service, shipped(), RunContext("10001")) == []
    assert keys(diff(service, shipped(), RunContext(""))) == [("user.non_root", "")]


def test_the_daemon_can_supply_no_new_privileges() -> None:
    w = hardened(security_opt=())
    assert diff(w, shipped(), RunContext("10001", daemon_no_new_privileges=True)) == []


def test_docker_sock_only_through_a_glob_that_names_it() -> None:
    sock = hardened(mounts=(Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),))
    everything = parse_template({"mounts_allowed": ["*"]})
    assert keys(diff(sock, everything)) == [("mounts_allowed", "/var/run/docker.sock")]
    named = parse_template({"mounts_allowed": ["/var/run/docker.sock"]})
    assert diff(sock, named) == []


def test_any_runtime_socket_only_through_a_glob_that_names_it() -> None:
    containerd = hardened(mounts=(Mount("bind", "/run/containerd/containerd.sock", "/c.sock"),))
    folder = hardened(mounts=(Mount("bind", "/var/run", "/host-run", True),))
    broad = parse_template({"mounts_allowed": ["*", "/var/run*", "/run/*"]})
    for w in (containerd, folder):
        (found,) = diff(w, broad)
        assert (found.key, found.severity) == ("mounts_allowed", "critical")
    assert diff(containerd, broad)[0].expected == "no containerd.sock mount"
    assert diff(folder, broad)[0].expected == "no runtime socket mount"
    assert diff(containerd, parse_template({"mounts_allowed": ["*/containerd.sock"]})) == []
    assert diff(folder, parse_template({"mounts_allowed": ["/var/run"]})) == []


def test_apparmor_profile_lists() -> None:
    t = parse_template({"apparmor": ["shop-api"]})
    assert keys(diff(hardened(apparmor_profile="docker-default"), t)) == [("apparmor", "")]
    assert diff(hardened(security_opt=("no-new-privileges", "apparmor=shop-api")), t) == []
    service = hardened(origin="service", apparmor_profile=None)
    assert diff(service, parse_template({"apparmor": "required"})) == []
    assert "assumed" in diff(service, t)[0].actual


def test_selinux_required() -> None:
    t = parse_template({"selinux": "required"})
    assert keys(diff(hardened(), t)) == [("selinux", "")]
    assert diff(hardened(security_opt=("label=type:svirt_apache_t",)), t) == []
    assert diff(hardened(security_opt=("label=disable",)), t)[0].actual == "disabled"


def test_ports_none_and_specific() -> None:
    none = parse_template({"ports_bind": "none"})
    assert keys(diff(hardened(), none)) == [("ports_bind", "8080/tcp")]
    specific = parse_template({"ports_bind": "specific"})
    assert diff(hardened(ports=(PublishedPort(80, "tcp", "10.0.0.5"),)), specific) == []
    wide = hardened(ports=(PublishedPort(80, "tcp", "0.0.0.0"),))
    assert keys(diff(wide, specific)) == [("ports_bind", "80/tcp")]


# --- the rules ----------------------------------------------------------------------------------


def run(d: Deployment) -> dict[str, list[Hit]]:
    return {r.id: r.run(d) for r in RULES}


def test_the_rules_are_documented() -> None:
    for r in RULES:
        assert r.doc and r.fails and r.pci and len(r.id) <= 40


def test_three_tier_against_the_shipped_template() -> None:
    d = three_tier()
    d = replace(
        d,
        components=tuple(replace(c, template="pci") for c in d.components if c.name != "db")
        + tuple(c for c in d.components if c.name == "db"),
        templates={"pci": SHIPPED},
    )
    hits = run(d)
    found = sorted(
        (h.subject, h.detail["key"], h.detail["item"]) for h in hits["template.deviation"]
    )
    assert found == [
        ("proxy", "ports_bind", "443/tcp"),
        ("proxy", "ports_bind", "8081/tcp"),
        ("worker", "mounts_allowed", "/var/run/docker.sock"),
    ]
    sock = next(h for h in hits["template.deviation"] if h.detail["key"] == "mounts_allowed")
    assert sock.severity == "critical"
    assert sorted(h.cis for h in hits["template.deviation"]) == [("5.14",), ("5.14",), ("5.32",)]
    assert sock.location == "service worker template mounts_allowed /var/run/docker.sock"
    assert sock.detail["field"] == "volumes" and sock.detail["template"] == "pci"
    assert "pci" in sock.title
    assert [h.component for h in hits["template.unassigned"]] == ["db"]
    assert hits["template.missing"] == []


def test_image_users_come_from_the_collected_images() -> None:
    d = three_tier()
    d = replace(
        d,
        components=tuple(replace(c, template="pci") for c in d.components),
        workloads=tuple(replace(w, user=None) for w in d.workloads),
        templates={"pci": {"user": {"non_root": True}}},
        images=(
            ImageFacts("shop/api:1.4", "sha256:a", 3, user="10001"),
            ImageFacts("postgres:16", "sha256:b", 4, user=""),
        ),
    )
    hits = run(d)["template.deviation"]
    assert sorted((h.subject, h.detail["key"], h.severity) for h in hits) == [
        ("db", "user.non_root", "high"),
        ("proxy", "user", "low"),  # nginx:1.27 was not collected: unknown, and said so
        ("worker", "mounts_allowed", "critical"),  # docker.sock: refused even when not listed
        ("worker", "user", "low"),
    ]


def test_the_daemon_config_counts_for_no_new_privileges() -> None:
    w = hardened(security_opt=())
    d = Deployment(
        components=(ComponentFacts("api", template="t"),),
        workloads=(w,),
        templates={"t": {"no_new_privileges": True}},
    )
    assert len(run(d)["template.deviation"]) == 1
    d = replace(d, daemon=DaemonFacts(1, {}, {}, {"no-new-privileges": True}, 2))
    assert run(d)["template.deviation"] == []


@pytest.mark.parametrize(
    ("stored", "expected_title"),
    [
        (None, "Security template t is not defined"),
        ({"privileged": "no"}, "Security template t cannot be read: privileged: expected true"),
        (["not", "a", "table"], "Security template t cannot be read: template 't' is stored"),
        ("privileged", "Security template t cannot be read: template 't' is stored"),
    ],
)
def test_missing_or_unreadable_templates_are_hits_not_crashes(
    stored: Any, expected_title: str
) -> None:
    d = Deployment(
        components=(ComponentFacts("api", template="t"), ComponentFacts("idle")),
        workloads=(hardened(privileged=True),),
        templates={} if stored is None else {"t": stored},
    )
    hits = run(d)
    assert hits["template.deviation"] == []  # nothing to compare with
    assert hits["template.unassigned"] == []  # it has one; idle runs nothing
    [missing] = hits["template.missing"]
    assert (missing.component, missing.severity) == ("api", "")
    assert missing.title.startswith(expected_title)
    assert missing.location == "component api template t"


# --- the real engine ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_deployment(docker_client: Any) -> Iterator[Deployment]:
    """A hardened and a faulty container created (not started) on the test engine, read back
    through `docker inspect` and the evidence model."""
    tag = f"auditapp-test/template-{uuid.uuid4().hex[:8]}:1"
    dockerfile = b'FROM scratch\nLABEL purpose=auditapp-test\nUSER 10001\nCMD ["/app"]\n'
    image, _ = docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    created = []
    try:
        good = docker_client.containers.create(
            image.id,
            name=f"tpl-good-{uuid.uuid4().hex[:8]}",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            read_only=True,
            mem_limit="256m",
            nano_cpus=500_000_000,
            pids_limit=100,
            tmpfs={"/tmp": "size=16m"},
            ports={"8080/tcp": ("127.0.0.1", None)},
        )
        created.append(good)
        bad = docker_client.containers.create(
            image.id,
            name=f"tpl-bad-{uuid.uuid4().hex[:8]}",
            user="0",
            cap_add=["SYS_PTRACE"],
            cap_drop=["ALL"],
            security_opt=["no-new-privileges", "seccomp=unconfined"],
            read_only=True,
            mem_limit="256m",
            nano_cpus=500_000_000,
            pids_limit=100,
            pid_mode="host",
            ports={"8080/tcp": None},
        )
        created.append(bad)
        docs = [
            EvidenceDoc(
                i,
                "engine-container",
                c.name,
                datetime.now(UTC),
                docker_client.api.inspect_container(c.id),
            )
            for i, c in enumerate(created, start=1)
        ]
        deployment = build_deployment(docs)
        yield replace(
            deployment,
            components=tuple(replace(c, template="pci") for c in deployment.components),
            templates={"pci": {**SHIPPED, "apparmor": "any"}},  # the test engine has no AppArmor
        )
    finally:
        for c in created:
            c.remove(force=True)
        docker_client.images.remove(image.id, force=True)


@pytest.mark.docker
def test_real_engine_containers_against_the_shipped_template(engine_deployment: Deployment) -> None:
    hits = run(engine_deployment)["template.deviation"]
    by_workload: dict[str, list[tuple[str, str]]] = {}
    for h in hits:
        by_workload.setdefault(h.subject.split("-")[1], []).append(
            (h.detail["key"], h.detail["item"])
        )
    assert "good" not in by_workload, by_workload
    assert by_workload["bad"] == [
        ("user.non_root", ""),
        ("capabilities_allowed", "SYS_PTRACE"),
        ("seccomp", ""),
        ("host_namespaces_allowed", "pid"),
        ("ports_bind", "8080/tcp"),
    ]
    fields = {h.detail["key"]: h.detail["field"] for h in hits}
    assert fields["seccomp"] == "HostConfig.SecurityOpt"
    assert fields["host_namespaces_allowed"] == "HostConfig.PidMode"
