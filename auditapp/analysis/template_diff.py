"""A workload held against its security template: one `Deviation` per way it differs."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from auditapp.analysis.capabilities import (
    DEFAULT_CAPABILITIES,
    ESCAPE_CAPABILITIES,
    effective_capabilities,
)
from auditapp.analysis.model import Workload
from auditapp.analysis.network_exposure import is_loopback
from auditapp.analysis.runtime_settings import no_new_privileges, runs_as_root, security_options
from auditapp.analysis.runtime_sockets import RuntimeExposure, runtime_exposure
from auditapp.analysis.templates import SecurityTemplate

# Where each key is read, as (engine inspect field, compose key), so a finding points at it.
FIELDS = {
    "privileged": ("HostConfig.Privileged", "privileged"),
    "capabilities_allowed": ("HostConfig.CapAdd/CapDrop", "cap_add/cap_drop"),
    "user": ("Config.User", "user"),
    "seccomp": ("HostConfig.SecurityOpt", "security_opt"),
    "apparmor": ("AppArmorProfile", "security_opt"),
    "selinux": ("HostConfig.SecurityOpt", "security_opt"),
    "read_only_rootfs": ("HostConfig.ReadonlyRootfs", "read_only"),
    "no_new_privileges": ("HostConfig.SecurityOpt", "security_opt"),
    "limits.memory": ("HostConfig.Memory", "mem_limit"),
    "limits.cpu": ("HostConfig.NanoCpus/CpuShares", "cpus/cpu_shares"),
    "limits.pids": ("HostConfig.PidsLimit", "pids_limit"),
    "mounts_allowed": ("Mounts", "volumes"),
    "ports_bind": ("HostConfig.PortBindings", "ports"),
}
# The CIS Docker Benchmark v1.6.0 recommendation each key checks, so that a deviation names
# the one it breaks (a socket mount names 5.32 itself).
KEY_CIS = {
    "privileged": ("5.5",),
    "user": ("4.1",),
    "capabilities_allowed": ("5.4",),
    "seccomp": ("5.22",),
    "apparmor": ("5.2",),
    "selinux": ("5.3",),
    "read_only_rootfs": ("5.13",),
    "no_new_privileges": ("5.26",),
    "limits.memory": ("5.11",),
    "limits.cpu": ("5.12",),
    "limits.pids": ("5.29",),
    "mounts_allowed": ("5.6",),
    "ports_bind": ("5.14",),
}
NAMESPACE_CIS = {
    "pid": ("5.16",),
    "ipc": ("5.17",),
    "uts": ("5.21",),
    "network": ("5.10",),
    "userns": ("5.31",),
}
SOCKET_CIS = ("5.32",)
_NAMESPACE_SEVERITY = {"pid": "high", "network": "high", "userns": "high", "ipc": "medium"}
_NAMESPACE_FIELDS = {
    "pid": ("HostConfig.PidMode", "pid"),
    "ipc": ("HostConfig.IpcMode", "ipc"),
    "uts": ("HostConfig.UTSMode", "uts"),
    "network": ("HostConfig.NetworkMode", "network_mode"),
    "userns": ("HostConfig.UsernsMode", "userns_mode"),
}


@dataclass(frozen=True)
class Deviation:
    """One way a workload differs from its template. `item` tells deviations of one key apart
    (a capability, a mount target, a namespace, a port)."""

    key: str
    expected: str
    actual: str
    severity: str
    item: str = ""
    cis: tuple[str, ...] = ()  # when the key's own CIS ids do not say it (a socket mount)

    @property
    def cis_ids(self) -> tuple[str, ...]:
        """The CIS recommendations this deviation breaks."""
        if self.cis:
            return self.cis
        if self.key == "host_namespaces_allowed":
            return NAMESPACE_CIS.get(self.item, ())
        return KEY_CIS.get(self.key, KEY_CIS.get(self.key.partition(".")[0], ()))

    def field_in(self, w: Workload) -> str:
        engine, compose = (
            _NAMESPACE_FIELDS.get(self.item)
            if self.key == "host_namespaces_allowed"
            else FIELDS.get(self.key)
        ) or FIELDS.get(self.key.partition(".")[0], ("", ""))
        return engine if w.origin == "container" else compose


@dataclass(frozen=True)
class RunContext:
    """What the workload alone does not say: the user it really runs as (None: unknown; an
    engine container's or image's setting otherwise) and whether the daemon enforces
    no-new-privileges for every container."""

    user: str | None
    daemon_no_new_privileges: bool = False

    @classmethod
    def of(cls, w: Workload) -> RunContext:
        """From the workload only: an engine container's Config.User already holds the
        image's USER; a service that sets none runs as an image user we do not know here."""
        return cls(w.user if w.user or w.origin == "container" else None)


def diff(w: Workload, t: SecurityTemplate, context: RunContext | None = None) -> list[Deviation]:
    """Every deviation of `w` from `t`, in a stable order (the order of the template's keys)."""
    context = context or RunContext.of(w)
    return [
        *_privileged(w, t),
        *_user(t, context),
        *_capabilities(w, t),
        *_seccomp(w, t),
        *_apparmor(w, t),
        *_selinux(w, t),
        *_flags(w, t, context),
        *_limits(w, t),
        *_mounts(w, t),
        *_namespaces(w, t),
        *_ports(w, t),
    ]


def _privileged(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    if w.privileged and not t.privileged:
        return [Deviation("privileged", "not privileged", "privileged", "critical")]
    return []


def _user(t: SecurityTemplate, context: RunContext) -> list[Deviation]:
    policy = t.user
    if not policy.non_root and not policy.allowed:
        return []
    user = context.user
    if user is None:
        return [
            Deviation(
                "user", _user_expected(t), "unknown (the image's USER was not collected)", "low"
            )
        ]
    shown = user.strip() or "root (none set)"
    if policy.non_root and runs_as_root(user):
        return [Deviation("user.non_root", "a non-root user", shown, "high")]
    uid = user.strip().partition(":")[0].strip()
    if policy.allowed and user.strip() not in policy.allowed and uid not in policy.allowed:
        return [Deviation("user.allowed", ", ".join(policy.allowed), shown, "medium")]
    return []


def _user_expected(t: SecurityTemplate) -> str:
    allowed = f"one of {', '.join(t.user.allowed)}" if t.user.allowed else ""
    return allowed or "a non-root user"


def _capabilities(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    # A privileged container has every capability; its own deviation already says so.
    if t.capabilities_allowed is None or w.privileged:
        return []
    extra = effective_capabilities(w.cap_add, w.cap_drop) - t.capabilities_allowed
    expected = ", ".join(sorted(t.capabilities_allowed)) or "none"
    return [
        Deviation(
            "capabilities_allowed",
            expected,
            name + (" (Docker's default, not dropped)" if name in DEFAULT_CAPABILITIES else ""),
            "high" if name in ESCAPE_CAPABILITIES or name not in DEFAULT_CAPABILITIES else "medium",
            item=name,
        )
        for name in sorted(extra)
    ]


def seccomp_mode(w: Workload) -> str:
    """ "unconfined", "custom" or "default": what seccomp filter the workload runs under.
    Docker applies no filter to a privileged container."""
    values = security_options(w).get("seccomp")
    if w.privileged or (values and values[-1].lower() == "unconfined"):
        return "unconfined"
    return "custom" if values and values[-1] else "default"


def _seccomp(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    if t.seccomp is None:
        return []
    mode = seccomp_mode(w)
    shown = "unconfined (privileged)" if w.privileged and mode == "unconfined" else mode
    expected = {"default": "Docker's default profile", "custom": "a custom profile"}.get(
        t.seccomp, "a profile (not unconfined)"
    )
    if mode == "unconfined":
        return [Deviation("seccomp", expected, shown, "high")]
    if t.seccomp != "any" and mode != t.seccomp:
        return [Deviation("seccomp", expected, shown, "medium")]
    return []


def apparmor_profile(w: Workload) -> str | None:
    """The AppArmor profile the workload runs under: "unconfined", a name, "" when the engine
    host applies none, None when unknown (a service without an apparmor option: Docker's
    docker-default where the host has AppArmor)."""
    values = security_options(w).get("apparmor")
    if w.privileged:
        return "unconfined"
    if values and values[-1]:
        return values[-1]
    return w.apparmor_profile


def _apparmor(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    if t.apparmor != "required":
        return []
    profile = apparmor_profile(w)
    expected = f"one of {', '.join(t.apparmor_profiles)}" if t.apparmor_profiles else "a profile"
    if profile is not None and profile in ("", "unconfined"):
        return [
            Deviation("apparmor", expected, profile or "none (the host applies none)", "medium")
        ]
    if t.apparmor_profiles:
        shown = profile or "docker-default (assumed: none set)"
        if (profile or "docker-default") not in t.apparmor_profiles:
            return [Deviation("apparmor", expected, shown, "medium")]
    return []


def _selinux(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    if t.selinux != "required":
        return []
    labels = security_options(w).get("label", [])
    if w.privileged or not labels or any(v.lower() == "disable" for v in labels):
        actual = "disabled" if any(v.lower() == "disable" for v in labels) else "no label option"
        return [Deviation("selinux", "an SELinux label (label=...)", actual, "medium")]
    return []


def _flags(w: Workload, t: SecurityTemplate, context: RunContext) -> list[Deviation]:
    found = []
    if t.read_only_rootfs and not w.read_only_rootfs:
        found.append(Deviation("read_only_rootfs", "read-only", "writable", "medium"))
    nnp = no_new_privileges(w) or context.daemon_no_new_privileges
    if t.no_new_privileges and not nnp:
        found.append(Deviation("no_new_privileges", "set", "not set", "medium"))
    return found


def _limits(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    limits, found = t.limits, []
    memory = w.memory_bytes if w.memory_bytes and w.memory_bytes > 0 else None
    if limits.needs_memory and memory is None:
        found.append(
            Deviation("limits.memory", _max(limits.memory_max, "bytes"), "no limit", "medium")
        )
    elif limits.memory_max is not None and memory is not None and memory > limits.memory_max:
        found.append(
            Deviation(
                "limits.memory", _max(limits.memory_max, "bytes"), f"{memory} bytes", "medium"
            )
        )
    cpus = w.nano_cpus / 1e9 if w.nano_cpus and w.nano_cpus > 0 else None
    shares = w.cpu_shares not in (None, 0, 1024)
    if limits.needs_cpu and cpus is None and (limits.cpus_max is not None or not shares):
        found.append(Deviation("limits.cpu", _max(limits.cpus_max, "CPUs"), "no limit", "low"))
    elif limits.cpus_max is not None and cpus is not None and cpus > limits.cpus_max:
        found.append(
            Deviation("limits.cpu", _max(limits.cpus_max, "CPUs"), f"{cpus:g} CPUs", "low")
        )
    pids = w.pids_limit if w.pids_limit and w.pids_limit > 0 else None
    if limits.needs_pids and pids is None:
        found.append(
            Deviation("limits.pids", _max(limits.pids_max, "processes"), "no limit", "medium")
        )
    elif limits.pids_max is not None and pids is not None and pids > limits.pids_max:
        found.append(
            Deviation("limits.pids", _max(limits.pids_max, "processes"), str(pids), "medium")
        )
    return found


def _max(value: float | None, unit: str) -> str:
    return "a limit" if value is None else f"at most {value:g} {unit}"


def _mounts(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    found = []
    allowed = t.mounts_allowed
    for m in w.mounts:
        names = [n for n in (m.source, m.target) if n]
        shown = f"{m.type} {m.source or '(anonymous)'} on {m.target}" + (
            " (read-only)" if m.read_only else ""
        )
        exposed = runtime_exposure(m)
        if exposed is not None:
            # The runtime's socket is control of every container on the host: only a glob
            # that names it explicitly lets it through, never a catch-all.
            listed = [g for g in allowed or () if _names(g, exposed)]
            if not any(fnmatch.fnmatchcase(n, g) for n in names for g in listed):
                expected = f"no {exposed.socket or 'runtime socket'} mount"
                found.append(
                    Deviation("mounts_allowed", expected, shown, "critical", m.target, SOCKET_CIS)
                )
            continue
        if allowed is not None and not any(
            fnmatch.fnmatchcase(n, g) for n in names for g in allowed
        ):
            expected = ", ".join(allowed) or "no mounts"
            found.append(Deviation("mounts_allowed", expected, shown, "medium", m.target))
    return found


def _names(glob: str, exposed: RuntimeExposure) -> bool:
    """Whether a mounts_allowed glob names what the mount exposes: the socket by its file
    name ("/var/run/docker.sock", "*/podman.sock"), or a folder or "/" exactly as itself."""
    if exposed.socket:
        return exposed.socket in glob
    return glob in (exposed.path, exposed.mount.source)


def _namespaces(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    modes = {
        "pid": w.pid_mode,
        "ipc": w.ipc_mode,
        "uts": w.uts_mode,
        "network": w.network_mode,
        "userns": w.userns_mode,
    }
    return [
        Deviation(
            "host_namespaces_allowed",
            f"not the host's {name} namespace",
            f"shares the host's {name} namespace",
            _NAMESPACE_SEVERITY.get(name, "low"),
            item=name,
        )
        for name, mode in modes.items()
        if mode.strip().lower() == "host" and name not in t.host_namespaces_allowed
    ]


def _ports(w: Workload, t: SecurityTemplate) -> list[Deviation]:
    if t.ports_bind in (None, "any"):
        return []
    expected = {
        "none": "no published ports",
        "loopback": "published on loopback only",
        "specific": "published on a specific address (not every interface)",
    }[t.ports_bind]
    found = []
    for p in w.ports:
        bind = "every interface" if p.all_interfaces else p.host_ip
        ok = (t.ports_bind == "loopback" and is_loopback(p.host_ip)) or (
            t.ports_bind == "specific" and not p.all_interfaces
        )
        if not ok:
            item = f"{p.container_port}/{p.protocol}"
            host = f":{p.host_port}" if p.host_port else ""
            found.append(
                Deviation("ports_bind", expected, f"{item} on {bind}{host}", "medium", item)
            )
    return found
