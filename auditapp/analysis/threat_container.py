"""Threats particular to containers, drawn from the deployment's facts rather than from the
element kind alone (after Threagile's built-in risk rules of the same names):

- container-platform-escape: a privileged container, or one that mounts the container runtime's
  socket, hands whoever owns it the host and every container on it;
- container-baseimage-backdooring: any image can carry a planted backdoor, and more likely
  when it is pulled by a floating tag than by digest;
- mixed-targets-on-shared-runtime: cardholder-data and other components on one host, so the
  weakest of them decides how safe the cardholder data is (hosts as `host_placement` places
  them; a shared host that is only assumed is said to be);
- missing-network-segmentation: a CDE component shares a network with a non-CDE one that no
  declared flow connects it to (who reaches whom as `network_exposure.Attachments` says);
- unencrypted-communication: a declared flow without encryption (high when it carries
  cardholder data);
- unguarded-direct-datastore-access: a data store that publishes a port, or that a component
  with no declared flow to it can reach.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditapp.analysis.host_placement import (
    UNNAMED_ENGINE,
    UNRECORDED_HOST,
    Hosts,
    place_on_hosts,
)
from auditapp.analysis.model import CARDHOLDER_CLASSES, ZONE_PREFIX, ComponentFacts, Deployment
from auditapp.analysis.network_exposure import Attachments
from auditapp.analysis.runtime_sockets import runtime_exposures
from auditapp.analysis.threat_elements import (
    SENSITIVE_CLASSES,
    SystemModel,
    flow_element,
    handled_classes,
    workloads_of,
)
from auditapp.analysis.threat_model import ElementKind, GeneratedThreat, Stride
from auditapp.analysis.threat_network import neighbours
from auditapp.analysis.threat_texts import (
    HACKER_FOR_HIRE,
    MALICIOUS_INSIDER,
    NATION_STATE,
    NEGLIGENT_INSIDER,
    OPPORTUNIST,
    ORGANISED_CRIME,
)

ESCAPE = "container-platform-escape"
BACKDOOR = "container-baseimage-backdooring"
MIXED = "mixed-targets-on-shared-runtime"
SEGMENTATION = "missing-network-segmentation"
UNENCRYPTED = "unencrypted-communication"
DIRECT_ACCESS = "unguarded-direct-datastore-access"
SECTION_ITEM = "threats.container_threats"


def container_threats(d: Deployment, model: SystemModel) -> Iterator[GeneratedThreat]:
    hosts, attached = place_on_hosts(d), Attachments(d)
    yield from _escapes(d, model, hosts)
    yield from _backdoors(d, model)
    yield from _mixed_runtimes(d, model, hosts)
    yield from _segmentation(d, model, attached)
    yield from _unencrypted(d)
    yield from _direct_store_access(d, model, attached)


def _kind(model: SystemModel, component: str) -> ElementKind:
    return ElementKind.DATA_STORE if model.is_store(component) else ElementKind.PROCESS


def _components(d: Deployment, model: SystemModel) -> list[ComponentFacts]:
    return [*model.processes, *(s.component for s in model.stores)]


def _escapes(d: Deployment, model: SystemModel, hosts: Hosts) -> Iterator[GeneratedThreat]:
    for component in _components(d, model):
        workloads = workloads_of(d, component.name)
        privileged = sorted(w.name for w in workloads if w.privileged)
        sockets = sorted({e.mount.source for w in workloads for e in runtime_exposures(w)})
        if not privileged and not sockets:
            continue
        how = []
        if privileged:
            how.append(f"runs privileged ({', '.join(privileged)})")
        if sockets:
            how.append(f"mounts the container runtime's socket ({', '.join(sockets)})")
        beside = set(hosts.sharing(component.name))
        same_host = [c for c in d.components if c.name in beside]
        exposed = [c.name for c in same_host if c.holds_cardholder_data]
        reach = f": {', '.join(exposed)} hold cardholder data" if exposed else ""
        internet = component.name in model.reached_from_internet
        yield GeneratedThreat(
            rule=ESCAPE,
            element=component.name,
            element_kind=_kind(model, component.name),
            category=Stride.ELEVATION_OF_PRIVILEGE,
            title=f"Escape from {component.name} to the host and every container on it",
            description=(
                f"{component.name} {' and '.join(how)}. Whoever gets code execution in it "
                "controls the host, can start, change or read any container on it and can "
                f"reach the other components of the host{reach}."
            ),
            actors=(ORGANISED_CRIME, NATION_STATE, HACKER_FOR_HIRE, MALICIOUS_INSIDER)
            + ((OPPORTUNIST,) if internet else ()),
            likelihood="high" if internet else "medium",
            impact="high" if exposed or component.holds_cardholder_data else "medium",
            mitigation=(
                "Do not run containers privileged and do not mount the Docker socket into "
                "them; where a tool needs the engine, give it a narrowly scoped API proxy or "
                "move it to a separate host without cardholder data. Consider user namespaces "
                "or a sandboxed runtime for what remains."
            ),
            items=(
                SECTION_ITEM,
                "lateral.host_escape_paths",
                *(("profile.no_privileged_containers",) if privileged else ()),
                *(("topology.no_docker_socket_mounts",) if sockets else ()),
            ),
            finding_rules=("runtime.privileged", "runtime.docker-socket"),
            components=(component.name, *(c.name for c in same_host)),
        )


def _backdoors(d: Deployment, model: SystemModel) -> Iterator[GeneratedThreat]:
    for component in _components(d, model):
        images = sorted({w.image for w in workloads_of(d, component.name) if w.image})
        if not images:
            continue
        floating = [i for i in images if _pinning(i) == "floating"]
        tagged = [i for i in images if _pinning(i) == "tag"]
        likelihood = "high" if floating else "medium" if tagged else "low"
        pinned = "pulled by a floating tag" if floating else "not pinned by digest"
        note = f" ({pinned}: {', '.join(floating or tagged)})" if floating or tagged else ""
        handles = handled_classes(d, component)
        yield GeneratedThreat(
            rule=BACKDOOR,
            element=component.name,
            element_kind=_kind(model, component.name),
            category=Stride.TAMPERING,
            title=f"Backdoored image under {component.name}",
            description=(
                f"The image {component.name} runs{note} or one of its base layers carries "
                "code planted upstream: a compromised publisher, registry or build pipeline, "
                "or a look-alike name. It runs with the component's access from the start."
            ),
            actors=(NATION_STATE, ORGANISED_CRIME, MALICIOUS_INSIDER, NEGLIGENT_INSIDER),
            likelihood=likelihood,
            impact="high"
            if component.in_cde or not CARDHOLDER_CLASSES.isdisjoint(handles)
            else "medium",
            mitigation=(
                "Build from a small set of trusted base images kept in a registry you "
                "control, reference images by digest, verify signatures before deploying, "
                "and rebuild when the base image is patched."
            ),
            items=(
                SECTION_ITEM,
                "dependencies.trusted_sources",
                "dependencies.pinned_images",
                "dependencies.signed_artifacts",
            ),
            components=(component.name,),
        )


def _pinning(image: str) -> str:
    """ "digest" (by digest or image id), "tag" (a version tag) or "floating" (latest, none)."""
    if "@sha256:" in image or image.startswith("sha256:"):
        return "digest"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "floating" if tag in ("", "latest") else "tag"


def _mixed_runtimes(d: Deployment, model: SystemModel, hosts: Hosts) -> Iterator[GeneratedThreat]:
    # By site, not by the host's name: a host recorded as "(unrecorded)" is not the assumed one.
    groups: dict[tuple[str, str], list[ComponentFacts]] = {}
    for component in d.components:
        groups.setdefault(hosts.placements[component.name].site, []).append(component)
    for (_, basis), members in sorted(groups.items()):
        cde = sorted(c.name for c in members if c.holds_cardholder_data)
        other = sorted(c.name for c in members if not c.holds_cardholder_data)
        if not cde or not other:
            continue
        weak = [n for n in other if n in model.reached_from_internet or _escapes_host(d, n)]
        host = hosts.placements[members[0].name].host
        element = f"host {host}"
        if not basis and host in (UNRECORDED_HOST, UNNAMED_ENGINE):
            element += " (as recorded)"  # another host than the nameless one of that name
        title = f"Cardholder-data and other components share host {host}"
        runs = f"Host {host} runs"
        if basis == "assumed":  # said as the assumption it is, as the reach graph says it
            title = "Cardholder-data and other components may share a host (none recorded)"
            said = hosts.assumptions[0]
            runs = f"{said[:1].upper()}{said[1:]}. If so, that host runs"
        yield GeneratedThreat(
            rule=MIXED,
            element=element,
            element_kind=ElementKind.RUNTIME,
            category=Stride.ELEVATION_OF_PRIVILEGE,
            title=title,
            description=(
                f"{runs} CDE components ({', '.join(cde)}) beside others "
                f"({', '.join(other)}). A compromise of any of them, through a kernel or "
                "runtime flaw or a weak setting, lands next to the cardholder data; the host "
                "is only as safe as its weakest container"
                + (
                    f", and {', '.join(weak)} face the internet or can reach the host."
                    if weak
                    else "."
                )
            ),
            actors=(ORGANISED_CRIME, NATION_STATE, HACKER_FOR_HIRE),
            likelihood="high" if weak else "medium",
            impact="high",
            mitigation=(
                "Run CDE components on hosts of their own, or bring every component on the "
                "host up to the CDE's hardening standard and into PCI DSS scope (2.2.3)."
            ),
            items=(SECTION_ITEM, "topology.mixed_security_levels", "lateral.host_escape_paths"),
            finding_rules=("topology.cde-shared-host",),
            components=tuple(c.name for c in members),
        )


def _escapes_host(d: Deployment, component: str) -> bool:
    return any(w.privileged or runtime_exposures(w) for w in workloads_of(d, component))


def _segmentation(
    d: Deployment, model: SystemModel, attached: Attachments
) -> Iterator[GeneratedThreat]:
    for component in _components(d, model):
        if not component.holds_cardholder_data:
            continue
        others = {
            name: nets
            for name, nets in neighbours(d, component.name, attached).items()
            if not _holds_cardholder(d, name) and not _connected(d, component.name, name)
        }
        if not others:
            continue
        shared = "; ".join(f"{n} on {', '.join(nets)}" for n, nets in sorted(others.items()))
        weak = [n for n in others if n in model.reached_from_internet or _escapes_host(d, n)]
        yield GeneratedThreat(
            rule=SEGMENTATION,
            element=component.name,
            element_kind=_kind(model, component.name),
            category=Stride.ELEVATION_OF_PRIVILEGE,
            title=f"{component.name} shares a network with non-CDE components",
            description=(
                f"{component.name} is in the CDE but shares a network with components "
                f"outside it that no declared flow connects it to ({shared}). Whoever owns one "
                "of them can reach it directly, and the network does not segment the CDE."
            ),
            actors=(ORGANISED_CRIME, NATION_STATE, HACKER_FOR_HIRE, MALICIOUS_INSIDER),
            likelihood="high" if weak else "medium",
            impact="high",
            mitigation=(
                "Put CDE components on their own user-defined networks, one per tier, and "
                "attach other components only where a declared flow needs it; turn off "
                "inter-container communication where it is not needed, and test the "
                "segmentation (PCI DSS 11.4.5)."
            ),
            items=(
                SECTION_ITEM,
                "lateral.east_west_segmentation",
                "topology.mixed_security_levels",
                "topology.segmentation_tested",
            ),
            finding_rules=("network.undeclared-shared-network", "topology.cde-shared-network"),
            components=(component.name, *sorted(others)),
        )


def _holds_cardholder(d: Deployment, name: str) -> bool:
    component = d.component(name)
    return component is not None and component.holds_cardholder_data


def _connected(d: Deployment, a: str, b: str) -> bool:
    return any({f.source, f.destination} == {a, b} for f in d.flows)


def _unencrypted(d: Deployment) -> Iterator[GeneratedThreat]:
    for flow in d.flows:
        if flow.encrypted:
            continue
        element = flow_element(flow)
        classes = set(flow.data_classes)
        cardholder = not CARDHOLDER_CLASSES.isdisjoint(classes)
        impact = "high" if cardholder else "medium" if classes & SENSITIVE_CLASSES else "low"
        carries = ", ".join(sorted(classes - {"none"})) or "no declared sensitive data"
        likelihood = "high" if flow.source.startswith(ZONE_PREFIX) else "medium"
        ends = tuple(e for e in (flow.source, flow.destination) if not e.startswith(ZONE_PREFIX))
        for category, what in (
            (Stride.INFORMATION_DISCLOSURE, "read"),
            (Stride.TAMPERING, "changed"),
        ):
            yield GeneratedThreat(
                rule=UNENCRYPTED,
                element=element,
                element_kind=ElementKind.DATA_FLOW,
                category=category,
                title=f"Unencrypted flow {element} can be {what} on the way",
                description=(
                    f"The flow {element} is declared without encryption and carries "
                    f"{carries}. Anyone who can see its traffic (a container on the same "
                    f"network, the host, a device on the path) can have it {what}."
                ),
                actors=(ORGANISED_CRIME, NATION_STATE, MALICIOUS_INSIDER),
                likelihood=likelihood,
                impact=impact,
                mitigation=(
                    "Encrypt the flow with TLS 1.2 or later and verified certificates, "
                    "mutual TLS between services; PCI DSS 4.2.1 requires strong cryptography "
                    "for PAN over open networks, and inside the CDE it stops sniffing "
                    "neighbours."
                ),
                items=(SECTION_ITEM, "network.encryption_in_transit"),
                finding_rules=("network.cleartext-cardholder-data",),
                components=ends,
            )


def _direct_store_access(
    d: Deployment, model: SystemModel, attached: Attachments
) -> Iterator[GeneratedThreat]:
    for store in model.stores:
        name = store.component.name
        workloads = workloads_of(d, name)
        published = sorted(
            {f"{p.host_ip or '*'}:{p.host_port or '?'}" for w in workloads for p in w.ports}
        )
        host_network = any(w.network_mode == "host" for w in workloads)
        undeclared = sorted(
            n
            for n in neighbours(d, name, attached)
            if not any(f.source == n and f.destination == name for f in d.flows)
        )
        if not published and not host_network and not undeclared:
            continue
        ways = []
        if published:
            ways.append(f"publishes {', '.join(published)} on the host")
        if host_network:
            ways.append("uses the host's network")
        if undeclared:
            ways.append(f"is reachable from {', '.join(undeclared)} with no declared flow")
        wide = host_network or any(p.all_interfaces for w in workloads for p in w.ports)
        classes = set(store.component.data_classes)
        yield GeneratedThreat(
            rule=DIRECT_ACCESS,
            element=name,
            element_kind=ElementKind.DATA_STORE,
            category=Stride.ELEVATION_OF_PRIVILEGE,
            title=f"Direct access to data store {name} around the application",
            description=(
                f"{name} {'; '.join(ways)}. Whoever reaches it that way talks to the store "
                "directly, around the application's checks, with whatever credentials they "
                "can find or guess."
            ),
            actors=(ORGANISED_CRIME, OPPORTUNIST, MALICIOUS_INSIDER),
            likelihood="high" if wide or name in model.reached_from_internet else "medium",
            impact="high" if not CARDHOLDER_CLASSES.isdisjoint(classes) else "medium",
            mitigation=(
                "Do not publish data-store ports; keep the store on an internal network "
                "shared only with its declared clients, require authentication from each "
                "client with its own account, and bind any port that must be published to "
                "a specific address."
            ),
            items=(
                SECTION_ITEM,
                "network.chd_not_directly_reachable",
                "lateral.east_west_segmentation",
                *(("network.ports_bound_to_interface",) if published else ()),
            ),
            finding_rules=(
                "network.unjustified-exposure",
                "network.cde-internet-reachable",
                "network.undeclared-shared-network",
                "runtime.all-interfaces",
                "runtime.published-port",
            ),
            components=(name, *undeclared),
        )
