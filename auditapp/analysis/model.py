"""The deployment as the rules see it: one shape for engine containers and compose services,
with the images, networks, daemon and host they run on, and what people declared about them.

Everything here is built from stored evidence by `facts.build_deployment`; a field the evidence
does not answer is None (unknown), never a guessed default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Origin = Literal["container", "service"]
# The same names as components' data classes (services/components.py uses this tuple).
DATA_CLASSES = (
    "cardholder-data",
    "sensitive-authentication-data",
    "credentials",
    "personal-data",
    "none",
)
CARDHOLDER_CLASSES = frozenset({"cardholder-data", "sensitive-authentication-data"})
ZONES = ("internet", "end-users", "admin-network", "payment-processor", "other")
ZONE_PREFIX = "zone:"  # a flow end that is a zone, e.g. "zone:internet"


@dataclass(frozen=True)
class PublishedPort:
    """A container port published on the host. `host_ip` "" means every interface (as do
    0.0.0.0 and ::); `host_port` None means an ephemeral port the engine picks."""

    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None

    @property
    def all_interfaces(self) -> bool:
        return self.host_ip in ("", "0.0.0.0", "::", "[::]")  # noqa: S104 - what we look for


@dataclass(frozen=True)
class Mount:
    type: str  # bind, volume, tmpfs, npipe, image, cluster
    source: str  # host path for a bind, volume name for a volume, "" for anonymous/tmpfs
    target: str
    read_only: bool = False
    propagation: str = ""  # "", private, rprivate, shared, rshared, slave, rslave


@dataclass(frozen=True)
class Workload:
    """An engine container or a compose service, normalised.

    `name` is the container or service name; `component` the audit component it belongs to;
    `label` the way findings name it ("container api-1", "service api").
    """

    name: str
    component: str
    origin: Origin
    evidence_id: int | None
    image: str = ""
    image_digest: str = ""
    user: str | None = None  # None: not set here (the image's USER then applies)
    privileged: bool = False
    cap_add: tuple[str, ...] = ()  # upper case, without the CAP_ prefix; "ALL" kept as is
    cap_drop: tuple[str, ...] = ()
    security_opt: tuple[str, ...] = ()  # as given, e.g. "seccomp=unconfined", "no-new-privileges"
    apparmor_profile: str | None = None  # engine only (.AppArmorProfile); None for services
    read_only_rootfs: bool = False
    pid_mode: str = ""
    ipc_mode: str = ""
    uts_mode: str = ""
    userns_mode: str = ""
    network_mode: str = ""  # "", bridge, host, none, container:<x>, service:<x>, <network>
    cgroup_parent: str = ""
    mounts: tuple[Mount, ...] = ()
    ports: tuple[PublishedPort, ...] = ()
    exposed: tuple[tuple[int, str], ...] = ()  # (port, protocol) exposed but not published
    networks: tuple[str, ...] = ()  # network names as the engine (or compose) knows them
    devices: tuple[str, ...] = ()  # host device paths
    memory_bytes: int | None = None  # None or 0: no limit
    nano_cpus: int | None = None
    cpu_shares: int | None = None
    pids_limit: int | None = None  # None, 0 or -1: no limit
    restart_policy: str = ""  # "", no, always, unless-stopped, on-failure
    restart_max: int | None = None
    healthcheck: bool | None = None  # a healthcheck defined (container or image); None unknown
    health_status: str | None = None  # engine only: starting, healthy, unhealthy
    running: bool | None = None  # engine only
    ulimits: tuple[str, ...] = ()
    sysctls: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.origin} {self.name}"


@dataclass(frozen=True)
class ImageFacts:
    name: str  # first tag, or the short digest
    digest: str
    evidence_id: int | None
    user: str | None = None  # Config.User; "" when the image sets none
    healthcheck: bool | None = None
    history: tuple[str, ...] = ()  # created_by of each step, oldest first (already redacted)
    exposed: tuple[tuple[int, str], ...] = ()  # EXPOSE'd (port, protocol)
    setid_files: tuple[str, ...] = ()
    setid_evidence_id: int | None = None
    components: tuple[str, ...] = ()  # components that run this image


@dataclass(frozen=True)
class NetworkFacts:
    name: str
    origin: Origin  # "container": an engine network; "service": declared in compose
    evidence_id: int | None
    driver: str = ""
    internal: bool = False
    icc: bool | None = None  # com.docker.network.bridge.enable_icc; None unknown
    default_bridge: bool = False  # docker0 / the network called "bridge"
    members: tuple[str, ...] = ()  # workload names attached


@dataclass(frozen=True)
class DaemonFacts:
    """`docker info` and `docker version` as collected, and the daemon config file if given."""

    evidence_id: int | None
    info: Mapping[str, Any]
    version: Mapping[str, Any]
    config: Mapping[str, Any] | None = None
    config_evidence_id: int | None = None


@dataclass(frozen=True)
class ComponentFacts:
    name: str
    internet_facing: bool = False
    in_cde: bool = False
    data_classes: tuple[str, ...] = ()
    host: str = ""
    template: str = ""
    fixable_critical: int = 0  # fixable critical/high vulnerabilities in its image(s)

    @property
    def holds_cardholder_data(self) -> bool:
        return self.in_cde or not CARDHOLDER_CLASSES.isdisjoint(self.data_classes)


@dataclass(frozen=True)
class DeclaredFlow:
    id: int
    source: str  # a component name or "zone:<zone>"
    destination: str
    port: int
    protocol: str
    data_classes: tuple[str, ...] = ()
    encrypted: bool = False
    authenticated: bool = False
    justification: str = ""


@dataclass(frozen=True)
class Attachment:
    """Host evidence people attached (for example `systemd-detect-virt` output): its title and
    the start of its text, for the topology rules."""

    evidence_id: int
    title: str
    text: str


@dataclass(frozen=True)
class Deployment:
    components: tuple[ComponentFacts, ...] = ()
    workloads: tuple[Workload, ...] = ()
    images: tuple[ImageFacts, ...] = ()
    networks: tuple[NetworkFacts, ...] = ()
    volumes: tuple[str, ...] = ()  # named volumes the engine or compose knows
    daemon: DaemonFacts | None = None
    flows: tuple[DeclaredFlow, ...] = ()
    templates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()

    def component(self, name: str) -> ComponentFacts | None:
        return next((c for c in self.components if c.name == name), None)

    def workloads_of(self, component: str) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.component == component)
