"""From stored evidence to the `Deployment` the rules judge.

Evidence comes back from the database, so it is read as hostile: every field is checked for
its type, and a field of the wrong shape counts as unknown rather than stopping the analysis.
Engine containers and compose services end up in one shape, `Workload`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from auditapp.analysis.facts_compose import service_workload
from auditapp.analysis.model import (
    Attachment,
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


@dataclass(frozen=True)
class EvidenceDoc:
    """One stored evidence object, its JSON already decoded (any shape)."""

    id: int
    kind: str
    title: str
    collected_at: datetime
    content: Any
    image_digest: str = ""  # for image-config evidence: the image it describes


@dataclass
class _Builder:
    workloads: list[Workload] = field(default_factory=list)
    images: dict[str, ImageFacts] = field(default_factory=dict)  # by digest (or name)
    networks: dict[str, NetworkFacts] = field(default_factory=dict)
    volumes: set[str] = field(default_factory=set)
    daemon: DaemonFacts | None = None
    daemon_config: tuple[int, Mapping[str, Any]] | None = None
    setid: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)


def build_deployment(
    docs: Iterable[EvidenceDoc],
    *,
    components: Sequence[ComponentFacts] = (),
    flows: Sequence[DeclaredFlow] = (),
    templates: Mapping[str, Mapping[str, Any]] | None = None,
    attachments: Sequence[Attachment] = (),
) -> Deployment:
    """The deployment as the latest evidence shows it (see `latest` for which documents count)."""
    b = _Builder()
    for doc in docs:
        content = doc.content
        match doc.kind:
            case "engine-container":
                if workload := _container(doc.id, as_dict(content)):
                    b.workloads.append(workload)
            case "engine-image":
                _engine_image(b, doc.id, as_dict(content))
            case "image-config":
                _image_config(b, doc, as_dict(content))
            case "image-setid-files":
                _setid(b, doc.id, as_dict(content))
            case "engine-network":
                _engine_network(b, doc.id, as_dict(content))
            case "engine-volume":
                if name := as_str(as_dict(content).get("Name")):
                    b.volumes.add(name)
            case "engine-daemon":
                data = as_dict(content)
                b.daemon = DaemonFacts(
                    doc.id, as_dict(data.get("info")), as_dict(data.get("version"))
                )
            case "engine-daemon-config":
                b.daemon_config = (doc.id, as_dict(content))
            case "compose":
                _compose(b, doc.id, as_dict(content))
    daemon = b.daemon
    if daemon is not None and b.daemon_config is not None:
        daemon = replace(daemon, config=b.daemon_config[1], config_evidence_id=b.daemon_config[0])
    elif daemon is None and b.daemon_config is not None:
        daemon = DaemonFacts(None, {}, {}, b.daemon_config[1], b.daemon_config[0])
    known = {c.name for c in components}
    extra = sorted({w.component for w in b.workloads} - known)
    all_components = (*components, *(ComponentFacts(name) for name in extra))
    return Deployment(
        components=tuple(all_components),
        workloads=_services_with_image_ports(b),
        images=_images_with_users(b),
        networks=_networks_with_members(b),
        volumes=tuple(sorted(b.volumes)),
        daemon=daemon,
        flows=tuple(flows),
        templates=dict(templates or {}),
        attachments=tuple(attachments),
    )


def latest(docs: Iterable[EvidenceDoc]) -> list[EvidenceDoc]:
    """The documents that describe the deployment now: from the engine, only its latest
    collection (a container removed since must not linger); otherwise the newest document
    per kind and title."""
    docs = list(docs)
    engine_at = max((d.collected_at for d in docs if d.kind.startswith("engine-")), default=None)
    newest: dict[tuple[str, str], EvidenceDoc] = {}
    for doc in sorted(docs, key=lambda d: (d.collected_at, d.id)):
        if doc.kind.startswith("engine-") and doc.collected_at != engine_at:
            continue
        newest[(doc.kind, doc.title)] = doc
    return sorted(newest.values(), key=lambda d: d.id)


# --- engine -----------------------------------------------------------------------------------


def _container(evidence_id: int, inspect: Mapping[str, Any]) -> Workload | None:
    name = as_str(inspect.get("Name")).lstrip("/") or as_str(inspect.get("Id"))[:12]
    if not name:
        return None
    host = as_dict(inspect.get("HostConfig"))
    config = as_dict(inspect.get("Config"))
    labels = as_dict(config.get("Labels"))
    restart = as_dict(host.get("RestartPolicy"))
    health = as_dict(config.get("Healthcheck"))
    test = as_strings(health.get("Test"))
    state = as_dict(inspect.get("State"))
    return Workload(
        name=name,
        component=as_str(labels.get("com.docker.compose.service")) or name,
        origin="container",
        evidence_id=evidence_id,
        image=as_str(config.get("Image")),
        image_digest=as_str(inspect.get("Image")),
        user=as_str(config.get("User")),
        privileged=as_bool(host.get("Privileged")),
        cap_add=caps(host.get("CapAdd")),
        cap_drop=caps(host.get("CapDrop")),
        security_opt=as_strings(host.get("SecurityOpt")),
        apparmor_profile=as_str(inspect.get("AppArmorProfile")),
        read_only_rootfs=as_bool(host.get("ReadonlyRootfs")),
        pid_mode=as_str(host.get("PidMode")),
        ipc_mode=as_str(host.get("IpcMode")),
        uts_mode=as_str(host.get("UTSMode")),
        userns_mode=as_str(host.get("UsernsMode")),
        network_mode=as_str(host.get("NetworkMode")),
        cgroup_parent=as_str(host.get("CgroupParent")),
        mounts=tuple(_engine_mount(as_dict(m)) for m in as_list(inspect.get("Mounts"))),
        ports=_port_bindings(as_dict(host.get("PortBindings"))),
        exposed=_exposed(as_dict(config.get("ExposedPorts")), as_dict(host.get("PortBindings"))),
        networks=tuple(sorted(as_dict(as_dict(inspect.get("NetworkSettings")).get("Networks")))),
        devices=tuple(as_str(as_dict(d).get("PathOnHost")) for d in as_list(host.get("Devices"))),
        memory_bytes=as_int(host.get("Memory")),
        nano_cpus=as_int(host.get("NanoCpus")),
        cpu_shares=as_int(host.get("CpuShares")),
        pids_limit=as_int(host.get("PidsLimit")),
        restart_policy=as_str(restart.get("Name")),
        restart_max=as_int(restart.get("MaximumRetryCount")),
        healthcheck=(bool(test) and test[0] != "NONE") if "Healthcheck" in config else False,
        health_status=as_str(as_dict(state.get("Health")).get("Status")) or None,
        running=as_bool(state.get("Running")),
        ulimits=tuple(as_str(as_dict(u).get("Name")) for u in as_list(host.get("Ulimits"))),
        sysctls=tuple(sorted(as_dict(host.get("Sysctls")))),
    )


def _engine_mount(mount: Mapping[str, Any]) -> Mount:
    kind = as_str(mount.get("Type"))
    source = as_str(mount.get("Name")) if kind == "volume" else as_str(mount.get("Source"))
    return Mount(
        type=kind,
        source=source,
        target=as_str(mount.get("Destination")),
        read_only=not as_bool(mount.get("RW"), default=True),
        propagation=as_str(mount.get("Propagation")),
    )


def _port_bindings(bindings: Mapping[str, Any]) -> tuple[PublishedPort, ...]:
    ports: list[PublishedPort] = []
    for key, hosts in sorted(bindings.items()):
        port, protocol = port_key(key)
        if port is None:
            continue
        for host in as_list(hosts):
            binding = as_dict(host)
            host_port = as_str(binding.get("HostPort"))
            ports.append(
                PublishedPort(
                    port,
                    protocol,
                    as_str(binding.get("HostIp")),
                    int(host_port) if host_port.isdigit() else None,
                )
            )
    return tuple(ports)


def _exposed(
    exposed: Mapping[str, Any], published: Mapping[str, Any]
) -> tuple[tuple[int, str], ...]:
    result = []
    for key in sorted(exposed):
        port, protocol = port_key(key)
        if port is not None and key not in published:
            result.append((port, protocol))
    return tuple(result)


def _engine_image(b: _Builder, evidence_id: int, content: Mapping[str, Any]) -> None:
    inspect = as_dict(content.get("inspect"))
    digest = as_str(inspect.get("Id"))
    tags = as_strings(inspect.get("RepoTags"))
    config = as_dict(inspect.get("Config"))
    history = [as_str(as_dict(h).get("CreatedBy")) for h in as_list(content.get("history"))]
    key = digest or (tags[0] if tags else "")
    if not key:
        return
    b.images[key] = ImageFacts(
        name=tags[0] if tags else digest[:19],
        digest=digest,
        evidence_id=evidence_id,
        user=as_str(config.get("User")),
        healthcheck=_has_healthcheck(config),
        history=tuple(reversed(history)),  # the engine lists the newest step first
        exposed=_exposed(as_dict(config.get("ExposedPorts")), {}),
        components=tags,  # names until _images_with_users resolves them
    )


def _image_config(b: _Builder, doc: EvidenceDoc, content: Mapping[str, Any]) -> None:
    config = as_dict(content.get("config"))
    name = doc.title.removeprefix("image ")
    history = [as_str(as_dict(h).get("created_by")) for h in as_list(content.get("history"))]
    key = doc.image_digest or name
    if key in b.images and b.images[key].evidence_id is not None and not doc.image_digest:
        return
    b.images[key] = ImageFacts(
        name=name,
        digest=doc.image_digest,
        evidence_id=doc.id,
        user=as_str(config.get("User")),
        healthcheck=_has_healthcheck(config),
        history=tuple(history),
        exposed=_exposed(as_dict(config.get("ExposedPorts")), {}),
        components=(name,),
    )


def _has_healthcheck(config: Mapping[str, Any]) -> bool:
    test = as_strings(as_dict(config.get("Healthcheck")).get("Test"))
    return bool(test) and test[0] != "NONE"


def _setid(b: _Builder, evidence_id: int, content: Mapping[str, Any]) -> None:
    files = tuple(as_str(as_dict(f).get("path")) for f in as_list(content.get("files")))
    if digest := as_str(content.get("image")):
        b.setid[digest] = (evidence_id, files)


def _engine_network(b: _Builder, evidence_id: int, inspect: Mapping[str, Any]) -> None:
    name = as_str(inspect.get("Name"))
    if not name:
        return
    options = as_dict(inspect.get("Options"))
    icc = options.get("com.docker.network.bridge.enable_icc")
    b.networks[name] = NetworkFacts(
        name=name,
        origin="container",
        evidence_id=evidence_id,
        driver=as_str(inspect.get("Driver")),
        internal=as_bool(inspect.get("Internal")),
        icc=None if icc is None else as_str(icc).lower() == "true",
        default_bridge=name == "bridge"
        or as_str(options.get("com.docker.network.bridge.default_bridge")) == "true",
    )


# --- compose ----------------------------------------------------------------------------------


def _compose(b: _Builder, evidence_id: int, project: Mapping[str, Any]) -> None:
    declared = {
        as_str(as_dict(n).get("name")): as_dict(n) for n in as_list(project.get("networks"))
    }
    for volume in as_list(project.get("volumes")):
        if name := as_str(as_dict(volume).get("name")):
            b.volumes.add(name)
    uses_default = False
    for raw in as_list(project.get("services")):
        service = as_dict(raw)
        workload = service_workload(evidence_id, service)
        if workload is None:
            continue
        if not workload.networks and not workload.network_mode:
            workload = replace(workload, networks=("default",))
            uses_default = True
        b.workloads.append(workload)
    for name, network in declared.items():
        if name:
            b.networks.setdefault(
                name,
                NetworkFacts(
                    name=name,
                    origin="service",
                    evidence_id=evidence_id,
                    driver=as_str(network.get("driver")) or "bridge",
                    internal=as_bool(network.get("internal")),
                ),
            )
    if uses_default:
        b.networks.setdefault(
            "default", NetworkFacts("default", "service", evidence_id, driver="bridge")
        )


# --- joining up -------------------------------------------------------------------------------


def _images_with_users(b: _Builder) -> tuple[ImageFacts, ...]:
    result = []
    for image in b.images.values():
        refs = {image.digest, image.name, *image.components} - {""}
        users = sorted(
            {w.component for w in b.workloads if w.image_digest in refs or w.image in refs}
        )
        setid_id, setid_files = b.setid.get(image.digest, (None, ()))
        result.append(
            replace(
                image,
                components=tuple(users),
                setid_files=setid_files,
                setid_evidence_id=setid_id,
            )
        )
    return tuple(sorted(result, key=lambda i: i.name))


def _services_with_image_ports(b: _Builder) -> tuple[Workload, ...]:
    """A compose service exposes what its image EXPOSEs, as a container made from it would."""
    by_ref: dict[str, ImageFacts] = {}
    for image in b.images.values():
        for ref in (image.name, image.digest, *image.components):
            if ref:
                by_ref.setdefault(ref, image)
    result = []
    for w in b.workloads:
        found = by_ref.get(w.image) if w.origin == "service" else None
        if found is not None:
            published = {(p.container_port, p.protocol) for p in w.ports}
            extra = [e for e in found.exposed if e not in published and e not in w.exposed]
            w = replace(w, exposed=(*w.exposed, *extra))
        result.append(w)
    return tuple(result)


def _networks_with_members(b: _Builder) -> tuple[NetworkFacts, ...]:
    result = []
    for network in b.networks.values():
        members = sorted(
            w.name
            for w in b.workloads
            if network.name in w.networks and (w.origin == network.origin)
        )
        result.append(replace(network, members=tuple(members)))
    return tuple(sorted(result, key=lambda n: (n.origin, n.name)))
