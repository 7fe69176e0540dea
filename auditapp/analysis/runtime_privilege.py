"""Runtime rules about what a workload may do as a process: the user it runs as, privileged
mode, capabilities, no-new-privileges and the Docker socket (CIS 4.1, 5.4, 5.5, 5.26, 5.32)."""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.capabilities import (
    ESCAPE_CAPABILITIES,
    beyond_default,
    capability_name,
    effective_capabilities,
)
from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment
from auditapp.analysis.runtime_settings import (
    daemon_no_new_privileges,
    effective_user,
    no_new_privileges,
    runs_as_root,
    where,
)
from auditapp.analysis.runtime_sockets import runtime_exposures

WORKLOAD = ("engine-container", "compose")


@rule(
    "runtime.root-user",
    "Runs as root",
    "medium",
    scope="workload",
    pci=("2.2.6", "7.2.5"),
    cis=("4.1",),
    reads=(*WORKLOAD, "engine-image", "image-config"),
    fails="run as root",
)
def root_user(d: Deployment) -> Iterator[Hit]:
    """The workload's process runs as uid 0: it sets no user (or "0", "root", "0:0",
    "root:root") and neither does its image's USER. Root in a container is root on the host
    once any other control gives way (a kernel bug, a writable host mount, an added
    capability), and PCI DSS 7.2.5 asks that system and application accounts hold only the
    privileges they need. A service that sets no user and whose image was not collected is
    reported at low severity: the user cannot be verified. Fix: add `USER 10001` (any non-zero
    uid) to the Dockerfile, or set `user:` in compose / `--user` on the container."""
    for w in d.workloads:
        user, source = effective_user(d, w)
        location = where(w, "Config.User", "user")
        if user is None:
            yield Hit(
                w.component,
                location,
                w.evidence_id,
                {"user": None, "source": source, "image": w.image, "verdict": "unknown"},
                title="No user set and the image was not inspected",
                severity="low",
                subject=w.name,
            )
        elif runs_as_root(user):
            yield Hit(
                w.component,
                location,
                w.evidence_id,
                {"user": user, "source": source, "image": w.image},
                subject=w.name,
            )


@rule(
    "runtime.privileged",
    "Privileged container",
    "critical",
    scope="workload",
    pci=("2.2.3", "2.2.6", "7.2.5"),
    cis=("5.5",),
    reads=WORKLOAD,
    fails="run privileged",
)
def privileged(d: Deployment) -> Iterator[Hit]:
    """The workload runs privileged: every capability, every host device, no seccomp or
    AppArmor confinement. Whoever controls its process controls the host and every other
    container on it, which undoes any isolation PCI DSS 2.2.3 relies on. Fix: remove
    `privileged`; grant the one capability or device the workload needs instead."""
    for w in d.workloads:
        if w.privileged:
            location = where(w, "HostConfig.Privileged", "privileged")
            yield Hit(w.component, location, w.evidence_id, {"privileged": True}, subject=w.name)


@rule(
    "runtime.capabilities",
    "Capability added beyond Docker's default set",
    "medium",
    scope="workload",
    pci=("2.2.6", "7.2.5"),
    cis=("5.4",),
    reads=WORKLOAD,
    fails="add capabilities beyond Docker's default set",
)
def capabilities(d: Deployment) -> Iterator[Hit]:
    """The workload's effective capability set (Docker's default set, plus cap_add, minus
    cap_drop, with ALL on either side) holds a capability Docker does not grant by default.
    Each one widens what a compromised process can do to the kernel; SYS_ADMIN, SYS_MODULE,
    SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, NET_ADMIN, BPF and the like are known escape routes
    and are reported as high, as is `cap_add: ALL` (one finding listing them all). Privileged
    workloads are left to runtime.privileged. Fix: drop ALL and add back only what the
    process needs, with a written reason for each."""
    for w in d.workloads:
        if w.privileged:
            continue
        extra = beyond_default(w.cap_add, w.cap_drop)
        if not extra:
            continue
        base = where(w, "HostConfig.CapAdd", "cap_add")
        added = {capability_name(c) for c in w.cap_add}
        if "ALL" in added:
            yield Hit(
                w.component,
                f"{base} ALL",
                w.evidence_id,
                {"capability": "ALL", "effective_beyond_default": list(extra)},
                title="All capabilities added",
                severity="high",
                subject=w.name,
            )
            continue
        for capability in extra:
            yield Hit(
                w.component,
                f"{base} {capability}",
                w.evidence_id,
                {"capability": capability},
                title=f"Capability added: {capability}",
                severity="high" if capability in ESCAPE_CAPABILITIES else "",
                subject=w.name,
            )


@rule(
    "runtime.net-raw",
    "NET_RAW not dropped",
    "low",
    scope="workload",
    pci=("2.2.4", "2.2.6"),
    cis=("5.4",),
    reads=WORKLOAD,
    fails="keep NET_RAW",
)
def net_raw(d: Deployment) -> Iterator[Hit]:
    """The workload keeps NET_RAW, which Docker grants by default. Raw sockets let a
    compromised process forge packets and spoof or sniff traffic on the networks it shares
    (ARP and DNS spoofing between containers); few applications need them (ping does). The
    CIS benchmark names it as the first capability to drop. Privileged workloads are left to
    runtime.privileged. Fix: `cap_drop: [ALL]` (or at least NET_RAW)."""
    for w in d.workloads:
        if not w.privileged and "NET_RAW" in effective_capabilities(w.cap_add, w.cap_drop):
            location = where(w, "HostConfig.CapDrop", "cap_drop")
            yield Hit(
                w.component, location, w.evidence_id, {"capability": "NET_RAW"}, subject=w.name
            )


@rule(
    "runtime.no-new-privileges",
    "Process can gain privileges (no-new-privileges not set)",
    "medium",
    scope="workload",
    pci=("2.2.6", "7.2.5"),
    cis=("5.26",),
    reads=(*WORKLOAD, "engine-daemon", "engine-daemon-config"),
    fails="allow processes to gain privileges",
)
def no_new_privileges_missing(d: Deployment) -> Iterator[Hit]:
    """Neither the workload (`security_opt: ["no-new-privileges:true"]`) nor the daemon
    (`"no-new-privileges": true` in daemon.json) sets no-new-privileges, so a process inside
    can still raise its privileges through setuid/setgid binaries or file capabilities, and a
    non-root user is one `su`-like binary away from root. Fix: set the option on the
    workload, or daemon-wide."""
    if daemon_no_new_privileges(d):
        return
    for w in d.workloads:
        if not no_new_privileges(w):
            location = where(w, "HostConfig.SecurityOpt", "security_opt")
            detail = {"security_opt": list(w.security_opt)}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


@rule(
    "runtime.docker-socket",
    "Docker socket mounted into the container",
    "critical",
    scope="workload",
    pci=("2.2.3", "2.2.6", "7.2.5"),
    cis=("5.32",),
    reads=WORKLOAD,
    fails="mount the Docker socket",
)
def docker_socket(d: Deployment) -> Iterator[Hit]:
    """The workload mounts the container runtime's socket: docker.sock, containerd.sock,
    podman.sock, crio.sock or dockershim.sock, a host folder that holds one (/var/run, /run,
    /run/containerd, ...), or the host's root; or it binds a host path where it expects
    docker.sock. Whoever talks to the socket can start a privileged container with the host's
    root filesystem mounted: it is root on the host and control over every container there,
    read-only mount or not. A named volume is never the host's socket. Fix: remove the mount;
    give monitoring or CI tools a narrowly scoped API proxy, or run them on a separate host
    outside the cardholder data environment."""
    for w in d.workloads:
        for exposed in runtime_exposures(w):
            mount = exposed.mount
            # the rule's title says "Docker socket": another runtime's socket is named as such
            other = exposed.runtime not in ("Docker", "")
            title = f"{_capital(exposed.noun)} mounted into the container" if other else ""
            yield Hit(
                w.component,
                where(w, f"Mounts {mount.target}", f"volumes {mount.target}"),
                w.evidence_id,
                {
                    "source": mount.source,
                    "target": mount.target,
                    "read_only": mount.read_only,
                    "exposes": exposed.what,
                },
                title=title,
                subject=w.name,
            )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


RULES: tuple[Rule, ...] = (
    root_user,
    privileged,
    capabilities,
    net_raw,
    no_new_privileges_missing,
    docker_socket,
)
