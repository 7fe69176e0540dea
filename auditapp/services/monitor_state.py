"""Taking a `Snapshot` of an audit as it stands: the inventory, the deployment's runtime
profiles and flows, the findings, the vulnerabilities matched with today's data, lifecycle.

Everything is read through the same use cases the CLI and GUI show, so a baseline says exactly
what people saw when they signed."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import select

from auditapp.analysis.model import PublishedPort, Workload
from auditapp.analysis.network_drift import flow_report
from auditapp.analysis.network_exposure import Exposure
from auditapp.analysis.runtime_sockets import runtime_exposures
from auditapp.services.deployment import load_deployment
from auditapp.services.findings import list_findings
from auditapp.services.lifecycle import lifecycle_report
from auditapp.services.monitor_kev import known_exploited
from auditapp.services.monitor_snapshot import (
    DataState,
    ExposureState,
    FindingState,
    ImageInventory,
    LifecycleState,
    PackageRef,
    Snapshot,
    VulnState,
    WorkloadProfile,
)
from auditapp.services.vulndb import status
from auditapp.services.vulns import list_vulns
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Component, Image, Package


def take_snapshot(ws: Workspace, caller: Caller, *, today: date | None = None) -> Snapshot:
    """The caller's audit now. `today` dates lifecycle states (default: today, UTC)."""
    today = today or datetime.now(UTC).date()
    deployment = load_deployment(ws, caller, with_vulns=False)
    flows = flow_report(deployment)
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        images = list(session.scalars(select(Image).where(Image.audit_id == audit.id)))
        packages: dict[int, list[PackageRef]] = defaultdict(list)
        rows = session.execute(
            select(Package.image_id, Package.ecosystem, Package.name, Package.version, Package.purl)
            .where(Package.image_id.in_([i.id for i in images]))
            .order_by(Package.id)
        ).all()
        for image_id, ecosystem, name, version, purl in rows:
            packages[image_id].append(PackageRef(ecosystem, name, version, purl))
        components = {
            c.name: c.image_digest
            for c in session.scalars(select(Component).where(Component.audit_id == audit.id))
        }
        kev = known_exploited(session)
    vulns: dict[str, list[VulnState]] = defaultdict(list)
    exploited: set[str] = set()
    for v in list_vulns(ws, caller).vulns:
        vulns[v.purl].append(
            VulnState(
                v.id,
                v.aliases,
                v.severity,
                v.score,
                v.ecosystem,
                v.package,
                v.version,
                v.fixed_versions,
                v.components,
                v.image,
                v.disposition,
            )
        )
        exploited.update(i for i in (v.id, *v.aliases) if i in kev)
    return Snapshot(
        taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
        images={
            i.digest: ImageInventory(_image_name(i), tuple(packages[i.id]))
            for i in sorted(images, key=lambda i: i.digest)
        },
        components=dict(sorted(components.items())),
        workloads=tuple(
            workload_profile(w) for w in sorted(deployment.workloads, key=lambda w: w.label)
        ),
        findings=tuple(
            FindingState(
                f.id,
                f.rule_id,
                f.severity,
                f.title,
                f.component,
                f.status,
                f.justification,
                f.expires.isoformat() if f.expires else None,
                f.active,
            )
            for f in sorted(list_findings(ws, caller, include_inactive=True), key=lambda f: f.id)
        ),
        declared_flows=tuple(
            f"{f.source} -> {f.destination} {f.port}/{f.protocol}" for f in deployment.flows
        ),
        observed=tuple(_exposure(e) for e in flows.exposures),
        unjustified=tuple(_exposure(e) for e in flows.unjustified),
        vulnerability_data=tuple(
            DataState(s.ecosystem, s.records, s.newest_modified) for s in status(ws)
        ),
        vulns={purl: tuple(found) for purl, found in sorted(vulns.items())},
        known_exploited=tuple(sorted(exploited)),
        lifecycle=_lifecycle(ws, caller, today),
    )


def _image_name(image: Image) -> str:
    tags = json.loads(image.repo_tags)
    return str(tags[0]) if isinstance(tags, list) and tags else image.digest[:19]


def workload_profile(w: Workload) -> WorkloadProfile:
    return WorkloadProfile(
        label=w.label,
        component=w.component,
        origin=w.origin,
        image_digest=w.image_digest,
        privileged=w.privileged,
        ports=tuple(sorted({port_text(p) for p in w.ports})),
        docker_sock=tuple(
            sorted(f"{e.mount.source} -> {e.mount.target}" for e in runtime_exposures(w))
        ),
        memory_bytes=w.memory_bytes,
        nano_cpus=w.nano_cpus,
        cpu_shares=w.cpu_shares,
        pids_limit=w.pids_limit,
    )


def port_text(port: PublishedPort) -> str:
    host = port.host_ip or "0.0.0.0"  # noqa: S104 - how Docker writes "every interface"
    published = "ephemeral" if port.host_port is None else str(port.host_port)
    return f"{host}:{published}->{port.container_port}/{port.protocol}"


def _exposure(e: Exposure) -> ExposureState:
    key = "|".join(
        str(part)
        for part in (
            e.component,
            e.workload,
            e.reach,
            e.port,
            e.protocol,
            e.host_ip,
            e.host_port,
            e.network,
        )
    )
    return ExposureState(key, e.component, f"{e.label}: {e.describe()}", e.off_host)


def _lifecycle(ws: Workspace, caller: Caller, today: date) -> tuple[LifecycleState, ...]:
    report = lifecycle_report(ws, caller, today=today)
    found: dict[str, LifecycleState] = {}
    for item in report.items:
        if item.status.state != "end-of-life":
            continue
        key = f"end-of-life|{item.digest}|{item.subject}|{item.name}"
        since = f" since {item.status.eol}" if item.status.eol else ""
        text = f"{item.name} in {item.image}: end of life{since}"
        found[key] = LifecycleState(key, "end-of-life", text, item.components)
    for view in report.signals:
        s = view.signal
        key = f"{s.kind}|{s.ecosystem}|{s.name}|{s.version}"
        text = f"{s.ecosystem} {s.name} {s.version}: {s.kind} ({s.detail[:200]})"
        found[key] = LifecycleState(key, s.kind, text, view.components)
    return tuple(found[k] for k in sorted(found))
