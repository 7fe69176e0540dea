"""Daemon rules, part two: how the daemon runs its containers — the CIS Docker Benchmark v1.6.0
section 2 checks on log level, storage driver, user namespaces, cgroup parent, logging driver,
no-new-privileges, live restore and experimental features."""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.daemon_settings import (
    NOT_IN_INFO,
    SWARM_ON,
    cannot_tell,
    config_only,
    daemon_hit,
    flag,
    get,
    security_options,
    swarm_state,
    text,
)
from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import Deployment

LOCAL_LOGS = {"json-file": "low", "local": "low", "none": "medium"}  # driver: severity


@rule(
    "daemon.log-level",
    "Daemon log level is not info",
    "low",
    scope="daemon",
    pci=("10.2.1", "2.2.1"),
    cis=("2.3",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="log at a level other than info",
)
def log_level(d: Deployment) -> Iterator[Hit]:
    """The daemon's own log level (CIS 2.3).

    At "info" the daemon records the events an audit trail needs (PCI DSS 10.2.1) without the
    volume and the secrets that "debug" can write; "warn" and above drop events. `docker info`
    shows only debug mode; daemon.json's `log-level` tells the rest.

    Fix: remove `log-level` and `debug` from daemon.json (or set `"log-level": "info"`).
    """
    daemon = d.daemon
    if daemon is None:
        return
    config = daemon.config
    if flag(get(daemon.info, "Debug")) is True:
        yield daemon_hit(daemon.evidence_id, "log-level", value="debug", source="docker info Debug")
    elif config is None:
        yield cannot_tell(daemon, "log-level", log_level.title, NOT_IN_INFO)
    elif flag(get(config, "debug")) is True:
        yield daemon_hit(
            daemon.config_evidence_id, "log-level", value="debug", source="daemon.json"
        )
    elif text(get(config, "log-level")).lower() not in ("", "info"):
        value = get(config, "log-level")
        yield daemon_hit(daemon.config_evidence_id, "log-level", value=value, source="daemon.json")


@rule(
    "daemon.storage-driver",
    "The aufs storage driver is in use",
    "medium",
    scope="daemon",
    pci=("2.2.1",),
    cis=("2.6",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="store images with aufs",
)
def storage_driver(d: Deployment) -> Iterator[Hit]:
    """The storage driver (CIS 2.6; devicemapper is CIS v1.8's new 2.7).

    aufs is unmaintained, removed from current Docker and known for kernel crashes; a hardening
    standard (PCI DSS 2.2.1) does not rest on it. devicemapper is deprecated too: it is reported
    as a low note. overlay2 is the supported default.

    Fix: move to overlay2 (`"storage-driver": "overlay2"`), then pull or rebuild the images.
    """
    daemon = d.daemon
    if daemon is None:
        return
    driver, source, evidence_id = (
        text(get(daemon.info, "Driver")),
        "docker info",
        daemon.evidence_id,
    )
    if not driver:
        driver = text(get(daemon.config, "storage-driver"))
        source, evidence_id = "daemon.json", daemon.config_evidence_id
    if not driver:
        reason = "neither docker info nor daemon.json names it"
        yield cannot_tell(daemon, "storage-driver", storage_driver.title, reason)
    elif driver == "aufs":
        yield daemon_hit(evidence_id, "storage-driver", value=driver, source=source)
    elif driver == "devicemapper":
        title = "The deprecated devicemapper storage driver is in use"
        yield daemon_hit(
            evidence_id,
            "storage-driver",
            verdict="note",
            severity="low",
            title=title,
            value=driver,
            source=source,
        )


@rule(
    "daemon.userns-remap",
    "User namespace remapping is off",
    "medium",
    scope="daemon",
    pci=("2.2.6", "7.2.5"),
    cis=("2.9",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="run containers' root as the host's root",
)
def userns_remap(d: Deployment) -> Iterator[Hit]:
    """User namespace remapping (CIS 2.9).

    Without it, root in a container is root on the host: one escape and the attacker holds the
    host and its neighbours (PCI DSS 2.2.6 security parameters, 7.2.5 least privilege). `docker
    info` SecurityOptions shows `name=userns` when on; a rootless daemon gives the same
    protection and passes.

    Fix: set `"userns-remap": "default"` in daemon.json (check volume ownership first), or run
    the daemon rootless.
    """
    daemon = d.daemon
    if daemon is None:
        return
    names = security_options(daemon.info)
    remap = text(get(daemon.config, "userns-remap"))
    if remap or (names is not None and names & {"userns", "rootless"}):
        return
    if names is None and daemon.config is None:
        reason = "docker info has no SecurityOptions and daemon.json was not collected"
        yield cannot_tell(daemon, "userns-remap", userns_remap.title, reason)
    elif names is not None:
        value = sorted(names)
        source = "docker info SecurityOptions"
        yield daemon_hit(daemon.evidence_id, "userns-remap", security_options=value, source=source)
    else:
        yield daemon_hit(
            daemon.config_evidence_id, "userns-remap", value=None, source="daemon.json"
        )


@rule(
    "daemon.cgroup-parent",
    "The daemon puts containers under a custom cgroup parent",
    "low",
    scope="daemon",
    pci=("2.2.1",),
    cis=("2.10",),
    reads=("engine-daemon-config",),
    fails="place containers under a non-default cgroup",
)
def cgroup_parent(d: Deployment) -> Iterator[Hit]:
    """The default cgroup parent (CIS 2.10).

    A daemon-wide `cgroup-parent` moves every container under another cgroup, whose limits may
    not be the ones the team reviewed (PCI DSS 2.2.1: configuration as documented). Only
    daemon.json tells.

    Fix: remove `cgroup-parent` from daemon.json unless the placement is documented and wanted.
    """
    yield from config_only(d, "cgroup-parent", cgroup_parent.title, lambda v: bool(text(v)))


@rule(
    "daemon.logging-driver",
    "Container logs stay on the host",
    "low",
    scope="daemon",
    pci=("10.2.1", "10.3.3", "10.5.1"),
    cis=("2.13",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="keep container logs only on the host",
)
def logging_driver(d: Deployment) -> Iterator[Hit]:
    """The default logging driver (CIS 2.13).

    json-file and local keep container logs in files on the host, where whoever owns the host
    can edit them and they rotate away; `none` keeps no logs at all (medium). PCI DSS 10.3.3
    wants audit logs promptly on a central server, 10.5.1 kept for a year. `docker info`
    LoggingDriver answers (daemon.json's `log-driver` when info is missing).

    Fix: set `log-driver` to a shipping driver (syslog, journald forwarded, fluentd, gelf,
    splunk, awslogs ...) or document the agent that ships the files.
    """
    daemon = d.daemon
    if daemon is None:
        return
    driver, source, evidence_id = (
        text(get(daemon.info, "LoggingDriver")),
        "docker info",
        daemon.evidence_id,
    )
    if not driver:
        driver = text(get(daemon.config, "log-driver"))
        source, evidence_id = "daemon.json", daemon.config_evidence_id
    if not driver:
        reason = "neither docker info nor daemon.json names it"
        yield cannot_tell(daemon, "log-driver", logging_driver.title, reason)
    elif driver in LOCAL_LOGS:
        severity = LOCAL_LOGS[driver]
        yield daemon_hit(evidence_id, "log-driver", severity=severity, value=driver, source=source)


@rule(
    "daemon.no-new-privileges",
    "Containers may gain privileges by default",
    "medium",
    scope="daemon",
    pci=("2.2.1", "2.2.6"),
    cis=("2.14",),
    reads=("engine-daemon-config",),
    fails="let containers gain privileges through setuid binaries by default",
)
def no_new_privileges(d: Deployment) -> Iterator[Hit]:
    """Daemon-wide no-new-privileges (CIS 2.14).

    Unless set, a process in any container may gain privileges through setuid/setgid binaries.
    Set daemon-wide, it protects every container, including those started without care (PCI DSS
    2.2.6: security parameters that prevent misuse). Only daemon.json tells; per-container
    settings are CIS 5.26.

    Fix: set `"no-new-privileges": true` in daemon.json.
    """
    title = no_new_privileges.title
    yield from config_only(d, "no-new-privileges", title, lambda v: flag(v) is not True)


@rule(
    "daemon.live-restore",
    "Live restore is off",
    "low",
    scope="daemon",
    pci=("2.2.1", "6.3.3"),
    cis=("2.15",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="stop every container when dockerd restarts",
)
def live_restore(d: Deployment) -> Iterator[Hit]:
    """Live restore (CIS 2.15).

    Without it, restarting or upgrading dockerd stops every container, which discourages
    patching the engine (PCI DSS 6.3.3) and takes the payment services down with it (2.2.1:
    configuration standards). Swarm mode cannot use live restore, so an active swarm passes.
    `docker info` LiveRestoreEnabled answers.

    Fix: set `"live-restore": true` in daemon.json and reload dockerd.
    """
    daemon = d.daemon
    if daemon is None:
        return
    enabled = flag(get(daemon.info, "LiveRestoreEnabled"))
    if enabled is True or swarm_state(daemon.info) in SWARM_ON:
        return
    if enabled is False:
        source = "docker info LiveRestoreEnabled"
        yield daemon_hit(daemon.evidence_id, "live-restore", value=False, source=source)
    elif daemon.config is None:
        yield cannot_tell(daemon, "live-restore", live_restore.title, "docker info does not say")
    elif flag(get(daemon.config, "live-restore")) is not True:
        value = get(daemon.config, "live-restore")
        yield daemon_hit(
            daemon.config_evidence_id, "live-restore", value=value, source="daemon.json"
        )


@rule(
    "daemon.experimental",
    "Experimental features are on",
    "medium",
    scope="daemon",
    pci=("2.2.1", "2.2.4"),
    cis=("2.18",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="run with experimental features",
)
def experimental(d: Deployment) -> Iterator[Hit]:
    """Experimental features (CIS 2.18).

    Experimental features are unfinished and unsupported: not what a production configuration
    standard should rest on (PCI DSS 2.2.1, 2.2.4). `docker version` (Server.Experimental),
    `docker info` (ExperimentalBuild) and daemon.json's `experimental` answer.

    Fix: remove `"experimental": true` from daemon.json (and `--experimental`).
    """
    daemon = d.daemon
    if daemon is None:
        return
    engine = next(
        (c for c in _items(get(daemon.version, "Components")) if get(c, "Name") == "Engine"), None
    )
    said = (
        ("docker version", flag(get(daemon.version, "Experimental")), daemon.evidence_id),
        ("docker version", flag(get(engine, "Details", "Experimental")), daemon.evidence_id),
        ("docker info", flag(get(daemon.info, "ExperimentalBuild")), daemon.evidence_id),
        ("daemon.json", flag(get(daemon.config, "experimental")), daemon.config_evidence_id),
    )
    on = [(source, evidence_id) for source, value, evidence_id in said if value is True]
    if on:
        yield daemon_hit(on[0][1], "experimental", value=True, source=on[0][0])
    elif all(value is None for _, value, _ in said):
        yield cannot_tell(daemon, "experimental", experimental.title, "no evidence says")


def _items(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, list) else ()


RULES = (
    log_level,
    storage_driver,
    userns_remap,
    cgroup_parent,
    logging_driver,
    no_new_privileges,
    live_restore,
    experimental,
)
