"""Runtime rules about what of the host a workload can reach through its mounts and devices
(CIS 5.6, 5.18, 5.20)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from auditapp.analysis.interface import Hit, Rule, rule
from auditapp.analysis.model import Deployment
from auditapp.analysis.runtime_settings import where

WORKLOAD = ("engine-container", "compose")
# The host folders CIS 5.6 names; "/" counts only as itself (everything is below it).
SENSITIVE = ("/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr")
SHARED = ("shared", "rshared")


def sensitive_host_path(source: str) -> str | None:
    """The sensitive folder a bind source is, or lies in ("/etc/ssl" → "/etc"); None otherwise.
    Relative sources (a compose file's "./data") are never host system folders."""
    if not source.startswith("/"):
        return None
    path = posixpath.normpath("/" + source.lstrip("/"))
    if path == "/":
        return "/"
    return next((s for s in SENSITIVE if path == s or path.startswith(s + "/")), None)


@rule(
    "runtime.sensitive-mount",
    "Sensitive host folder mounted read-write",
    "high",
    scope="workload",
    pci=("2.2.6", "7.2.5"),
    cis=("5.6",),
    reads=WORKLOAD,
    fails="mount a sensitive host folder read-write",
)
def sensitive_mount(d: Deployment) -> Iterator[Hit]:
    """The workload binds a host system folder (/, /boot, /dev, /etc, /lib, /proc, /sys, /usr,
    or anything below them) read-write. A process that can write there can change the host's
    accounts, libraries, boot files or kernel settings: a container escape by configuration.
    The host's root folder is reported as critical. Fix: mount only the file that is needed,
    read-only (`:ro`), or copy it into the image."""
    for w in d.workloads:
        for mount in w.mounts:
            if mount.type not in ("bind", "") or mount.read_only:
                continue
            folder = sensitive_host_path(mount.source)
            if folder is None:
                continue
            yield Hit(
                w.component,
                where(w, f"Mounts {mount.target}", f"volumes {mount.target}"),
                w.evidence_id,
                {"source": mount.source, "target": mount.target, "folder": folder},
                severity="critical" if folder == "/" else "",
                subject=w.name,
            )


@rule(
    "runtime.shared-propagation",
    "Mount propagation set to shared",
    "medium",
    scope="workload",
    pci=("2.2.6",),
    cis=("5.20",),
    reads=WORKLOAD,
    fails="share mount propagation with the host",
)
def shared_propagation(d: Deployment) -> Iterator[Hit]:
    """A mount of the workload uses shared (or rshared) propagation: mounts the container
    makes under it appear on the host and in every other container sharing it, so a
    compromised container can plant mounts outside itself. Fix: use the default (rprivate),
    or slave propagation when the container must see the host's new mounts."""
    for w in d.workloads:
        for mount in w.mounts:
            if mount.propagation.strip().lower() in SHARED:
                yield Hit(
                    w.component,
                    where(w, f"Mounts {mount.target}", f"volumes {mount.target}"),
                    w.evidence_id,
                    {
                        "source": mount.source,
                        "target": mount.target,
                        "propagation": mount.propagation,
                    },
                    subject=w.name,
                )


@rule(
    "runtime.host-devices",
    "Host device passed into the container",
    "low",
    scope="workload",
    pci=("2.2.4", "2.2.6"),
    cis=("5.18",),
    reads=WORKLOAD,
    fails="have host devices passed in",
)
def host_devices(d: Deployment) -> Iterator[Hit]:
    """The workload has a host device passed straight in (`devices:`). Direct access to a
    disk, a GPU or a serial port bypasses the isolation the container otherwise has; it may
    be needed, but each device should be known and justified. Fix: remove devices the
    workload does not need; pass the rest read-only ("r" permissions) where it can be."""
    for w in d.workloads:
        for device in dict.fromkeys(w.devices):
            if device:
                location = where(w, f"HostConfig.Devices {device}", f"devices {device}")
                yield Hit(w.component, location, w.evidence_id, {"device": device}, subject=w.name)


RULES: tuple[Rule, ...] = (sensitive_mount, shared_propagation, host_devices)
