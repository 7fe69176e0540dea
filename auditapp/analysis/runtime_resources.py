"""Runtime rules about a workload's limits and upkeep: memory, CPU and PIDs limits, a
read-only root filesystem, the restart policy and health checking (CIS 5.11–5.13, 5.15, 5.27,
5.29)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment, Workload
from auditapp.analysis.runtime_settings import image_of, where

WORKLOAD = ("engine-container", "compose")
DEFAULT_CPU_SHARES = 1024  # what Docker uses when none is given: no priority set
MAX_RESTARTS = 5


def _unset(value: int | None) -> bool:
    return value is None or value <= 0


@rule(
    "runtime.memory-limit",
    "No memory limit",
    "medium",
    scope="workload",
    pci=("2.2.1", "2.2.6"),
    cis=("5.11",),
    reads=WORKLOAD,
    fails="run without a memory limit",
)
def memory_limit(d: Deployment) -> Iterator[Hit]:
    """The workload has no memory limit: a leak or a deliberate flood in one container can
    exhaust the host's memory and take every other container on it down, the cardholder data
    services included. Fix: set `mem_limit` / `deploy.resources.limits.memory` (`--memory`)."""
    for w in d.workloads:
        if _unset(w.memory_bytes):
            location = where(w, "HostConfig.Memory", "mem_limit")
            yield Hit(
                w.component, location, w.evidence_id, {"memory": w.memory_bytes}, subject=w.name
            )


@rule(
    "runtime.cpu-limit",
    "No CPU limit or priority",
    "medium",
    scope="workload",
    pci=("2.2.1", "2.2.6"),
    cis=("5.12",),
    reads=WORKLOAD,
    fails="run without a CPU limit",
)
def cpu_limit(d: Deployment) -> Iterator[Hit]:
    """The workload has neither a CPU limit (`cpus`, NanoCpus) nor a CPU share other than
    Docker's default 1024, so it can take all of the host's CPU from its neighbours.
    Fix: set `cpus` (`--cpus`) or, at least, `cpu_shares`."""
    for w in d.workloads:
        shares = w.cpu_shares
        if _unset(w.nano_cpus) and (_unset(shares) or shares == DEFAULT_CPU_SHARES):
            location = where(w, "HostConfig.NanoCpus", "cpus")
            detail = {"nano_cpus": w.nano_cpus, "cpu_shares": shares}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


@rule(
    "runtime.pids-limit",
    "No PIDs limit",
    "medium",
    scope="workload",
    pci=("2.2.1", "2.2.6"),
    cis=("5.29",),
    reads=WORKLOAD,
    fails="run without a PIDs limit",
)
def pids_limit(d: Deployment) -> Iterator[Hit]:
    """The workload has no limit on the number of processes (PidsLimit unset, 0 or -1): a fork
    bomb in it exhausts the host's process table. Fix: set `pids_limit` (`--pids-limit`) to
    what the application needs, for example 100."""
    for w in d.workloads:
        if _unset(w.pids_limit):
            location = where(w, "HostConfig.PidsLimit", "pids_limit")
            yield Hit(
                w.component, location, w.evidence_id, {"pids_limit": w.pids_limit}, subject=w.name
            )


@rule(
    "runtime.writable-rootfs",
    "Root filesystem writable",
    "medium",
    scope="workload",
    pci=("2.2.6", "11.5.2"),
    cis=("5.13",),
    reads=WORKLOAD,
    fails="run with a writable root filesystem",
)
def writable_rootfs(d: Deployment) -> Iterator[Hit]:
    """The workload's root filesystem is writable, so an intruder can change its binaries and
    configuration and leave tools behind, and the running container no longer matches the
    image that was reviewed (PCI DSS 11.5.2 change detection has nothing fixed to compare).
    Fix: `read_only: true` (`--read-only`), with tmpfs or volumes for the paths that must be
    written."""
    for w in d.workloads:
        if not w.read_only_rootfs:
            location = where(w, "HostConfig.ReadonlyRootfs", "read_only")
            yield Hit(w.component, location, w.evidence_id, {"read_only": False}, subject=w.name)


@rule(
    "runtime.restart-policy",
    "Restart policy without a retry cap",
    "low",
    scope="workload",
    pci=("2.2.1",),
    cis=("5.15",),
    reads=WORKLOAD,
    fails="restart without a retry cap",
)
def restart_policy(d: Deployment) -> Iterator[Hit]:
    """The workload restarts without a cap: `always`, `unless-stopped`, or `on-failure` with no
    count (which Docker takes as unlimited) or more than 5 retries. A container that is being
    attacked or crashes in a loop is restarted for ever, which hides the failure and can
    starve the host. Fix: `restart: on-failure:5` and alerting on restarts."""
    for w in d.workloads:
        policy = w.restart_policy.strip().lower()
        uncapped = policy == "on-failure" and (
            _unset(w.restart_max) or (w.restart_max or 0) > MAX_RESTARTS
        )
        if policy in ("always", "unless-stopped") or uncapped:
            location = where(w, "HostConfig.RestartPolicy", "restart")
            detail = {"policy": w.restart_policy, "maximum_retries": w.restart_max}
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


def _health(d: Deployment, w: Workload) -> tuple[bool, Mapping[str, object]]:
    """Whether the workload's health is checked, and what that was judged on."""
    if w.origin == "container" and w.running:
        return bool(w.health_status), {"health_status": w.health_status}
    if w.origin == "container" and w.healthcheck is not None:
        # a stopped or created container has no health status yet; its (merged) config says
        # whether it will have one
        return w.healthcheck, {"healthcheck": w.healthcheck, "running": w.running}
    if w.healthcheck:
        return True, {}
    image = image_of(d, w)
    image_check = image.healthcheck if image is not None else None
    detail = {"healthcheck": w.healthcheck, "image_healthcheck": image_check}
    return bool(image_check), detail


@rule(
    "runtime.health",
    "Health not checked",
    "low",
    scope="workload",
    pci=("2.2.1",),
    cis=("5.27",),
    reads=(*WORKLOAD, "engine-image", "image-config"),
    fails="run without a health check",
)
def health(d: Deployment) -> Iterator[Hit]:
    """Nothing checks that the workload is healthy: a running engine container has no health
    status, or a container, service and its image define no HEALTHCHECK (a service whose image
    was not collected is judged on its own `healthcheck:` alone). A hung payment service then
    looks up to the engine and to whoever watches it. Fix: add a HEALTHCHECK to the image or
    a `healthcheck:` to the service, and alert on unhealthy containers."""
    for w in d.workloads:
        checked, detail = _health(d, w)
        if not checked:
            location = where(w, "State.Health", "healthcheck")
            yield Hit(w.component, location, w.evidence_id, detail, subject=w.name)


RULES: tuple[Rule, ...] = (
    memory_limit,
    cpu_limit,
    pids_limit,
    writable_rootfs,
    restart_policy,
    health,
)
