"""What the Docker host is: OS, kernel, engine, Docker Desktop, sandboxed runtimes, cgroups,
rootless mode, and whether Docker runs virtualised, with the evidence that says so.

Whether the engine runs in a virtual machine is not a field of `docker info`: Docker Desktop
(and WSL 2, LinuxKit) says so through the daemon's facts; otherwise only host evidence people
attach can (`systemd-detect-virt`, `hostnamectl`, the DMI product name). Without either the
answer is "unknown": the checklist asks it of the team.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from auditapp.analysis.daemon_settings import (
    engine_version,
    get,
    security_options,
    strings,
    text,
)
from auditapp.analysis.model import Attachment, DaemonFacts, Deployment
from auditapp.analysis.runtime_sockets import runtime_exposures

Verdict = Literal["virtual-machine", "bare-metal", "container", "unknown"]
SANDBOXES = ("runsc", "gvisor", "kata")  # in a runtime's name, path or runtimeType
# systemd-detect-virt's names (systemd's detect-virt.c)
VM_WORDS = (
    "kvm qemu bochs xen uml vmware oracle microsoft zvm parallels bhyve qnx acrn powervm apple "
    "sre google amazon vm-other"
)
VM_NAMES = frozenset(VM_WORDS.split())
CONTAINER_NAMES = frozenset(
    {"openvz", "lxc", "lxc-libvirt", "systemd-nspawn", "rkt", "proot", "container-other"}
)
INSIDE_A_CONTAINER = frozenset({"docker", "podman", "pouch"})  # run in a container, not the host
DMI_VM_MARKERS = (
    "kvm",
    "qemu",
    "vmware",
    "virtualbox",
    "virtual machine",  # Hyper-V
    "hvm domu",  # Xen
    "standard pc (",  # QEMU's machine types
    "google compute engine",
    "bhyve",
    "openstack",
    "droplet",
    "amazon ec2",
)
TEXT_CAP = 4096  # attachments are hostile: read only the start


@dataclass(frozen=True)
class Virtualisation:
    """Whether the Docker host is a virtual machine, and why we think so. `conflicts` lists
    evidence that said otherwise."""

    verdict: Verdict
    technology: str = ""  # kvm, vmware, Docker Desktop, wsl ...
    basis: str = "no daemon fact or attached host evidence says: ask the team"
    evidence_id: int | None = None
    conflicts: tuple[str, ...] = ()

    @property
    def established(self) -> bool:
        return self.verdict != "unknown"


@dataclass(frozen=True)
class HostFacts:
    known: bool  # `docker info` was collected
    evidence_id: int | None
    name: str
    operating_system: str
    os_type: str
    kernel: str
    architecture: str
    docker_version: str
    docker_desktop: bool
    linuxkit: bool
    runtimes: tuple[str, ...]
    default_runtime: str
    sandboxed_runtimes: tuple[str, ...]
    cgroup_version: str
    cgroup_driver: str
    rootless: bool
    userns_remap: bool
    virtualisation: Virtualisation
    # described here, judged by the runtime rules (CIS 5.32 and 5.5)
    socket_mounts: tuple[str, ...] = ()
    privileged: tuple[str, ...] = ()

    @property
    def default_sandboxed(self) -> bool:
        return self.default_runtime in self.sandboxed_runtimes


def host_facts(deployment: Deployment) -> HostFacts:
    daemon = deployment.daemon
    info = daemon.info if daemon is not None else {}
    config = daemon.config if daemon is not None else None
    kernel = text(get(info, "KernelVersion"))
    system = text(get(info, "OperatingSystem"))
    desktop = is_docker_desktop(info)
    linuxkit = kernel.endswith(("-linuxkit", "-moby"))
    options = security_options(info) or frozenset()
    runtimes, sandboxed = _runtimes(get(info, "Runtimes"))
    return HostFacts(
        known=bool(info),
        evidence_id=daemon.evidence_id if daemon is not None else None,
        name=text(get(info, "Name")),
        operating_system=system,
        os_type=text(get(info, "OSType")),
        kernel=kernel,
        architecture=text(get(info, "Architecture")),
        docker_version=engine_version(daemon) if daemon is not None else "",
        docker_desktop=desktop,
        linuxkit=linuxkit,
        runtimes=runtimes,
        default_runtime=text(get(info, "DefaultRuntime")),
        sandboxed_runtimes=sandboxed,
        cgroup_version=text(get(info, "CgroupVersion")),
        cgroup_driver=text(get(info, "CgroupDriver")),
        rootless="rootless" in options,
        userns_remap="userns" in options or bool(text(get(config, "userns-remap"))),
        virtualisation=virtualisation(daemon, deployment.attachments),
        socket_mounts=tuple(w.label for w in deployment.workloads if runtime_exposures(w)),
        privileged=tuple(w.label for w in deployment.workloads if w.privileged),
    )


def is_docker_desktop(info: object) -> bool:
    system = text(get(info, "OperatingSystem")).lower()
    labels = strings(get(info, "Labels"))
    return "docker desktop" in system or any(
        label.startswith("com.docker.desktop.") for label in labels
    )


def _runtimes(raw: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Runtime names, and those that sandbox containers in a user-space kernel or a VM."""
    if not isinstance(raw, Mapping):
        return (), ()
    names = tuple(sorted(name for name in raw if isinstance(name, str)))

    def sandboxes(name: str) -> bool:
        said = f"{name} {text(get(raw, name, 'path'))} {text(get(raw, name, 'runtimeType'))}"
        return any(marker in said.lower() for marker in SANDBOXES)

    return names, tuple(name for name in names if sandboxes(name))


# --- is it virtualised? ---------------------------------------------------------------------------


def virtualisation(
    daemon: DaemonFacts | None, attachments: tuple[Attachment, ...]
) -> Virtualisation:
    """The daemon's own facts first (Docker Desktop and WSL 2 are VMs by construction), then the
    attached host evidence: any evidence of a hypervisor outweighs a "none"."""
    seen = [v for v in (_from_daemon(daemon), *map(_from_attachment, attachments)) if v]
    order: tuple[Verdict, ...] = ("virtual-machine", "container", "bare-metal")
    for verdict in order:
        chosen = next((v for v in seen if v.verdict == verdict), None)
        if chosen is not None:
            others = tuple(v.basis for v in seen if v.verdict != verdict)
            return Virtualisation(
                chosen.verdict, chosen.technology, chosen.basis, chosen.evidence_id, others
            )
    return Virtualisation("unknown")


def _from_daemon(daemon: DaemonFacts | None) -> Virtualisation | None:
    if daemon is None:
        return None
    info, evidence_id = daemon.info, daemon.evidence_id
    kernel = text(get(info, "KernelVersion"))
    if is_docker_desktop(info):
        basis = "docker info: Docker Desktop runs the engine in a virtual machine"
        return Virtualisation("virtual-machine", "Docker Desktop", basis, evidence_id)
    if kernel.endswith(("-linuxkit", "-moby")):
        basis = f"docker info: the LinuxKit kernel {kernel} runs in a virtual machine"
        return Virtualisation("virtual-machine", "LinuxKit", basis, evidence_id)
    if "microsoft-standard" in kernel.lower() or kernel.lower().endswith("-wsl2"):
        basis = f"docker info: the kernel {kernel} is WSL 2's, a Hyper-V virtual machine"
        return Virtualisation("virtual-machine", "wsl", basis, evidence_id)
    return None


def _from_attachment(attachment: Attachment) -> Virtualisation | None:
    title = attachment.title.lower()
    lines = [line.strip() for line in attachment.text[:TEXT_CAP].splitlines() if line.strip()]
    fields = {
        key.strip().lower(): value.strip()
        for key, sep, value in (line.partition(":") for line in lines)
        if sep
    }
    where = f"attachment {attachment.title!r}"
    if "virtualization" in fields or "chassis" in fields:  # hostnamectl
        return _from_hostnamectl(fields, where, attachment.evidence_id)
    if "detect-virt" in title or (len(lines) == 1 and _detect_virt_word(lines[0])):
        return _from_detect_virt(lines[0] if lines else "", where, attachment.evidence_id)
    if any(key in title for key in ("product_name", "sys_vendor", "dmi")) and lines:
        product = lines[0].lower()
        if any(marker in product for marker in DMI_VM_MARKERS):
            basis = f"{where}: the DMI product {lines[0][:80]!r} is a virtual machine"
            return Virtualisation("virtual-machine", lines[0][:80], basis, attachment.evidence_id)
    return None


def _detect_virt_word(word: str) -> bool:
    word = word.lower()
    return word == "none" or word in VM_NAMES | CONTAINER_NAMES | INSIDE_A_CONTAINER | {"wsl"}


def _from_detect_virt(word: str, where: str, evidence_id: int) -> Virtualisation | None:
    word = word.lower()
    says = f"{where}: systemd-detect-virt says {word!r}"
    if word == "none":
        return Virtualisation("bare-metal", "", f"{says}, no virtualisation", evidence_id)
    if word in VM_NAMES or word == "wsl":  # WSL 2 reports itself as a container, runs in a VM
        return Virtualisation("virtual-machine", word, says, evidence_id)
    if word in CONTAINER_NAMES:
        basis = f"{says}: the Docker host is itself a container"
        return Virtualisation("container", word, basis, evidence_id)
    return None  # "docker", "podman": it ran inside a container, not on the Docker host


def _from_hostnamectl(fields: dict[str, str], where: str, evidence_id: int) -> Virtualisation:
    technology = fields.get("virtualization", "")
    technology = "" if technology.lower() == "none" else technology
    chassis = fields.get("chassis", "").split()[0].lower() if fields.get("chassis") else ""
    if technology or chassis in ("vm", "container"):
        verdict: Verdict = "container" if chassis == "container" else "virtual-machine"
        basis = f"{where}: hostnamectl says Virtualization {technology or '?'}, Chassis {chassis}"
        return Virtualisation(verdict, technology.lower(), basis, evidence_id)
    basis = f"{where}: hostnamectl names no virtualisation (Chassis {chassis or '?'})"
    return Virtualisation("bare-metal", "", basis, evidence_id)
