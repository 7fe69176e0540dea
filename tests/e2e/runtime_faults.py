"""One misconfiguration per workload, as engine container settings (docker SDK `create`
arguments) and as the equivalent compose service keys, with the runtime rules each must fail.

A hardened workload fails none; each fault is the hardened settings with one change (a value
of None removes a setting), so a rule that fires anywhere else is caught.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APP = "/app"  # the one file of the test image, its HEALTHCHECK and its command
IMAGE_DOCKERFILE = """FROM scratch
COPY app /app
USER 10001
HEALTHCHECK CMD ["/app"]
"""

NNP = "no-new-privileges:true"
HARDENED_ENGINE: dict[str, Any] = {
    "command": [APP],
    "user": "10001",
    "cap_drop": ["ALL"],
    "security_opt": [NNP],
    "read_only": True,
    "mem_limit": "64m",
    "nano_cpus": 500_000_000,
    "pids_limit": 64,
    "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 5},
    "network_mode": "none",
}
HARDENED_COMPOSE: dict[str, Any] = {
    "user": "10001",
    "cap_drop": ["ALL"],
    "security_opt": [NNP],
    "read_only": True,
    "mem_limit": "64m",
    "cpus": 0.5,
    "pids_limit": 64,
    "restart": "on-failure:5",
    "network_mode": "none",
    "healthcheck": {"test": ["CMD", APP]},
}


@dataclass(frozen=True)
class Fault:
    name: str
    engine: dict[str, Any]
    compose: dict[str, Any]
    fails: Set[str]


@dataclass(frozen=True)
class HostPaths:
    """Files on the engine's host the mounts point at: a plain file named docker.sock and a
    folder for the shared-propagation mount (both under the test's temporary folder)."""

    socket: Path
    folder: Path


def faults(network: str, paths: HostPaths) -> list[Fault]:
    """`network` is a user-defined network to publish ports on (the test engine has no
    default bridge)."""
    socket, folder = str(paths.socket), str(paths.folder)
    return [
        Fault("hardened", {}, {}, set()),
        Fault("root", {"user": "0"}, {"user": "0"}, {"runtime.root-user"}),
        Fault("privileged", {"privileged": True}, {"privileged": True}, {"runtime.privileged"}),
        Fault(
            "capadd",
            {"cap_add": ["SYS_ADMIN"]},
            {"cap_add": ["SYS_ADMIN"]},
            {"runtime.capabilities"},
        ),
        Fault("netraw", {"cap_drop": None}, {"cap_drop": None}, {"runtime.net-raw"}),
        Fault(
            "seccomp",
            {"security_opt": [NNP, "seccomp=unconfined"]},
            {"security_opt": [NNP, "seccomp=unconfined"]},
            {"runtime.seccomp-unconfined"},
        ),
        Fault(
            "apparmor",
            {"security_opt": [NNP, "apparmor=unconfined"]},
            {"security_opt": [NNP, "apparmor=unconfined"]},
            {"runtime.apparmor"},
        ),
        Fault("nnp", {"security_opt": None}, {"security_opt": None}, {"runtime.no-new-privileges"}),
        Fault("pid", {"pid_mode": "host"}, {"pid": "host"}, {"runtime.host-pid"}),
        Fault("ipc", {"ipc_mode": "host"}, {"ipc": "host"}, {"runtime.host-ipc"}),
        Fault("uts", {"uts_mode": "host"}, {"uts": "host"}, {"runtime.host-uts"}),
        Fault("userns", {"userns_mode": "host"}, {"userns_mode": "host"}, {"runtime.host-userns"}),
        Fault(
            "hostnet", {"network_mode": "host"}, {"network_mode": "host"}, {"runtime.host-network"}
        ),
        Fault(
            "socket",
            {"volumes": {socket: {"bind": "/var/run/docker.sock", "mode": "ro"}}},
            {"volumes": [f"{socket}:/var/run/docker.sock:ro"]},
            {"runtime.docker-socket"},
        ),
        Fault(
            "etc",
            {"volumes": {"/etc": {"bind": "/host/etc", "mode": "rw"}}},
            {"volumes": ["/etc:/host/etc"]},
            {"runtime.sensitive-mount"},
        ),
        Fault(
            "etcro",
            {"volumes": {"/etc": {"bind": "/host/etc", "mode": "ro"}}},
            {"volumes": ["/etc:/host/etc:ro"]},
            set(),
        ),
        Fault(
            "ports",
            {"network_mode": None, "network": network, "ports": {"8080/tcp": ("0.0.0.0", 18080)}},
            {"network_mode": None, "networks": [network], "ports": ["0.0.0.0:18080:8080"]},
            {"runtime.all-interfaces", "runtime.published-port"},
        ),
        Fault(
            "propagation",
            {"volumes": {folder: {"bind": "/data", "mode": "rw,rshared"}}},
            {
                "volumes": [
                    {
                        "type": "bind",
                        "source": folder,
                        "target": "/data",
                        "bind": {"propagation": "rshared"},
                    }
                ]
            },
            {"runtime.shared-propagation"},
        ),
        Fault("memory", {"mem_limit": None}, {"mem_limit": None}, {"runtime.memory-limit"}),
        Fault("cpu", {"nano_cpus": None}, {"cpus": None}, {"runtime.cpu-limit"}),
        Fault("pids", {"pids_limit": None}, {"pids_limit": None}, {"runtime.pids-limit"}),
        Fault(
            "restart",
            {"restart_policy": {"Name": "on-failure", "MaximumRetryCount": 0}},
            {"restart": "on-failure"},
            {"runtime.restart-policy"},
        ),
        Fault(
            "always",
            {"restart_policy": {"Name": "always"}},
            {"restart": "always"},
            {"runtime.restart-policy"},
        ),
        Fault(
            "cgroup",
            {"cgroup_parent": "/auditapp-custom"},
            {"cgroup_parent": "/auditapp-custom"},
            {"runtime.cgroup-parent"},
        ),
        Fault(
            "devices",
            {"devices": ["/dev/null:/dev/xnull:rwm"]},
            {"devices": ["/dev/null:/dev/xnull"]},
            {"runtime.host-devices"},
        ),
        Fault("rootfs", {"read_only": None}, {"read_only": None}, {"runtime.writable-rootfs"}),
    ]


def settings(hardened: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**hardened, **changes}
    return {key: value for key, value in merged.items() if value is not None}
