"""CycloneDX 1.6 documents (cyclonedx-python-lib): a component's SBOM with its VEX, and VEX alone.

Reproducible: the serial number is derived from the content and the timestamps come from the
data (when the image was collected, when a disposition was made), never from the clock.
Vulnerabilities arrive as plain data already in CycloneDX terms; this module knows no services.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import ImpactAnalysisJustification, ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from auditapp import __version__

try:
    from cyclonedx.contrib.license.factories import LicenseFactory
except ImportError:  # cyclonedx-python-lib before 11.x; the old location now warns
    from cyclonedx.factory.license import LicenseFactory


@dataclass(frozen=True)
class SbomPackage:
    ecosystem: str
    name: str
    version: str
    purl: str
    path: str
    licenses: tuple[str, ...]


@dataclass(frozen=True)
class SbomAnalysis:
    """A disposition in CycloneDX terms (`state` e.g. not_affected, `justification` or "")."""

    state: str
    justification: str
    detail: str
    updated_at: datetime


@dataclass(frozen=True)
class SbomVulnerability:
    """One vulnerability on one package URL, with its analysis when someone decided."""

    id: str
    purl: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: str = "unknown"  # critical, high, medium, low, none, unknown
    score: float | None = None
    vector: str = ""
    fixed_versions: tuple[str, ...] = ()
    analysis: SbomAnalysis | None = None


def build_sbom(
    component: str,
    image: str,
    image_digest: str,
    collected_at: datetime,
    packages: Sequence[SbomPackage],
    vulnerabilities: Sequence[SbomVulnerability] = (),
) -> str:
    """The SBOM of one image; `vulnerabilities` on purls it does not hold are left out."""
    bom = Bom()
    bom.metadata.timestamp = collected_at
    container = Component(
        name=component,
        version=image_digest,
        type=ComponentType.CONTAINER,
        bom_ref=f"container:{component}",
        properties=[Property(name="auditapp:image", value=image)],
    )
    bom.metadata.component = container
    _add_tool(bom)
    licenses = LicenseFactory()
    refs: dict[str, list[str]] = defaultdict(list)
    installed = []
    for package in sorted(packages, key=lambda p: (p.purl, p.path)):
        ref = f"{package.purl}|{package.path}"
        refs[package.purl].append(ref)
        installed.append(
            Component(
                name=package.name,
                version=package.version,
                type=ComponentType.LIBRARY,
                purl=_purl(package.purl),
                bom_ref=ref,
                licenses=[licenses.make_from_string(text) for text in package.licenses if text],
                properties=[
                    Property(name="auditapp:path", value=package.path),
                    Property(name="auditapp:ecosystem", value=package.ecosystem),
                ],
            )
        )
    bom.components.update(installed)
    # The image holds every package; how packages depend on each other is not read. Built
    # directly: `register_dependency` searches the whole graph once per package (quadratic).
    bom.dependencies.add(
        Dependency(
            ref=container.bom_ref, dependencies=(Dependency(ref=c.bom_ref) for c in installed)
        )
    )
    bom.dependencies.update(Dependency(ref=c.bom_ref) for c in installed)
    for found in _unique(vulnerabilities):
        if found.purl in refs:
            bom.vulnerabilities.add(_vulnerability(found, refs[found.purl]))
    return _serialised(bom, "sbom")


def build_vex(vulnerabilities: Sequence[SbomVulnerability], timestamp: datetime) -> str:
    """A standalone CycloneDX VEX: each package once (its bom-ref is its purl), each analysis."""
    bom = Bom()
    bom.metadata.timestamp = timestamp
    _add_tool(bom)
    for purl in sorted({v.purl for v in vulnerabilities}):
        parsed = _purl(purl)
        bom.components.add(
            Component(
                group=parsed.namespace if parsed else None,
                name=parsed.name if parsed else purl,
                version=parsed.version if parsed else None,
                type=ComponentType.LIBRARY,
                purl=parsed,
                bom_ref=purl,
            )
        )
    for found in _unique(vulnerabilities):
        bom.vulnerabilities.add(_vulnerability(found, [found.purl]))
    return _serialised(bom, "vex")


def _add_tool(bom: Bom) -> None:
    bom.metadata.tools.components.add(
        Component(name="auditapp", version=__version__, type=ComponentType.APPLICATION)
    )


def _purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _unique(vulnerabilities: Iterable[SbomVulnerability]) -> list[SbomVulnerability]:
    """One entry per (id, purl): the same package found at several paths is one statement."""
    seen: dict[tuple[str, str], SbomVulnerability] = {}
    for found in vulnerabilities:
        seen.setdefault((found.id, found.purl), found)
    return [seen[key] for key in sorted(seen)]


_METHODS = (
    ("CVSS:4.0/", VulnerabilityScoreSource.CVSS_V4),
    ("CVSS:3.1/", VulnerabilityScoreSource.CVSS_V3_1),
    ("CVSS:3.0/", VulnerabilityScoreSource.CVSS_V3),
    ("AV:", VulnerabilityScoreSource.CVSS_V2),
)


def _vulnerability(found: SbomVulnerability, refs: Sequence[str]) -> Vulnerability:
    ratings = []
    if found.severity != "unknown" or found.score is not None:
        ratings.append(
            VulnerabilityRating(
                severity=VulnerabilitySeverity(found.severity),
                score=Decimal(str(found.score)) if found.score is not None else None,
                method=next((m for p, m in _METHODS if found.vector.startswith(p)), None)
                if found.vector
                else None,
                vector=found.vector or None,
            )
        )
    analysis = None
    if found.analysis is not None:
        analysis = VulnerabilityAnalysis(
            state=ImpactAnalysisState(found.analysis.state),
            justification=ImpactAnalysisJustification(found.analysis.justification)
            if found.analysis.justification
            else None,
            detail=found.analysis.detail or None,
            last_updated=found.analysis.updated_at,
        )
    fixes = ", ".join(found.fixed_versions)
    return Vulnerability(
        bom_ref=f"vulnerability:{found.id}:{found.purl}",
        id=found.id,
        source=_source(found.id),
        references=[VulnerabilityReference(id=a, source=_source(a)) for a in found.aliases],
        ratings=ratings,
        description=found.summary or None,
        recommendation=f"Upgrade to {fixes}" if fixes else None,
        analysis=analysis,
        affects=[BomTarget(ref=ref) for ref in refs],
    )


def _source(identifier: str) -> VulnerabilitySource:
    quoted = quote(identifier, safe="")
    if identifier.startswith("CVE-"):
        return VulnerabilitySource(
            name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{quoted}")
        )
    if identifier.startswith("GHSA-"):
        return VulnerabilitySource(
            name="GitHub", url=XsUri(f"https://github.com/advisories/{quoted}")
        )
    return VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{quoted}"))


def _serialised(bom: Bom, kind: str) -> str:
    bom.serial_number = uuid.UUID(int=0)  # fixed while the content is fingerprinted
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:auditapp:{kind}:{fingerprint}")
    # Writing the document again only to change its serial number costs as much as the
    # first time (the library validates every dependency); the placeholder is unique text.
    placeholder = f'"serialNumber": "{uuid.UUID(int=0).urn}"'
    assert text.count(placeholder) == 1
    return text.replace(placeholder, f'"serialNumber": "{serial.urn}"')
