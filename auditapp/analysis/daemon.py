"""Daemon rules, part one: who and what can reach the daemon and its containers — the CIS Docker
Benchmark v1.6.0 section 2 checks on icc, iptables, insecure registries, TCP without TLS,
authorization plugins and the userland proxy, and 5.1 swarm mode. `RULES` holds every daemon
rule, these and those of `daemon_hardening`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from auditapp.analysis import daemon_hardening
from auditapp.analysis.daemon_settings import (
    SWARM_ON,
    cannot_tell,
    config_only,
    daemon_hit,
    engine_version,
    flag,
    get,
    strings,
    swarm_state,
    text,
    version_tuple,
)
from auditapp.analysis.interface import Hit, rule
from auditapp.analysis.model import Deployment

DEFAULT_INSECURE = frozenset({"127.0.0.0/8", "::1/128"})  # loopback, insecure by default
# dockerd 20.10 and later reports each TCP listener without TLS verification in Warnings
TCP_WARNING = re.compile(r"API is accessible on (https?)://(\S+?) without (encryption|TLS client)")
WARNINGS_SINCE = (20, 10)


@rule(
    "daemon.icc",
    "Containers on the default bridge can talk to each other",
    "medium",
    scope="daemon",
    pci=("1.3.1", "2.2.1"),
    cis=("2.2",),
    reads=("engine-network", "engine-daemon-config"),
    fails="let containers on the default bridge reach each other freely",
)
def icc(d: Deployment) -> Iterator[Hit]:
    """Inter-container communication on the default bridge (CIS 2.2).

    With icc on (Docker's default), every container on the default bridge `docker0` can reach
    every port of every other one there: no network control separates them, against PCI DSS
    1.3.1 (restrict traffic to what is needed). The live bridge network's
    `com.docker.network.bridge.enable_icc` option decides; otherwise daemon.json's `icc` (or
    `"bridge": "none"`). A daemon without a default bridge passes.

    Fix: set `"icc": false` in daemon.json and restart dockerd; put containers that must talk
    on user-defined networks and declare those flows.
    """
    daemon = d.daemon
    if daemon is None:
        return
    bridge = next((n for n in d.networks if n.default_bridge and n.origin == "container"), None)
    if bridge is not None and bridge.icc is not None:
        if bridge.icc:
            source = f"network {bridge.name} com.docker.network.bridge.enable_icc"
            yield daemon_hit(bridge.evidence_id, "icc", value=True, source=source)
        return
    if bridge is None and any(n.origin == "container" for n in d.networks):
        return  # the engine's networks were collected and there is no default bridge
    config = daemon.config
    if config is None:
        yield cannot_tell(
            daemon, "icc", icc.title, "neither the default bridge nor daemon.json says"
        )
    elif text(get(config, "bridge")) != "none" and flag(get(config, "icc")) is not False:
        yield daemon_hit(
            daemon.config_evidence_id, "icc", value=get(config, "icc"), source="daemon.json"
        )


@rule(
    "daemon.iptables",
    "Docker may not manage iptables",
    "medium",
    scope="daemon",
    pci=("1.2.1", "1.2.8"),
    cis=("2.4",),
    reads=("engine-daemon-config",),
    fails="keep Docker from managing iptables",
)
def iptables(d: Deployment) -> Iterator[Hit]:
    """Docker's control of iptables (CIS 2.4).

    With `"iptables": false` Docker no longer writes the rules that isolate its networks and
    publish ports, so the firewall and the containers' real exposure drift apart (PCI DSS 1.2.1,
    1.2.8: network controls configured and kept consistent). Only daemon.json tells.

    Fix: remove `"iptables": false` from daemon.json, or show the hand-written rules that
    replace Docker's.
    """
    yield from config_only(d, "iptables", iptables.title, lambda v: flag(v) is False)


@rule(
    "daemon.insecure-registry",
    "Images may come from insecure registries",
    "high",
    scope="daemon",
    pci=("2.2.5", "2.2.1"),
    cis=("2.5",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="trust registries over plain HTTP or unverified TLS",
)
def insecure_registry(d: Deployment) -> Iterator[Hit]:
    """Insecure registries (CIS 2.5), one hit per registry.

    An insecure registry is reached over plain HTTP or TLS without certificate checks, so anyone
    on the path can swap the images that end up running near cardholder data (PCI DSS 2.2.5:
    insecure protocols). Loopback (127.0.0.0/8, ::1/128) is insecure by default and not counted.

    Fix: remove the entry from daemon.json's `insecure-registries` (and `--insecure-registry`)
    and give the registry a certificate the hosts trust.
    """
    daemon = d.daemon
    if daemon is None:
        return
    found: dict[str, tuple[str, int | None]] = {}
    registry = get(daemon.info, "RegistryConfig")
    for cidr in strings(get(registry, "InsecureRegistryCIDRs")):
        if cidr not in DEFAULT_INSECURE:
            found.setdefault(cidr, ("docker info RegistryConfig", daemon.evidence_id))
    indexes = get(registry, "IndexConfigs")
    for name, index in indexes.items() if isinstance(indexes, Mapping) else ():
        if isinstance(name, str) and flag(get(index, "Secure")) is False:
            found.setdefault(name, ("docker info RegistryConfig", daemon.evidence_id))
    config = daemon.config
    for entry in strings(get(config, "insecure-registries")):
        if entry not in DEFAULT_INSECURE:
            found.setdefault(entry, ("daemon.json", daemon.config_evidence_id))
    for name, (source, evidence_id) in sorted(found.items()):
        yield daemon_hit(evidence_id, "insecure-registries", at=name, registry=name, source=source)
    if not found and registry is None and config is None:
        title = insecure_registry.title
        yield cannot_tell(daemon, "insecure-registries", title, "docker info has no RegistryConfig")


@rule(
    "daemon.tcp-tls",
    "The Docker API listens on TCP without TLS client verification",
    "critical",
    scope="daemon",
    pci=("2.2.7", "4.2.1", "8.3.1"),
    cis=("2.7",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="expose the Docker API over TCP without verified TLS",
)
def tcp_tls(d: Deployment) -> Iterator[Hit]:
    """TLS on the daemon's TCP socket (CIS 2.7), one hit per TCP listener.

    The Docker API is root on the host. On TCP without TLS anyone who reaches the port owns the
    host and every container on it; with TLS but no client verification, anyone still does, only
    encrypted (PCI DSS 2.2.7 and 4.2.1: strong cryptography for administrative access; 8.3.1:
    authenticate every user). dockerd 20.10 and later lists such listeners in `docker info`
    Warnings, which therefore answers; daemon.json's `hosts`, `tls` and `tlsverify` tell too.
    A plain listener on loopback is high rather than critical.

    Fix: listen on the unix socket only, or set `tlsverify` with a CA and client certificates
    (port 2376); for remote work prefer `DOCKER_HOST=ssh://`.
    """
    daemon = d.daemon
    if daemon is None:
        return
    found: dict[str, Hit] = {}
    for warning in strings(get(daemon.info, "Warnings")):
        if match := TCP_WARNING.search(warning):
            tls = match[1] == "https"
            found[match[2]] = _listener(daemon.evidence_id, match[2], tls, "docker info Warnings")
    config = daemon.config
    if config is not None and flag(get(config, "tlsverify")) is not True:
        tls = flag(get(config, "tls")) is True
        for host in strings(get(config, "hosts")):
            if host.lower().startswith("tcp://"):
                addr = host[len("tcp://") :]
                found.setdefault(
                    addr, _listener(daemon.config_evidence_id, addr, tls, "daemon.json")
                )
    yield from (found[addr] for addr in sorted(found))
    version = version_tuple(engine_version(daemon))
    warnings_answer = version is not None and version >= WARNINGS_SINCE
    if not found and config is None and not warnings_answer:
        reason = "this engine's docker info does not report TCP listeners; daemon.json is needed"
        yield cannot_tell(daemon, "hosts", tcp_tls.title, reason)


def _listener(evidence_id: int | None, addr: str, tls: bool, source: str) -> Hit:
    loopback = addr.startswith(("127.", "localhost", "[::1]"))
    return daemon_hit(
        evidence_id,
        "hosts",
        at=f"tcp://{addr}",
        severity="high" if tls or loopback else "",
        listener=f"tcp://{addr}",
        tls=tls,
        tlsverify=False,
        source=source,
    )


@rule(
    "daemon.authz-plugin",
    "No authorization plugin guards the Docker API",
    "medium",
    scope="daemon",
    pci=("7.2.1", "7.2.2"),
    cis=("2.12",),
    reads=("engine-daemon", "engine-daemon-config"),
    fails="let every API client do everything",
)
def authz_plugin(d: Deployment) -> Iterator[Hit]:
    """Authorization plugins (CIS 2.12).

    Without one, anyone who may use the Docker socket may do anything with it, which is root on
    the host: access is not limited by role or need (PCI DSS 7.2.1, 7.2.2). `docker info`
    Plugins.Authorization lists the active plugins; daemon.json's `authorization-plugins` too.

    Fix: install an authorization plugin (for example OPA's opa-docker-authz) and list it in
    `authorization-plugins`; or document who holds socket access and why that is enough.
    """
    daemon = d.daemon
    if daemon is None:
        return
    plugins = get(daemon.info, "Plugins")
    if strings(get(plugins, "Authorization")) or strings(
        get(daemon.config, "authorization-plugins")
    ):
        return
    if isinstance(plugins, Mapping):
        source, evidence_id = "docker info Plugins.Authorization", daemon.evidence_id
    elif daemon.config is not None:
        source, evidence_id = "daemon.json", daemon.config_evidence_id
    else:
        reason = "docker info has no Plugins and daemon.json was not collected"
        yield cannot_tell(daemon, "authorization-plugins", authz_plugin.title, reason)
        return
    yield daemon_hit(evidence_id, "authorization-plugins", value=[], source=source)


@rule(
    "daemon.userland-proxy",
    "The userland proxy is on",
    "low",
    scope="daemon",
    pci=("2.2.4",),
    cis=("2.16",),
    reads=("engine-daemon-config",),
    fails="run the userland proxy for published ports",
)
def userland_proxy(d: Deployment) -> Iterator[Hit]:
    """The userland proxy (CIS 2.16).

    docker-proxy is an extra process per published port that hairpin NAT makes unneeded: a
    function that is not necessary should not run (PCI DSS 2.2.4). It is on unless daemon.json
    says `"userland-proxy": false`, and only daemon.json tells.

    Fix: set `"userland-proxy": false` in daemon.json (the kernel must support hairpin NAT).
    """
    title = userland_proxy.title
    yield from config_only(d, "userland-proxy", title, lambda v: flag(v) is not False)


@rule(
    "daemon.swarm-mode",
    "Swarm mode is on",
    "low",
    scope="daemon",
    pci=("2.2.4",),
    cis=("5.1",),
    reads=("engine-daemon",),
    fails="run in swarm mode",
)
def swarm_mode(d: Deployment) -> Iterator[Hit]:
    """Swarm mode (CIS 5.1).

    A swarm node opens management and overlay ports (2377, 7946, 4789) and keeps cluster
    secrets; if no swarm service needs it, that is a service that should not run (PCI DSS
    2.2.4). `docker info` Swarm.LocalNodeState answers. Confirm it is needed, or leave it.

    Fix: `docker swarm leave` on hosts that do not run swarm services.
    """
    daemon = d.daemon
    if daemon is None:
        return
    state = swarm_state(daemon.info)
    if state in SWARM_ON:
        source = "docker info Swarm.LocalNodeState"
        yield daemon_hit(daemon.evidence_id, "swarm", value=state, source=source)
    elif not state:
        yield cannot_tell(daemon, "swarm", swarm_mode.title, "docker info does not say")


RULES = (
    icc,
    iptables,
    insecure_registry,
    tcp_tls,
    authz_plugin,
    userland_proxy,
    swarm_mode,
    *daemon_hardening.RULES,
)
