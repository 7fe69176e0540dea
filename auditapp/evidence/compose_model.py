"""The normalised, redacted view of a compose project, and its canonical JSON snapshot."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from auditapp.evidence.redaction import SecretFinding

SNAPSHOT_FORMAT = "auditapp.compose/1"


@dataclass(frozen=True)
class PortMapping:
    """A published or exposed port. `host_ip` "" means every interface; `host_port` None
    means an ephemeral port chosen by the engine; `host_port_end` closes a host range that
    docker maps onto one container port."""

    host_ip: str
    host_port: int | None
    container_port: int
    protocol: str = "tcp"
    host_port_end: int | None = None


@dataclass(frozen=True)
class VolumeMount:
    type: str  # bind, volume, tmpfs, npipe, image, cluster
    source: str | None  # None for an anonymous volume or a tmpfs
    target: str
    read_only: bool = False
    propagation: str | None = None
    selinux: str | None = None  # "z" shared or "Z" private relabel


@dataclass(frozen=True)
class DeviceMapping:
    source: str
    target: str
    permissions: str = "rwm"


@dataclass(frozen=True)
class ServiceNetwork:
    name: str
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    ipv6_address: str | None = None


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str = "service_started"
    required: bool = True


@dataclass(frozen=True)
class ResourceLimits:
    """From `deploy.resources.limits`, or the service-level `cpus`/`mem_limit`/`pids_limit`."""

    cpus: float | None = None
    memory_bytes: int | None = None
    pids: int | None = None


@dataclass(frozen=True)
class HealthCheck:
    test: tuple[str, ...] = ()
    interval: str | None = None
    timeout: str | None = None
    start_period: str | None = None
    start_interval: str | None = None
    retries: int | None = None
    disabled: bool = False


@dataclass(frozen=True)
class Ulimit:
    name: str
    soft: int
    hard: int


@dataclass(frozen=True)
class ComposeService:
    """One service after interpolation, merging and redaction.

    `environment` keeps every name; a value is the redaction marker, or None when the file
    gives no value (compose then takes it from the shell at `up` time).
    """

    name: str
    files: tuple[str, ...]
    image: str | None = None
    build_context: str | None = None
    container_name: str | None = None
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[str, ...] = ()
    networks: tuple[ServiceNetwork, ...] = ()
    network_mode: str | None = None
    volumes: tuple[VolumeMount, ...] = ()
    tmpfs: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    read_only: bool = False
    user: str | None = None
    security_opt: tuple[str, ...] = ()
    pid: str | None = None
    ipc: str | None = None
    uts: str | None = None
    userns_mode: str | None = None
    cgroup_parent: str | None = None
    devices: tuple[DeviceMapping, ...] = ()
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    healthcheck: HealthCheck | None = None
    restart: str | None = None
    restart_max_attempts: int | None = None
    environment: tuple[tuple[str, str | None], ...] = ()
    env_files: tuple[str, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    command: str | tuple[str, ...] | None = None
    entrypoint: str | tuple[str, ...] | None = None
    profiles: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    configs: tuple[str, ...] = ()
    sysctls: tuple[tuple[str, str], ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    logging_driver: str | None = None


@dataclass(frozen=True)
class NetworkDefinition:
    name: str
    driver: str | None = None
    internal: bool = False
    external: bool = False
    external_name: str | None = None


@dataclass(frozen=True)
class VolumeDefinition:
    name: str
    driver: str | None = None
    external: bool = False
    external_name: str | None = None


@dataclass(frozen=True)
class ComposeFile:
    path: str
    sha256: str


@dataclass(frozen=True)
class ComposeProject:
    """Everything `load_compose` learned. `inactive_services` were left out by profiles."""

    name: str
    files: tuple[ComposeFile, ...]
    services: tuple[ComposeService, ...]
    networks: tuple[NetworkDefinition, ...] = ()
    volumes: tuple[VolumeDefinition, ...] = ()
    secrets: tuple[str, ...] = ()
    configs: tuple[str, ...] = ()
    active_profiles: tuple[str, ...] = ()
    inactive_services: tuple[str, ...] = ()
    env_file: str | None = None
    warnings: tuple[str, ...] = ()
    findings: tuple[SecretFinding, ...] = ()

    def service(self, name: str) -> ComposeService:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def to_snapshot(self) -> dict[str, Any]:
        """A canonical JSON-able dict (sorted keys) of the redacted project."""
        snapshot = _plain(self)
        assert isinstance(snapshot, dict)
        snapshot["format"] = SNAPSHOT_FORMAT
        return dict(sorted(snapshot.items()))


_PAIR_FIELDS = frozenset({"environment", "labels", "sysctls"})


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result: dict[str, Any] = {}
        for f in sorted(dataclasses.fields(value), key=lambda f: f.name):
            item = getattr(value, f.name)
            result[f.name] = dict(sorted(item)) if f.name in _PAIR_FIELDS else _plain(item)
        return result
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in sorted(value.items())}
    return value
