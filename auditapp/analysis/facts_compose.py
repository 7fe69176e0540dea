"""A compose service (as the compose evidence snapshot stores it) as a `Workload`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from auditapp.analysis.model import Mount, PublishedPort, Workload
from auditapp.analysis.snapshot import (
    as_bool,
    as_dict,
    as_int,
    as_list,
    as_str,
    as_strings,
    caps,
    port_key,
)


def service_workload(evidence_id: int, service: Mapping[str, Any]) -> Workload | None:
    name = as_str(service.get("name"))
    if not name:
        return None
    limits = as_dict(service.get("limits"))
    health = service.get("healthcheck")
    healthcheck: bool | None = None
    if isinstance(health, Mapping):
        healthcheck = not as_bool(health.get("disabled")) and bool(as_strings(health.get("test")))
    user = service.get("user")
    return Workload(
        name=name,
        component=name,
        origin="service",
        evidence_id=evidence_id,
        image=as_str(service.get("image")),
        user=as_str(user) if user is not None else None,
        privileged=as_bool(service.get("privileged")),
        cap_add=caps(service.get("cap_add")),
        cap_drop=caps(service.get("cap_drop")),
        security_opt=as_strings(service.get("security_opt")),
        read_only_rootfs=as_bool(service.get("read_only")),
        pid_mode=as_str(service.get("pid")),
        ipc_mode=as_str(service.get("ipc")),
        uts_mode=as_str(service.get("uts")),
        userns_mode=as_str(service.get("userns_mode")),
        network_mode=as_str(service.get("network_mode")),
        cgroup_parent=as_str(service.get("cgroup_parent")),
        mounts=tuple(_service_mount(as_dict(v)) for v in as_list(service.get("volumes"))),
        ports=tuple(_service_port(as_dict(p)) for p in as_list(service.get("ports"))),
        exposed=_service_exposed(as_strings(service.get("expose"))),
        networks=tuple(
            sorted(as_str(as_dict(n).get("name")) for n in as_list(service.get("networks")))
        ),
        devices=tuple(as_str(as_dict(d).get("source")) for d in as_list(service.get("devices"))),
        memory_bytes=as_int(limits.get("memory_bytes")),
        nano_cpus=_nano_cpus(limits.get("cpus")),
        pids_limit=as_int(limits.get("pids")),
        restart_policy=_restart_name(as_str(service.get("restart"))),
        restart_max=_restart_max(service),
        healthcheck=healthcheck,
        ulimits=tuple(as_str(as_dict(u).get("name")) for u in as_list(service.get("ulimits"))),
        sysctls=tuple(sorted(as_dict(service.get("sysctls")))),
    )


def _service_mount(volume: Mapping[str, Any]) -> Mount:
    return Mount(
        type=as_str(volume.get("type")),
        source=as_str(volume.get("source")),
        target=as_str(volume.get("target")),
        read_only=as_bool(volume.get("read_only")),
        propagation=as_str(volume.get("propagation")),
    )


def _service_port(port: Mapping[str, Any]) -> PublishedPort:
    return PublishedPort(
        container_port=as_int(port.get("container_port")) or 0,
        protocol=as_str(port.get("protocol")) or "tcp",
        host_ip=as_str(port.get("host_ip")),
        host_port=as_int(port.get("host_port")),
    )


def _service_exposed(expose: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    result = []
    for entry in expose:
        port, protocol = port_key(entry)
        if port is not None:
            result.append((port, protocol))
    return tuple(result)


def _nano_cpus(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return int(value * 1_000_000_000)
    return None


def _restart_name(restart: str) -> str:
    return restart.partition(":")[0]  # "on-failure:3" names the policy and its cap


def _restart_max(service: Mapping[str, Any]) -> int | None:
    explicit = as_int(service.get("restart_max_attempts"))
    if explicit is not None:
        return explicit
    _, _, count = as_str(service.get("restart")).partition(":")
    return int(count) if count.isdigit() else None
