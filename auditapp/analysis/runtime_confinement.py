"""Runtime rules about the walls around a workload: AppArmor, SELinux and seccomp, the host's
namespaces, and the cgroup it is placed in (CIS 5.2, 5.3, 5.16, 5.17, 5.21, 5.22, 5.25, 5.31)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment, Workload
from auditapp.analysis.runtime_settings import daemon_security_options, security_options, where

WORKLOAD = ("engine-container", "compose")
UNCONFINED = "unconfined"


@rule(
    "runtime.apparmor",
    "No AppArmor profile",
    "medium",
    scope="workload",
    pci=("2.2.6",),
    cis=("5.2",),
    reads=(*WORKLOAD, "engine-daemon"),
    fails="run without an AppArmor profile",
)
def apparmor(d: Deployment) -> Iterator[Hit]:
    """The workload runs unconfined by AppArmor: `apparmor=unconfined` in its security options,
    or (engine containers only) an empty AppArmorProfile on a host whose daemon supports
    AppArmor. On such hosts Docker applies its docker-default profile unless told not to, so a
    compose service that says nothing gets the profile; only an explicit unconfined can be
    judged from a compose file. Hosts without AppArmor (SELinux distributions, for example)
    are not reported for an empty profile. Privileged workloads are left to
    runtime.privileged. Fix: remove `apparmor=unconfined`, or name a custom profile."""
    supported = daemon_security_options(d)
    for w in d.workloads:
        if w.privileged:
            continue
        asked = [v.lower() for v in security_options(w).get("apparmor", [])]
        profile = (w.apparmor_profile or "").strip()
        unconfined = UNCONFINED in asked or profile.lower() == UNCONFINED
        missing = (
            w.origin == "container"
            and not asked
            and profile == ""
            and (supported is None or "apparmor" in supported)
        )
        if unconfined or missing:
            location = where(w, "AppArmorProfile", "security_opt apparmor")
            detail = {"profile": profile or None, "security_opt": list(w.security_opt)}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


@rule(
    "runtime.selinux",
    "SELinux separation turned off or not set",
    "medium",
    scope="workload",
    pci=("2.2.6",),
    cis=("5.3",),
    reads=(*WORKLOAD, "engine-daemon"),
    fails="run without SELinux separation",
)
def selinux(d: Deployment) -> Iterator[Hit]:
    """The workload turns SELinux label separation off (`label=disable`), or runs on a host
    whose daemon has SELinux enabled without any `label=` option (reported at low severity:
    Docker's default container type applies, but the benchmark asks for explicit options).
    Without separation a process that escapes its namespaces meets no mandatory access
    control on the host's files. Hosts without SELinux are not judged beyond an explicit
    disable. Docker itself adds `label=disable` to containers that are privileged or share
    the host's PID or IPC namespace: those are left to the rules about that cause. Fix:
    remove `label=disable`; set `label=type:…`/`label=level:…` as needed."""
    supported = daemon_security_options(d)
    for w in d.workloads:
        if w.privileged or "host" in (w.pid_mode.strip().lower(), w.ipc_mode.strip().lower()):
            continue
        labels = [v.lower() for v in security_options(w).get("label", [])]
        location = where(w, "HostConfig.SecurityOpt label", "security_opt label")
        detail = {"security_opt": list(w.security_opt)}
        if "disable" in labels:
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)
        elif not labels and supported is not None and "selinux" in supported:
            yield Hit(
                w.component,
                location,
                w.evidence_id,
                detail,
                title="No SELinux options set",
                severity="low",
                subject=w.name,
            )


@rule(
    "runtime.seccomp-unconfined",
    "Seccomp profile disabled",
    "high",
    scope="workload",
    pci=("2.2.6",),
    cis=("5.22",),
    reads=WORKLOAD,
    fails="run without a seccomp profile",
)
def seccomp_unconfined(d: Deployment) -> Iterator[Hit]:
    """The workload runs with `seccomp=unconfined`: every system call reaches the kernel,
    including the ones Docker's default profile blocks because they were used in escapes
    (keyctl, unshare, mount, bpf, perf_event_open…). Fix: remove the option; if a program
    needs one more call, attach a custom profile that allows only that call."""
    for w in d.workloads:
        if UNCONFINED in [v.lower() for v in security_options(w).get("seccomp", [])]:
            location = where(w, "HostConfig.SecurityOpt seccomp", "security_opt seccomp")
            detail = {"security_opt": list(w.security_opt)}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


def _host_namespace(
    rule_id: str,
    kind: str,
    severity: str,
    cis: str,
    pci: tuple[str, ...],
    mode: Callable[[Workload], str],
    engine_field: str,
    compose_key: str,
    doc: str,
) -> Rule:
    def check(d: Deployment) -> Iterator[Hit]:
        for w in d.workloads:
            value = mode(w)
            if value.strip().lower() == "host":
                location = where(w, engine_field, compose_key)
                yield Hit(
                    w.component, location, w.evidence_id, {compose_key: value}, subject=w.name
                )

    check.__doc__ = doc
    return rule(
        rule_id,
        f"Host {kind} namespace shared",
        severity,
        scope="workload",
        pci=pci,
        cis=(cis,),
        reads=WORKLOAD,
        fails=f"share the host's {kind} namespace",
    )(check)


HOST_NAMESPACE = ("2.2.3", "2.2.6")

host_pid = _host_namespace(
    "runtime.host-pid",
    "PID",
    "high",
    "5.16",
    HOST_NAMESPACE,
    lambda w: w.pid_mode,
    "HostConfig.PidMode",
    "pid",
    """The workload shares the host's process namespace (`pid: host`): it sees every process
    on the host and in other containers, their command lines and environments (where secrets
    often are), and as root can signal or trace them. Fix: remove `pid: host`; a monitoring
    agent that needs it belongs on a host outside the cardholder data environment.""",
)

host_ipc = _host_namespace(
    "runtime.host-ipc",
    "IPC",
    "medium",
    "5.17",
    HOST_NAMESPACE,
    lambda w: w.ipc_mode,
    "HostConfig.IpcMode",
    "ipc",
    """The workload shares the host's IPC namespace (`ipc: host`): it can read and write the
    shared memory segments and message queues of host processes. Fix: remove `ipc: host`; to
    share memory between two containers use `ipc: shareable` and `ipc: container:…`.""",
)

host_uts = _host_namespace(
    "runtime.host-uts",
    "UTS",
    "low",
    "5.21",
    HOST_NAMESPACE,
    lambda w: w.uts_mode,
    "HostConfig.UTSMode",
    "uts",
    """The workload shares the host's UTS namespace (`uts: host`): as root it can change the
    host's hostname and domain name, which logs, certificates and monitoring rely on.
    Fix: remove `uts: host`.""",
)

host_userns = _host_namespace(
    "runtime.host-userns",
    "user",
    "medium",
    "5.31",
    HOST_NAMESPACE,
    lambda w: w.userns_mode,
    "HostConfig.UsernsMode",
    "userns_mode",
    """The workload opts out of user-namespace remapping (`userns_mode: host`), so root in
    the container is root on the host even where the daemon remaps users. Fix: remove the
    option, and enable `userns-remap` on the daemon.""",
)


@rule(
    "runtime.cgroup-parent",
    "Custom cgroup parent",
    "low",
    scope="workload",
    pci=("2.2.1", "2.2.6"),
    cis=("5.25",),
    reads=WORKLOAD,
    fails="set a custom cgroup parent",
)
def cgroup_parent(d: Deployment) -> Iterator[Hit]:
    """The workload is placed under a cgroup parent of its own choosing. The limits and
    accounting Docker applies to its containers then depend on a cgroup that is configured
    elsewhere, and a parent shared with host services lets the workload starve them. Fix:
    remove `cgroup_parent` unless the host's resource plan documents why it is needed."""
    for w in d.workloads:
        if w.cgroup_parent.strip():
            location = where(w, "HostConfig.CgroupParent", "cgroup_parent")
            detail = {"cgroup_parent": w.cgroup_parent}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


RULES: tuple[Rule, ...] = (
    apparmor,
    selinux,
    seccomp_unconfined,
    host_pid,
    host_ipc,
    host_uts,
    host_userns,
    cgroup_parent,
)
