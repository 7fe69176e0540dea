"""The runtime rules on constructed workloads: every rule passes on a hardened container and a
hardened service, and each planted fault fails exactly the rules it should, at the place it
should, with the severity an assessor would give it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from auditapp.analysis import runtime
from auditapp.analysis.capabilities import ALL_CAPABILITIES, DEFAULT_CAPABILITIES
from auditapp.analysis.interface import SEVERITIES, Hit, Rule
from auditapp.analysis.model import (
    DaemonFacts,
    Deployment,
    ImageFacts,
    Mount,
    PublishedPort,
    Workload,
)
from tests.analysis.three_tier import three_tier

DIGEST = "sha256:" + "ab" * 32
HARDENED: dict[str, Any] = {
    "image": "shop/api:1.4",
    "image_digest": DIGEST,
    "user": "10001",
    "cap_drop": ("ALL",),
    "security_opt": ("no-new-privileges:true",),
    "read_only_rootfs": True,
    "memory_bytes": 256 * 1024 * 1024,
    "nano_cpus": 500_000_000,
    "pids_limit": 100,
    "restart_policy": "on-failure",
    "restart_max": 5,
    "healthcheck": True,
    "mounts": (Mount("volume", "data", "/data"), Mount("bind", "/srv/api/config", "/config", True)),
    "networks": ("back",),
}
CONTAINER = Workload(
    "api-1",
    "api",
    "container",
    7,
    apparmor_profile="docker-default",
    health_status="healthy",
    running=True,
    **HARDENED,
)
SERVICE = Workload("api", "api", "service", 3, **HARDENED)
IMAGE = ImageFacts("shop/api:1.4", DIGEST, 5, user="10001", healthcheck=True, components=("api",))
APPARMOR_HOST = {"SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin"]}


def deployment(*workloads: Workload, info: Any = None, config: Any = None) -> Deployment:
    daemon = DaemonFacts(1, APPARMOR_HOST if info is None else info, {}, config)
    return Deployment(workloads=workloads, images=(IMAGE,), daemon=daemon)


def hits(d: Deployment) -> list[tuple[Rule, Hit]]:
    return [(r, h) for r in runtime.RULES for h in r.run(d)]


def failed(d: Deployment) -> list[str]:
    return sorted(r.id for r, _ in hits(d))


@pytest.mark.parametrize("hardened", [CONTAINER, SERVICE], ids=["container", "service"])
def test_a_hardened_workload_passes_every_rule(hardened: Workload) -> None:
    assert failed(deployment(hardened)) == []


# (what is planted, the changes, the rules that must fail, for which origins)
BOTH = ("container", "service")
FAULTS: list[tuple[str, dict[str, Any], list[str], tuple[str, ...]]] = [
    ("root user 0", {"user": "0"}, ["runtime.root-user"], BOTH),
    ("root user root:root", {"user": "root:root"}, ["runtime.root-user"], BOTH),
    ("root uid, other group", {"user": "0:1000"}, ["runtime.root-user"], BOTH),
    ("empty Config.User", {"user": ""}, ["runtime.root-user"], ("container",)),
    ("privileged", {"privileged": True}, ["runtime.privileged"], BOTH),
    (
        "privileged, as the engine records it",
        {"privileged": True, "apparmor_profile": "unconfined", "security_opt": ("label=disable",)},
        ["runtime.no-new-privileges", "runtime.privileged"],
        ("container",),
    ),
    ("cap_add SYS_ADMIN", {"cap_add": ("SYS_ADMIN",)}, ["runtime.capabilities"], BOTH),
    (
        "cap_add two",
        {"cap_add": ("NET_ADMIN", "SYS_TIME")},
        ["runtime.capabilities", "runtime.capabilities"],
        BOTH,
    ),
    ("cap_add ALL", {"cap_add": ("ALL",)}, ["runtime.capabilities", "runtime.net-raw"], BOTH),
    ("cap_add inside the default set", {"cap_add": ("CHOWN", "NET_BIND_SERVICE")}, [], BOTH),
    ("default capabilities kept", {"cap_drop": ()}, ["runtime.net-raw"], BOTH),
    ("NET_RAW added back", {"cap_add": ("NET_RAW",)}, ["runtime.net-raw"], BOTH),
    ("only NET_RAW dropped", {"cap_drop": ("NET_RAW",)}, [], BOTH),
    (
        "seccomp unconfined",
        {"security_opt": ("no-new-privileges:true", "seccomp=unconfined")},
        ["runtime.seccomp-unconfined"],
        BOTH,
    ),
    (
        "seccomp:unconfined (old syntax)",
        {"security_opt": ("no-new-privileges", "seccomp:unconfined")},
        ["runtime.seccomp-unconfined"],
        BOTH,
    ),
    (
        "custom seccomp profile",
        {"security_opt": ("no-new-privileges", "seccomp=/etc/docker/tight.json")},
        [],
        BOTH,
    ),
    (
        "apparmor unconfined",
        {"security_opt": ("no-new-privileges", "apparmor=unconfined")},
        ["runtime.apparmor"],
        BOTH,
    ),
    ("empty AppArmor profile", {"apparmor_profile": ""}, ["runtime.apparmor"], ("container",)),
    (
        "label=disable",
        {"security_opt": ("no-new-privileges", "label=disable")},
        ["runtime.selinux"],
        BOTH,
    ),
    (
        "label:type (SELinux options)",
        {"security_opt": ("no-new-privileges", "label:type:svirt_apache_t")},
        [],
        BOTH,
    ),
    ("no no-new-privileges", {"security_opt": ()}, ["runtime.no-new-privileges"], BOTH),
    (
        "no-new-privileges false",
        {"security_opt": ("no-new-privileges:false",)},
        ["runtime.no-new-privileges"],
        BOTH,
    ),
    (
        "no-new-privileges turned off after on",
        {"security_opt": ("no-new-privileges", "no-new-privileges=false")},
        ["runtime.no-new-privileges"],
        BOTH,
    ),
    ("pid host", {"pid_mode": "host"}, ["runtime.host-pid"], BOTH),
    (
        "pid host, as the engine records it",
        {"pid_mode": "host", "security_opt": ("no-new-privileges", "label=disable")},
        ["runtime.host-pid"],
        ("container",),
    ),
    (
        "ipc host, as the engine records it",
        {"ipc_mode": "host", "security_opt": ("no-new-privileges", "label=disable")},
        ["runtime.host-ipc"],
        ("container",),
    ),
    ("pid of another container", {"pid_mode": "container:db"}, [], BOTH),
    ("ipc host", {"ipc_mode": "host"}, ["runtime.host-ipc"], BOTH),
    ("ipc private", {"ipc_mode": "private"}, [], BOTH),
    ("uts host", {"uts_mode": "host"}, ["runtime.host-uts"], BOTH),
    ("userns host", {"userns_mode": "host"}, ["runtime.host-userns"], BOTH),
    ("network host", {"network_mode": "host"}, ["runtime.host-network"], BOTH),
    ("cgroup parent", {"cgroup_parent": "/custom"}, ["runtime.cgroup-parent"], BOTH),
    (
        "/etc mounted rw",
        {"mounts": (Mount("bind", "/etc", "/host/etc"),)},
        ["runtime.sensitive-mount"],
        BOTH,
    ),
    (
        "/usr/share below a sensitive folder",
        {"mounts": (Mount("bind", "/usr/share/zoneinfo", "/zi"),)},
        ["runtime.sensitive-mount"],
        BOTH,
    ),
    ("/etc mounted read-only", {"mounts": (Mount("bind", "/etc", "/host/etc", True),)}, [], BOTH),
    ("/etcetera is not /etc", {"mounts": (Mount("bind", "/etcetera", "/x"),)}, [], BOTH),
    ("a volume called etc", {"mounts": (Mount("volume", "etc", "/etc"),)}, [], BOTH),
    (
        "host root rw, with the runtime's socket in it",
        {"mounts": (Mount("bind", "/", "/host"),)},
        ["runtime.docker-socket", "runtime.sensitive-mount"],
        BOTH,
    ),
    (
        "host root read-only: the socket still answers",
        {"mounts": (Mount("bind", "/", "/host", True),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "docker.sock, even read-only",
        {"mounts": (Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock", True),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "a docker.sock anywhere",
        {"mounts": (Mount("bind", "/tmp/x/docker.sock", "/sock"),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "the folder holding docker.sock",
        {"mounts": (Mount("bind", "/var/run", "/host-run", True),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "containerd.sock",
        {"mounts": (Mount("bind", "/run/containerd/containerd.sock", "/c.sock", True),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "podman.sock, rootless",
        {"mounts": (Mount("bind", "/run/user/1000/podman/podman.sock", "/p.sock"),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "the folder holding containerd.sock",
        {"mounts": (Mount("bind", "/run/containerd/", "/c", True),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "a host file bound where docker.sock is expected",
        {"mounts": (Mount("bind", "/srv/api.sock", "/var/run/docker.sock"),)},
        ["runtime.docker-socket"],
        BOTH,
    ),
    (
        "a named volume at docker.sock's place",
        {"mounts": (Mount("volume", "sock", "/var/run/docker.sock"),)},
        [],
        BOTH,
    ),
    ("/run/lock holds no socket", {"mounts": (Mount("bind", "/run/lock", "/lock"),)}, [], BOTH),
    (
        "shared propagation",
        {"mounts": (Mount("bind", "/srv/data", "/data", False, "rshared"),)},
        ["runtime.shared-propagation"],
        BOTH,
    ),
    (
        "slave propagation",
        {"mounts": (Mount("bind", "/srv/data", "/data", False, "rslave"),)},
        [],
        BOTH,
    ),
    ("a device", {"devices": ("/dev/fuse",)}, ["runtime.host-devices"], BOTH),
    (
        "port on one address",
        {"ports": (PublishedPort(8080, "tcp", "127.0.0.1", 8080),)},
        ["runtime.published-port"],
        BOTH,
    ),
    (
        "port on every interface",
        {"ports": (PublishedPort(8080, "tcp", "0.0.0.0", 8080),)},
        ["runtime.all-interfaces", "runtime.published-port"],
        BOTH,
    ),
    (
        "port with no address",
        {"ports": (PublishedPort(8080, "tcp", "", None),)},
        ["runtime.all-interfaces", "runtime.published-port"],
        BOTH,
    ),
    (
        "privileged port on one address",
        {"ports": (PublishedPort(80, "tcp", "10.0.0.5", 80),)},
        ["runtime.privileged-port", "runtime.published-port"],
        BOTH,
    ),
    (
        "ports ignored under the host network",
        {"network_mode": "host", "ports": (PublishedPort(80, "tcp", "", 80),)},
        ["runtime.host-network"],
        BOTH,
    ),
    ("no memory limit", {"memory_bytes": None}, ["runtime.memory-limit"], BOTH),
    ("memory limit 0", {"memory_bytes": 0}, ["runtime.memory-limit"], BOTH),
    ("no CPU limit", {"nano_cpus": None}, ["runtime.cpu-limit"], BOTH),
    ("default CPU shares", {"nano_cpus": 0, "cpu_shares": 1024}, ["runtime.cpu-limit"], BOTH),
    ("CPU shares set", {"nano_cpus": 0, "cpu_shares": 512}, [], BOTH),
    ("no PIDs limit", {"pids_limit": None}, ["runtime.pids-limit"], BOTH),
    ("PIDs limit -1", {"pids_limit": -1}, ["runtime.pids-limit"], BOTH),
    ("writable root", {"read_only_rootfs": False}, ["runtime.writable-rootfs"], BOTH),
    ("restart always", {"restart_policy": "always"}, ["runtime.restart-policy"], BOTH),
    (
        "restart unless-stopped",
        {"restart_policy": "unless-stopped", "restart_max": 0},
        ["runtime.restart-policy"],
        BOTH,
    ),
    ("on-failure, no cap", {"restart_max": 0}, ["runtime.restart-policy"], BOTH),
    ("on-failure:6", {"restart_max": 6}, ["runtime.restart-policy"], BOTH),
    ("restart no", {"restart_policy": "no", "restart_max": 0}, [], BOTH),
    (
        "running with no health status",
        {"health_status": None, "healthcheck": False},
        ["runtime.health"],
        ("container",),
    ),
    (
        "created, healthcheck defined",
        {"health_status": None, "running": False},
        [],
        ("container",),
    ),
    (
        "created, no healthcheck",
        {"health_status": None, "running": False, "healthcheck": False},
        ["runtime.health"],
        ("container",),
    ),
]


@pytest.mark.parametrize(
    ("origin", "changes", "expected"),
    [
        pytest.param(origin, changes, expected, id=f"{origin}: {name}")
        for name, changes, expected, origins in FAULTS
        for origin in origins
    ],
)
def test_a_planted_fault_fails_exactly_its_rules(
    origin: str, changes: dict[str, Any], expected: list[str]
) -> None:
    hardened = CONTAINER if origin == "container" else SERVICE
    assert failed(deployment(replace(hardened, **changes))) == sorted(expected)


def test_locations_name_the_setting_for_containers_and_services() -> None:
    faults: dict[str, Any] = {"privileged": True, "mounts": (Mount("bind", "/etc", "/host/etc"),)}
    found = {
        (r.id, h.location)
        for r, h in hits(deployment(replace(CONTAINER, **faults), replace(SERVICE, **faults)))
    }
    assert found == {
        ("runtime.privileged", "container api-1 HostConfig.Privileged"),
        ("runtime.privileged", "service api privileged"),
        ("runtime.sensitive-mount", "container api-1 Mounts /host/etc"),
        ("runtime.sensitive-mount", "service api volumes /host/etc"),
    }


def test_each_capability_is_its_own_finding_with_the_escape_ones_high() -> None:
    w = replace(SERVICE, cap_add=("NET_ADMIN", "SYS_TIME", "CHOWN"))
    found = {(h.location, h.severity, h.title) for _, h in hits(deployment(w))}
    assert found == {
        ("service api cap_add NET_ADMIN", "high", "Capability added: NET_ADMIN"),
        ("service api cap_add SYS_TIME", "", "Capability added: SYS_TIME"),
    }


def test_cap_add_all_is_one_high_finding_listing_the_capabilities() -> None:
    w = replace(SERVICE, cap_add=("ALL",), cap_drop=("SYS_ADMIN", "NET_RAW"))
    [(rule, hit)] = hits(deployment(w))
    assert (rule.id, hit.location, hit.severity) == (
        "runtime.capabilities",
        "service api cap_add ALL",
        "high",
    )
    expected = sorted(ALL_CAPABILITIES - DEFAULT_CAPABILITIES - {"SYS_ADMIN"})
    assert "NET_RAW" not in expected
    assert hit.detail["effective_beyond_default"] == expected


def test_the_host_root_is_critical_and_other_folders_high() -> None:
    w = replace(SERVICE, mounts=(Mount("bind", "/", "/host"), Mount("bind", "/proc", "/hp")))
    found = {
        (h.detail["folder"], h.severity or r.severity)
        for r, h in hits(deployment(w))
        if r.id == "runtime.sensitive-mount"
    }
    assert found == {("/", "critical"), ("/proc", "high")}


# --- the user, with and without the image's USER ---------------------------------------------


@pytest.mark.parametrize(
    ("image_user", "expected"),
    [("10001", []), ("", ["runtime.root-user"]), ("root", ["runtime.root-user"])],
)
def test_a_service_without_a_user_runs_as_its_images_user(
    image_user: str, expected: list[str]
) -> None:
    d = replace(deployment(replace(SERVICE, user=None)), images=(replace(IMAGE, user=image_user),))
    assert failed(d) == expected


def test_the_image_is_found_by_reference_when_the_digest_is_unknown() -> None:
    w = replace(SERVICE, user=None, image="docker.io/library/nginx", image_digest="")
    image = ImageFacts("nginx:latest", "sha256:" + "cd" * 32, 9, user="", components=("web",))
    d = replace(deployment(w), images=(image,))
    [(rule, hit)] = hits(d)
    assert (rule.id, dict(hit.detail)) == (
        "runtime.root-user",
        {"user": "", "source": "image", "image": "docker.io/library/nginx"},
    )


def test_an_uninspected_image_leaves_the_user_unverified_at_low_severity() -> None:
    d = replace(deployment(replace(SERVICE, user=None)), images=())
    [(rule, hit)] = hits(d)
    assert (rule.id, hit.severity, hit.detail["source"]) == ("runtime.root-user", "low", "unknown")


@pytest.mark.parametrize(
    ("service_check", "image_check", "expected"),
    [
        (None, True, []),
        (None, False, ["runtime.health"]),
        (None, None, ["runtime.health"]),
        (False, True, []),  # compose may override only the timing of the image's check
        (True, False, []),
    ],
)
def test_a_service_is_health_checked_by_its_own_or_its_images_healthcheck(
    service_check: bool | None, image_check: bool | None, expected: list[str]
) -> None:
    d = deployment(replace(SERVICE, healthcheck=service_check))
    d = replace(d, images=(replace(IMAGE, healthcheck=image_check),))
    assert failed(d) == expected


# --- what the daemon says ---------------------------------------------------------------------


def test_no_new_privileges_set_daemon_wide_in_the_config_file() -> None:
    w = replace(CONTAINER, security_opt=())
    assert failed(deployment(w, config={"no-new-privileges": True})) == []
    assert failed(deployment(w, config={"no-new-privileges": "yes"})) == [
        "runtime.no-new-privileges"
    ]


def test_no_new_privileges_reported_by_a_newer_engine() -> None:
    info = {"SecurityOptions": ["name=apparmor", "name=no-new-privileges"]}
    assert failed(deployment(replace(CONTAINER, security_opt=()), info=info)) == []


def test_an_empty_apparmor_profile_is_not_judged_on_a_host_without_apparmor() -> None:
    w = replace(CONTAINER, apparmor_profile="")
    assert failed(deployment(w, info={"SecurityOptions": ["name=seccomp,profile=default"]})) == []
    # with no daemon information the benchmark's reading applies
    assert failed(replace(deployment(w), daemon=None)) == ["runtime.apparmor"]


def test_selinux_hosts_want_label_options_at_low_severity() -> None:
    info = {"SecurityOptions": ["name=selinux"]}
    [(rule, hit)] = hits(deployment(SERVICE, info=info))
    assert (rule.id, hit.severity, hit.title) == (
        "runtime.selinux",
        "low",
        "No SELinux options set",
    )
    labelled = replace(SERVICE, security_opt=("no-new-privileges", "label=level:s0:c100,c200"))
    assert failed(deployment(labelled, info=info)) == []


@pytest.mark.parametrize(
    "info",
    [{"SecurityOptions": "name=apparmor"}, {"SecurityOptions": [7, None, {"a": 1}]}, {}],
)
def test_daemon_information_of_any_shape_is_read_as_unknown(info: Any) -> None:
    w = replace(CONTAINER, apparmor_profile="", security_opt=())
    assert failed(deployment(w, info=info)) == ["runtime.apparmor", "runtime.no-new-privileges"]


# --- the catalogue entries ----------------------------------------------------------------------


KINDS = {
    "engine-container",
    "engine-image",
    "engine-daemon",
    "engine-daemon-config",
    "image-config",
    "compose",
}


@pytest.mark.parametrize("rule", runtime.RULES, ids=lambda r: r.id)
def test_every_rule_is_documented_and_mapped(rule: Rule) -> None:
    assert rule.id.startswith("runtime.") and len(rule.id) <= 40
    assert rule.scope == "workload" and rule.severity in SEVERITIES
    assert rule.pci and rule.cis and rule.fails and len(rule.doc) > 150
    assert set(rule.reads) <= KINDS and {"engine-container", "compose"} <= set(rule.reads)
    assert all(c.startswith(("4.", "5.")) for c in rule.cis)


def test_rule_ids_are_unique_and_cover_the_automated_section_5_checks() -> None:
    ids = [r.id for r in runtime.RULES]
    assert len(ids) == len(set(ids))
    covered = {c for r in runtime.RULES for c in r.cis}
    automated = {"4.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.8", "5.10", "5.11", "5.12"}
    automated |= {"5.13", "5.14", "5.15", "5.16", "5.17", "5.20", "5.21", "5.22", "5.25"}
    automated |= {"5.26", "5.27", "5.29", "5.31", "5.32", "5.9", "5.18"}
    assert covered == automated


# --- everything at once, and hostile values ------------------------------------------------------

EVERYTHING: dict[str, Any] = {
    "user": "root",
    "privileged": True,
    "security_opt": ("seccomp=unconfined", "apparmor=unconfined", "label=disable"),
    "pid_mode": "host",
    "ipc_mode": "host",
    "uts_mode": "host",
    "userns_mode": "host",
    "cgroup_parent": "x",
    "mounts": (
        Mount("bind", "/", "/host", False, "rshared"),
        Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock"),
    ),
    "ports": (PublishedPort(80, "tcp", "", 80), PublishedPort(443, "tcp", "::", 443)),
    "devices": ("/dev/sda", "/dev/sda"),
    "memory_bytes": None,
    "nano_cpus": None,
    "pids_limit": None,
    "read_only_rootfs": False,
    "restart_policy": "always",
    "healthcheck": False,
    "health_status": None,
}


def test_findings_are_unique_per_rule_component_and_location_and_json_able() -> None:
    d = deployment(
        replace(CONTAINER, **EVERYTHING),
        replace(SERVICE, **{k: v for k, v in EVERYTHING.items() if k != "health_status"}),
        replace(SERVICE, name="api-2", cap_add=("SYS_ADMIN", "SYS_ADMIN")),
    )
    found = hits(d)
    keys = [(r.id, h.component, h.location) for r, h in found]
    assert len(keys) == len(set(keys))
    for _, hit in found:
        json.dumps(dict(hit.detail))
        assert hit.subject in ("api-1", "api", "api-2")
        assert hit.severity in ("", *SEVERITIES)
    # every rule but the capability ones (privileged covers them), AppArmor and SELinux (likewise),
    # with
    # two ports below 1024 on every interface, two runtime socket mounts (docker.sock and the
    # host's root); the service's image has the healthcheck
    assert Counter(h.subject for _, h in found) == {"api-1": 26, "api": 25, "api-2": 1}


HOSTILE: list[dict[str, Any]] = [
    {"user": "  ", "security_opt": ("", "=", ":::", "apparmor", "seccomp=")},
    {"mounts": (Mount("", "", ""), Mount("bind", "relative/etc", ""), Mount("bind", "//etc", ""))},
    {"ports": (PublishedPort(0, "", "", 0), PublishedPort(-1, "x", "bogus", -5))},
    {"cap_add": ("", "cap_", "ALL ALL"), "cap_drop": ("all",)},
    {"restart_policy": "ON-FAILURE", "restart_max": -3, "devices": ("",)},
    {"pid_mode": " HOST ", "network_mode": "Host"},
]


@pytest.mark.parametrize("changes", HOSTILE)
def test_odd_values_never_crash_a_rule(changes: dict[str, Any]) -> None:
    for rule, hit in hits(deployment(replace(CONTAINER, **changes), replace(SERVICE, **changes))):
        json.dumps(dict(hit.detail))
        assert hit.location.startswith(("container api-1 ", "service api ")), rule.id


def test_the_three_tier_worker_is_caught_mounting_the_socket() -> None:
    d = three_tier()
    found = {(r.id, h.subject) for r, h in hits(d)}
    assert ("runtime.docker-socket", "worker") in found
    assert {s for rule_id, s in found if rule_id == "runtime.all-interfaces"} == {"proxy"}
    # the fixture's hardened settings hold no user fault; its images were not collected
    assert {s for rule_id, s in found if rule_id == "runtime.root-user"} == set()
