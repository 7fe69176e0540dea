"""The daemon rules (CIS Docker Benchmark v1.6.0 section 2, and 5.1) over `docker info` and
`docker version` as the Engine API returns them, with and without a daemon.json, and over the
real test engine's info."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from auditapp.analysis import daemon
from auditapp.analysis.interface import Hit, subjects
from auditapp.analysis.model import DaemonFacts, Deployment, NetworkFacts

INFO_ID, CONFIG_ID, BRIDGE_ID = 11, 12, 13
CONFIG_ONLY = {  # rule: the setting it reports; docker info cannot answer these
    "daemon.iptables": "iptables",
    "daemon.cgroup-parent": "cgroup-parent",
    "daemon.no-new-privileges": "no-new-privileges",
    "daemon.userland-proxy": "userland-proxy",
    "daemon.log-level": "log-level",
}


def linux_info() -> dict[str, Any]:
    """`docker info` of a stock Debian 12 engine (trimmed from a real one): every default."""
    return {
        "ID": "ZYPJ:PWHB:JHAJ:GOYB:TNMS:DJM4:TQ6H:3YAK:PUHR:TQJ6:THZE:TBIO",
        "Containers": 2,
        "Driver": "overlay2",
        "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
            "Authorization": None,
            "Log": ["awslogs", "fluentd", "gelf", "journald", "json-file", "local", "syslog"],
        },
        "Debug": False,
        "LoggingDriver": "json-file",
        "CgroupDriver": "systemd",
        "CgroupVersion": "2",
        "KernelVersion": "6.1.0-28-amd64",
        "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
        "OSVersion": "12",
        "OSType": "linux",
        "Architecture": "x86_64",
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": [],
            "InsecureRegistryCIDRs": ["::1/128", "127.0.0.0/8"],
            "IndexConfigs": {
                "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
            },
            "Mirrors": [],
        },
        "Name": "pay-host-1",
        "ExperimentalBuild": False,
        "ServerVersion": "24.0.7",
        "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "runc": {"path": "runc"}},
        "DefaultRuntime": "runc",
        "Swarm": {"NodeID": "", "LocalNodeState": "inactive", "ControlAvailable": False},
        "LiveRestoreEnabled": False,
        "SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin", "name=cgroupns"],
        "Warnings": None,
    }


def linux_version() -> dict[str, Any]:
    return {
        "Platform": {"Name": "Docker Engine - Community"},
        "Components": [
            {
                "Name": "Engine",
                "Version": "24.0.7",
                "Details": {"ApiVersion": "1.43", "Experimental": "false", "Os": "linux"},
            },
            {"Name": "containerd", "Version": "1.6.25", "Details": {"GitCommit": "d8f198a"}},
        ],
        "Version": "24.0.7",
        "ApiVersion": "1.43",
        "Os": "linux",
        "KernelVersion": "6.1.0-28-amd64",
    }


def hardened_info() -> dict[str, Any]:
    info = linux_info()
    info["Plugins"]["Authorization"] = ["opa-docker-authz"]
    info["LoggingDriver"] = "syslog"
    info["LiveRestoreEnabled"] = True
    info["SecurityOptions"] = ["name=apparmor", "name=seccomp,profile=builtin", "name=userns"]
    return info


HARDENED_CONFIG = {
    "icc": False,
    "log-level": "info",
    "iptables": True,
    "no-new-privileges": True,
    "userland-proxy": False,
    "live-restore": True,
    "userns-remap": "default",
    "authorization-plugins": ["opa-docker-authz"],
    "log-driver": "syslog",
    "hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.5:2376"],
    "tls": True,
    "tlsverify": True,
    "tlscacert": "/etc/docker/ca.pem",
}


def deployment(
    info: Any,
    config: Any = None,
    version: Any = None,
    networks: tuple[NetworkFacts, ...] = (),
) -> Deployment:
    facts = DaemonFacts(
        INFO_ID,
        info,
        linux_version() if version is None else version,
        config,
        None if config is None else CONFIG_ID,
    )
    return Deployment(daemon=facts, networks=networks)


def run(d: Deployment) -> dict[str, list[Hit]]:
    """Each rule's hits, only for the rules that hit."""
    hits = {r.id: r.run(d) for r in daemon.RULES}
    return {rule_id: found for rule_id, found in hits.items() if found}


def verdicts(d: Deployment) -> dict[tuple[str, str], str]:
    return {(rid, h.location): h.detail["verdict"] for rid, hs in run(d).items() for h in hs}


def test_the_catalogue_is_complete_and_well_formed() -> None:
    assert len({r.id for r in daemon.RULES}) == len(daemon.RULES) == 15
    cis = {c for r in daemon.RULES for c in r.cis}
    wanted = {"2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.9", "2.10", "2.12", "2.13"}
    assert cis == wanted | {"2.14", "2.15", "2.16", "2.18", "5.1"}
    for r in daemon.RULES:
        assert r.id.startswith("daemon.") and len(r.id) <= 40
        assert r.scope == "daemon" and r.pci and r.reads and r.fails
        assert "Fix:" in r.doc and "PCI DSS" in r.doc


def test_a_hardened_daemon_passes_every_rule() -> None:
    d = deployment(hardened_info(), HARDENED_CONFIG)
    assert run(d) == {}
    assert all(subjects(r, d) == ("daemon",) for r in daemon.RULES)


def test_a_default_daemon_with_its_config_fails_where_docker_defaults_are_weak() -> None:
    assert verdicts(deployment(linux_info(), {})) == {
        ("daemon.icc", "daemon icc"): "fail",
        ("daemon.userns-remap", "daemon userns-remap"): "fail",
        ("daemon.authz-plugin", "daemon authorization-plugins"): "fail",
        ("daemon.logging-driver", "daemon log-driver"): "fail",
        ("daemon.no-new-privileges", "daemon no-new-privileges"): "fail",
        ("daemon.live-restore", "daemon live-restore"): "fail",
        ("daemon.userland-proxy", "daemon userland-proxy"): "fail",
    }


def test_without_daemon_json_the_config_only_checks_say_they_cannot_tell() -> None:
    hits = run(deployment(linux_info()))
    unknown = {rid: h for rid, hs in hits.items() for h in hs if h.detail["verdict"] == "unknown"}
    assert set(unknown) == {*CONFIG_ONLY, "daemon.icc"}
    for rule_id, hit in unknown.items():
        assert hit.severity == "info" and hit.title.endswith(": cannot tell")
        assert hit.location.endswith(" unknown") and "daemon-config" in hit.detail["hint"]
        assert hit.subject == "daemon" and hit.evidence_id == INFO_ID
        assert rule_id == "daemon.icc" or hit.detail["setting"] == CONFIG_ONLY[rule_id]
    # what docker info answers is still judged
    failing = {rid for rid, hs in hits.items() for h in hs if h.detail["verdict"] == "fail"}
    assert failing == {
        "daemon.userns-remap",
        "daemon.authz-plugin",
        "daemon.logging-driver",
        "daemon.live-restore",
    }


def test_config_values_are_reported_as_found() -> None:
    config = {
        "log-level": "debug",
        "iptables": False,
        "cgroup-parent": "/payments",
        "no-new-privileges": False,
        "userland-proxy": True,
        "icc": True,
    }
    hits = run(deployment(hardened_info(), {**HARDENED_CONFIG, **config}))
    assert {rid: [h.detail["value"] for h in hs] for rid, hs in hits.items()} == {
        "daemon.log-level": ["debug"],
        "daemon.iptables": [False],
        "daemon.cgroup-parent": ["/payments"],
        "daemon.no-new-privileges": [False],
        "daemon.userland-proxy": [True],
        "daemon.icc": [True],
    }
    assert all(h.evidence_id == CONFIG_ID for hs in hits.values() for h in hs)
    assert all(h.detail["source"] == "daemon.json" for hs in hits.values() for h in hs)


def test_debug_mode_in_docker_info_fails_the_log_level_without_a_config() -> None:
    info = hardened_info() | {"Debug": True}
    hits = run(deployment(info, HARDENED_CONFIG))
    assert list(hits) == ["daemon.log-level"]
    assert hits["daemon.log-level"][0].detail["source"] == "docker info Debug"


def test_icc_is_read_from_the_live_default_bridge_first() -> None:
    bridge_on = NetworkFacts(
        "bridge", "container", BRIDGE_ID, "bridge", icc=True, default_bridge=True
    )
    d = deployment(hardened_info(), HARDENED_CONFIG, networks=(bridge_on,))
    (hit,) = run(d)["daemon.icc"]
    assert hit.evidence_id == BRIDGE_ID and "enable_icc" in hit.detail["source"]
    bridge_off = NetworkFacts(
        "bridge", "container", BRIDGE_ID, "bridge", icc=False, default_bridge=True
    )
    assert "daemon.icc" not in run(deployment(linux_info(), {}, networks=(bridge_off,)))


def test_icc_passes_when_the_engine_has_no_default_bridge() -> None:
    engine_networks = (
        NetworkFacts("host", "container", 21, "host"),
        NetworkFacts("none", "container", 22, "null"),
    )
    assert "daemon.icc" not in run(deployment(linux_info(), networks=engine_networks))
    assert "daemon.icc" not in run(deployment(linux_info(), {"bridge": "none"}))
    # compose networks say nothing about the engine's default bridge
    compose_only = (NetworkFacts("back", "service", 23, "bridge"),)
    (hit,) = run(deployment(linux_info(), networks=compose_only))["daemon.icc"]
    assert hit.detail["verdict"] == "unknown"


def test_insecure_registries_one_hit_each_from_info_and_config() -> None:
    info = hardened_info()
    info["RegistryConfig"]["InsecureRegistryCIDRs"] = ["10.20.0.0/16", "127.0.0.0/8", "::1/128"]
    info["RegistryConfig"]["IndexConfigs"]["registry.shop.internal:5000"] = {
        "Name": "registry.shop.internal:5000",
        "Secure": False,
    }
    config = {**HARDENED_CONFIG, "insecure-registries": ["registry.shop.internal:5000", "ci:80"]}
    hits = run(deployment(info, config))["daemon.insecure-registry"]
    assert [(h.location, h.evidence_id, h.detail["source"]) for h in hits] == [
        ("daemon insecure-registries 10.20.0.0/16", INFO_ID, "docker info RegistryConfig"),
        ("daemon insecure-registries ci:80", CONFIG_ID, "daemon.json"),
        (
            "daemon insecure-registries registry.shop.internal:5000",
            INFO_ID,
            "docker info RegistryConfig",
        ),
    ]
    assert all(h.severity == "" for h in hits)  # the rule's own: high


TCP_WARNING = (
    "WARNING: API is accessible on http://0.0.0.0:2375 without encryption.\n"
    "         Access to the remote API is equivalent to root access on the host."
)


def test_tcp_listeners_from_docker_info_warnings_and_daemon_json() -> None:
    info = hardened_info() | {
        "Warnings": [
            TCP_WARNING,
            "WARNING: API is accessible on https://10.0.0.5:2376 without TLS client verification.",
            "WARNING: bridge-nf-call-iptables is disabled",
        ]
    }
    hits = run(deployment(info, {**HARDENED_CONFIG, "tlsverify": False}))["daemon.tcp-tls"]
    assert [(h.location, h.severity, h.detail["tls"], h.detail["source"]) for h in hits] == [
        ("daemon hosts tcp://0.0.0.0:2375", "", False, "docker info Warnings"),
        ("daemon hosts tcp://10.0.0.5:2376", "high", True, "docker info Warnings"),
    ]
    plain_loopback = {"hosts": ["fd://", "tcp://127.0.0.1:2375"]}
    (hit,) = run(deployment(hardened_info(), plain_loopback))["daemon.tcp-tls"]
    assert (hit.location, hit.severity, hit.evidence_id) == (
        "daemon hosts tcp://127.0.0.1:2375",
        "high",
        CONFIG_ID,
    )


def test_tcp_tls_without_a_config_relies_on_warnings_only_from_engines_that_give_them() -> None:
    assert "daemon.tcp-tls" not in run(deployment(linux_info()))  # 24.0: no warning, no listener
    old = linux_info() | {"ServerVersion": "19.03.15"}
    old_version = linux_version() | {"Version": "19.03.15"}
    (hit,) = run(deployment(old, version=old_version))["daemon.tcp-tls"]
    assert hit.detail["verdict"] == "unknown"


def test_storage_drivers() -> None:
    (aufs,) = run(deployment(hardened_info() | {"Driver": "aufs"}, HARDENED_CONFIG)).get(
        "daemon.storage-driver", []
    )
    assert (aufs.detail["verdict"], aufs.severity) == ("fail", "")
    (dm,) = run(deployment(hardened_info() | {"Driver": "devicemapper"}, HARDENED_CONFIG))[
        "daemon.storage-driver"
    ]
    assert (dm.detail["verdict"], dm.severity, dm.title) == (
        "note",
        "low",
        "The deprecated devicemapper storage driver is in use",
    )


def test_swarm_mode_fails_5_1_and_excuses_live_restore() -> None:
    info = hardened_info() | {"LiveRestoreEnabled": False}
    info["Swarm"] = {"NodeID": "p9a1", "LocalNodeState": "active", "ControlAvailable": True}
    hits = run(deployment(info, {**HARDENED_CONFIG, "live-restore": False}))
    assert list(hits) == ["daemon.swarm-mode"]
    assert hits["daemon.swarm-mode"][0].detail["value"] == "active"


def test_experimental_from_docker_version_strings_info_or_config() -> None:
    version = copy.deepcopy(linux_version())
    version["Components"][0]["Details"]["Experimental"] = "true"
    (hit,) = run(deployment(hardened_info(), HARDENED_CONFIG, version))["daemon.experimental"]
    assert hit.detail["source"] == "docker version"
    config = {**HARDENED_CONFIG, "experimental": True}
    (hit,) = run(deployment(hardened_info(), config))["daemon.experimental"]
    assert (hit.detail["source"], hit.evidence_id) == ("daemon.json", CONFIG_ID)


def test_rootless_daemon_needs_no_userns_remap() -> None:
    info = linux_info() | {"SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless"]}
    assert "daemon.userns-remap" not in run(deployment(info, {}))
    legacy = linux_info() | {"SecurityOptions": ["apparmor", "seccomp", "userns"]}  # API < 1.26
    assert "daemon.userns-remap" not in run(deployment(legacy, {}))


def test_logging_driver_none_is_worse_than_json_file() -> None:
    (hit,) = run(deployment(hardened_info() | {"LoggingDriver": "none"}, HARDENED_CONFIG))[
        "daemon.logging-driver"
    ]
    assert (hit.severity, hit.detail["value"]) == ("medium", "none")


@pytest.mark.parametrize(
    ("info", "config", "version"),
    [
        ({}, None, {}),
        ({}, {}, {}),
        ([], ["not", "an", "object"], "nope"),
        (
            {
                "Plugins": "x",
                "RegistryConfig": {"InsecureRegistryCIDRs": [1, None, {}], "IndexConfigs": [1]},
                "SecurityOptions": "name=userns",
                "Swarm": ["active"],
                "Warnings": "API is accessible on http://x without encryption",
                "ServerVersion": 27,
                "Driver": {"aufs": True},
            },
            {"hosts": "tcp://0.0.0.0:2375", "insecure-registries": {"a": 1}, "icc": "no"},
            {"Components": [{"Name": "Engine", "Details": None}, 5], "Experimental": []},
        ),
    ],
)
def test_hostile_shapes_never_crash_and_give_json_details(
    info: Any, config: Any, version: Any
) -> None:
    d = deployment(info, config, version)
    for rule in daemon.RULES:
        hits = rule.run(d)
        assert len({h.location for h in hits}) == len(hits)
        for hit in hits:
            json.dumps(hit.detail)
            assert hit.detail["verdict"] in ("fail", "note", "unknown")


def test_nothing_to_judge_without_daemon_facts() -> None:
    d = Deployment()
    assert run(d) == {}
    assert all(subjects(r, d) == () for r in daemon.RULES)


@pytest.mark.docker
def test_the_test_engine_gets_sensible_verdicts(docker_client: Any) -> None:
    """The real engine's info and version: every rule docker info can answer answers (no
    "cannot tell"), and each verdict matches what the engine reports."""
    info, version = docker_client.api.info(), docker_client.api.version()
    networks = tuple(
        NetworkFacts(
            n["Name"],
            "container",
            30 + i,
            n["Driver"],
            icc=(n.get("Options") or {}).get("com.docker.network.bridge.enable_icc") != "false",
            default_bridge=n["Name"] == "bridge",
        )
        for i, n in enumerate(docker_client.api.networks())
    )
    hits = run(deployment(info, None, version, networks))
    unknown = {rid for rid, hs in hits.items() for h in hs if h.detail["verdict"] == "unknown"}
    assert unknown == set(CONFIG_ONLY)
    failing = {rid for rid, hs in hits.items() for h in hs if h.detail["verdict"] == "fail"}
    options = " ".join(info.get("SecurityOptions") or [])
    expected = {
        "daemon.icc": any(n.default_bridge and n.icc for n in networks),
        "daemon.userns-remap": "userns" not in options and "rootless" not in options,
        "daemon.authz-plugin": not (info.get("Plugins") or {}).get("Authorization"),
        "daemon.logging-driver": info["LoggingDriver"] in ("json-file", "local", "none"),
        "daemon.live-restore": not info["LiveRestoreEnabled"]
        and info["Swarm"]["LocalNodeState"] != "active",
        "daemon.swarm-mode": info["Swarm"]["LocalNodeState"] == "active",
        "daemon.experimental": bool(info.get("ExperimentalBuild")),
        "daemon.storage-driver": info["Driver"] == "aufs",
        "daemon.insecure-registry": bool(
            set(info["RegistryConfig"]["InsecureRegistryCIDRs"]) - {"127.0.0.0/8", "::1/128"}
        ),
    }
    assert {rid for rid, fails in expected.items() if fails} == failing - {"daemon.tcp-tls"}
    # this engine (a stock dockerd on a unix socket, 20.10 or later) is known to fail these
    assert {"daemon.userns-remap", "daemon.authz-plugin", "daemon.live-restore"} <= failing
    assert "daemon.tcp-tls" not in hits
