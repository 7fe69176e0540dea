"""The parts of the audit package that come from other use cases: dependencies and their
risk, host facts, sample sets, the methodology, and the companion files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from auditapp import __version__
from auditapp.analysis.catalogue import ALL_RULES
from auditapp.analysis.host_facts import host_facts
from auditapp.analysis.model import Deployment
from auditapp.checklist import Checklist
from auditapp.report.model import (
    Companion,
    HostRow,
    LifecycleRow,
    Methodology,
    PackageCount,
    ReportData,
    RuleRow,
    SampleRow,
    VulnDataRow,
    VulnRow,
)
from auditapp.services.evidence import EvidenceView
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import AnalysisRun, Blob, Evidence, Image, Package

if TYPE_CHECKING:
    from auditapp.services.vulns import VulnReport

Dependencies = tuple[
    tuple[PackageCount, ...], tuple[VulnRow, ...], tuple[LifecycleRow, ...], tuple[VulnDataRow, ...]
]


def dependencies(ws: Workspace, caller: Caller, as_of: datetime, found: VulnReport) -> Dependencies:
    """`found`: the audit's whole vulnerability listing, matched once for the package."""
    from auditapp.services.inventory import list_images
    from auditapp.services.lifecycle import lifecycle_report
    from auditapp.services.vulndb import status

    report = lifecycle_report(ws, caller, today=as_of.date())
    os_life = {i.digest: i for i in report.items if i.subject == "os"}
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for digest, ecosystem, count in session.execute(
            select(Image.digest, Package.ecosystem, func.count(Package.id))
            .join(Package, Package.image_id == Image.id)
            .where(Image.audit_id == audit.id)
            .group_by(Image.digest, Package.ecosystem)
        ):
            counts[digest][ecosystem] = count
    packages = []
    for image in sorted(list_images(ws, caller), key=lambda i: (i.components, i.digest)):
        life = os_life.get(image.digest)
        name = image.tags[0] if image.tags else image.digest[:19]
        for component in image.components or ("(no component)",):
            packages.append(
                PackageCount(
                    component=component,
                    image=name,
                    os=image.os or "unknown",
                    os_end_of_life=_end_of_life(life.status) if life else "unknown",
                    per_ecosystem=tuple(sorted(counts[image.digest].items())),
                    complete=image.complete,
                )
            )
    vulns = tuple(
        VulnRow(
            v.id,
            v.aliases,
            v.severity,
            v.score,
            v.package,
            v.version,
            v.ecosystem,
            v.fixed_versions,
            v.components,
            v.disposition,
            v.summary,
        )
        for v in found.vulns
    )
    lifecycle: list[LifecycleRow] = []
    for item in report.items:
        if item.status.state in ("end-of-life", "extended-support", "security-only"):
            for component in item.components or (item.image,):
                lifecycle.append(
                    LifecycleRow(
                        component, item.name, item.subject, item.status.state, item.status.note
                    )
                )
    for signal in report.signals:
        for component in signal.components or signal.images:
            s = signal.signal
            lifecycle.append(
                LifecycleRow(component, f"{s.ecosystem} {s.name} {s.version}", "package",
                             s.kind, s.detail)
            )  # fmt: skip
    vuln_data = tuple(
        VulnDataRow(s.ecosystem, s.records, s.newest_modified, s.imported_at, s.age_days)
        for s in status(ws, today=as_of)
    )
    return tuple(packages), vulns, tuple(lifecycle), vuln_data


def _end_of_life(status: object) -> str:
    eol = getattr(status, "eol", None)
    state = getattr(status, "state", "unknown")
    if eol is None:
        return "unknown" if state == "unknown" else "not announced"
    return f"{eol.isoformat()} (ended)" if state == "end-of-life" else eol.isoformat()


def host_rows(deployment: Deployment) -> tuple[HostRow, ...]:
    facts = host_facts(deployment)
    basis = f"docker info (evidence #{facts.evidence_id})" if facts.known else "not collected"
    if not facts.known:
        rows = [HostRow("Docker daemon", "not collected", "run `auditapp collect --engine`")]
    else:
        rows = [
            HostRow("Host name", facts.name, basis),
            HostRow("Operating system", facts.operating_system, basis),
            HostRow("Kernel", facts.kernel, basis),
            HostRow("Architecture", facts.architecture, basis),
            HostRow("Docker version", facts.docker_version, basis),
            HostRow("Docker Desktop", "yes" if facts.docker_desktop else "no", basis),
            HostRow("Runtimes", ", ".join(facts.runtimes) or "-", basis),
            HostRow("Default runtime", facts.default_runtime or "-", basis),
            HostRow("Sandboxed runtimes", ", ".join(facts.sandboxed_runtimes) or "none", basis),
            HostRow("cgroup", f"v{facts.cgroup_version} ({facts.cgroup_driver})", basis),
            HostRow("Rootless", "yes" if facts.rootless else "no", basis),
            HostRow("User-namespace remapping", "yes" if facts.userns_remap else "no", basis),
        ]
    v = facts.virtualisation
    rows.append(HostRow("Virtualisation", f"{v.verdict} {v.technology}".strip(), v.basis))
    return tuple(rows)


def samples(deployment: Deployment, evidence: list[EvidenceView]) -> tuple[SampleRow, ...]:
    """The sample sets: auditapp examines every container the engine lists (`docker ps -a`)
    and every image and compose service it collected, so each sample is its population."""
    rows: list[SampleRow] = []
    kinds = (
        ("containers", [w.name for w in deployment.workloads if w.origin == "container"]),
        ("compose services", [w.name for w in deployment.workloads if w.origin == "service"]),
        ("images", [i.name for i in deployment.images]),
    )
    for kind, names in kinds:
        if names:
            rows.append(
                SampleRow(f"Sample Set-{len(rows) + 1}", kind, tuple(sorted(names)),
                          len(names), len(names))
            )  # fmt: skip
    return tuple(rows)


def methodology(
    ws: Workspace, caller: Caller, checklist: Checklist, vuln_data: tuple[VulnDataRow, ...]
) -> Methodology:
    rules = tuple(
        RuleRow(r.id, r.title, r.severity, r.pci, r.cis)
        for r in sorted(ALL_RULES, key=lambda r: r.id)
    )
    canonical = json.dumps([[r.id, r.severity, r.pci, r.cis] for r in rules]).encode()
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        run = session.scalar(
            select(AnalysisRun)
            .where(AnalysisRun.audit_id == audit.id)
            .order_by(AnalysisRun.id.desc())
            .limit(1)
        )
        analysed = (run.at, run.by) if run else (None, "")
    return Methodology(
        auditapp_version=__version__,
        checklist=f"{checklist.id} {checklist.version}",
        rule_catalogue=f"{len(rules)} rules, digest {hashlib.sha256(canonical).hexdigest()[:16]}",
        rules=rules,
        vuln_data=vuln_data,
        analysed_at=analysed[0],
        analysed_by=analysed[1],
    )


def companions(ws: Workspace, caller: Caller, data: ReportData, found: VulnReport) -> ReportData:
    """The files attached inside the PDF: an SBOM with its VEX per component, the audit's
    VEX, the findings, and every collected evidence snapshot. `found` is the audit's whole
    vulnerability listing, shared by every SBOM."""
    from auditapp.services.report_sboms import component_sboms
    from auditapp.services.vex import export_document

    files: list[Companion] = []
    documents = component_sboms(ws, caller, [c.name for c in data.components], found)
    for component in data.components:
        document = documents.get(component.name)
        if document is None:
            continue  # no inventory for it: nothing to describe
        files.append(
            Companion(
                f"sbom/{_safe(component.name)}.cdx.json",
                "application/vnd.cyclonedx+json",
                document.encode(),
                f"CycloneDX 1.6 SBOM with VEX of {component.name}",
            )
        )
    files.append(
        Companion(
            "vex.cdx.json",
            "application/vnd.cyclonedx+json",
            export_document(ws, caller),
            "The audit's vulnerability dispositions (CycloneDX VEX)",
        )
    )
    findings = [{**f.__dict__, "pci": list(f.pci), "cis": list(f.cis)} for f in data.findings]
    files.append(
        Companion(
            "findings.json",
            "application/json",
            json.dumps(
                findings, indent=2, sort_keys=True, default=str, ensure_ascii=False
            ).encode(),
            "Every finding with its rule, status and requirements",
        )
    )
    wanted = {e.id: e for e in data.evidence if e.kind != "attachment"}
    for evidence_id, payload in _blobs(ws, caller, set(wanted)):
        row = wanted[evidence_id]
        files.append(Companion(row.file_name, row.media_type, payload, f"{row.ref}: {row.title}"))
    return replace(data, companions=tuple(sorted(files, key=lambda c: c.name)))


def evidence_blobs(ws: Workspace, caller: Caller) -> Iterator[tuple[str, bytes]]:
    """Every evidence blob of the audit, once each, for the bundle: ("<sha256>", bytes)."""
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        hashes = sorted(
            set(session.scalars(select(Evidence.sha256).where(Evidence.audit_id == audit.id)))
        )
    for sha256 in hashes:
        with ws.db.read() as session:
            blob = session.get(Blob, sha256)
            if blob is not None:
                yield sha256, blob.data


def _blobs(ws: Workspace, caller: Caller, ids: set[int]) -> list[tuple[int, bytes]]:
    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        rows = session.execute(
            select(Evidence.id, Blob.data)
            .join(Blob, Blob.sha256 == Evidence.sha256)
            .where(Evidence.audit_id == audit.id)
            .order_by(Evidence.id)
        ).all()
    return [(i, bytes(d)) for i, d in rows if i in ids]


def _safe(name: str) -> str:
    """A component name as a file name inside the package: no folders, no dots first."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".")
    return cleaned or "component"
