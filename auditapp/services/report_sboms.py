"""The SBOM of every component for the audit package, from one vulnerability listing.

`inventory.sbom` makes one component's SBOM and matches the whole inventory again to find its
vulnerabilities; the package needs every component's, so the images, packages and
dispositions are read once here and the one listing is shared. The documents are the same,
byte for byte, as `inventory.sbom` makes (tests/report/test_report_sboms.py checks it)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from auditapp.services.vex import VexView, list_dispositions
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Component, Image, Package
from auditapp.vulns.vex_vocabulary import cyclonedx_terms

if TYPE_CHECKING:
    from auditapp.report.sbom import SbomAnalysis, SbomPackage, SbomVulnerability
    from auditapp.services.vulns import VulnReport, VulnView


def component_sboms(
    ws: Workspace, caller: Caller, names: Sequence[str], found: VulnReport
) -> dict[str, str]:
    """CycloneDX 1.6 JSON of each named component that has an inventory; `found` is the
    audit's whole vulnerability listing (`list_vulns`, unfiltered)."""
    from auditapp.report.sbom import SbomPackage, build_sbom

    with ws.db.read() as session:
        audit = load_audit(session, caller.audit)
        components = {
            c.name: c
            for c in session.scalars(select(Component).where(Component.audit_id == audit.id))
        }
        images = list(session.scalars(select(Image).where(Image.audit_id == audit.id)))
        chosen: dict[str, Image] = {}
        for name in names:
            component = components.get(name)
            if component is None:
                continue
            refs = [i for i in images if _runs(component, i)]
            if refs:  # the newest collection of what it runs, as inventory.sbom takes
                chosen[name] = max(refs, key=lambda i: i.collected_at)
        packages: dict[int, list[SbomPackage]] = defaultdict(list)
        wanted = {i.id for i in chosen.values()}
        if wanted:
            for p in session.scalars(select(Package).where(Package.image_id.in_(wanted))):
                licenses = tuple(json.loads(p.licenses))
                packages[p.image_id].append(
                    SbomPackage(p.ecosystem, p.name, p.version, p.purl, p.path, licenses)
                )
        labels = {i.id: (json.loads(i.repo_tags), i.digest, i.collected_at) for i in images}
    decided = {(d.purl, d.vuln_id): d for d in list_dispositions(ws, caller)}
    per_component: dict[str, list[SbomVulnerability]] = defaultdict(list)
    for vuln in found.vulns:
        entry = _entry(vuln, decided)
        for name in vuln.components:
            per_component[name].append(entry)
    documents = {}
    for name, image in chosen.items():
        tags, digest, collected_at = labels[image.id]
        label = tags[0] if tags else digest
        documents[name] = build_sbom(
            name, label, digest, collected_at, packages[image.id], per_component[name]
        )
    return documents


def _runs(component: Component, image: Image) -> bool:
    """Does `component` run `image`? By digest or tag, as the inventory decides it."""
    refs = {image.digest, *json.loads(image.repo_tags)}
    return component.image_digest in refs or component.image_ref in refs


def _entry(vuln: VulnView, decided: dict[tuple[str, str], VexView]) -> SbomVulnerability:
    from auditapp.report.sbom import SbomVulnerability

    disposition = next(
        (decided[(vuln.purl, i)] for i in (vuln.id, *vuln.aliases) if (vuln.purl, i) in decided),
        None,
    )
    return SbomVulnerability(
        id=vuln.id,
        purl=vuln.purl,
        aliases=vuln.aliases,
        summary=vuln.summary,
        severity=vuln.severity,
        score=vuln.score,
        vector=vuln.vector,
        fixed_versions=vuln.fixed_versions,
        analysis=_analysis(disposition) if disposition else None,
    )


def _analysis(view: VexView) -> SbomAnalysis:
    from auditapp.report.sbom import SbomAnalysis

    state, justification = cyclonedx_terms(view.status, view.justification)
    return SbomAnalysis(state, justification, view.detail, view.updated_at)
