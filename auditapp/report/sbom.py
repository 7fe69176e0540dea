"""CycloneDX 1.6 JSON documents: a component's SBOM with its VEX, and VEX alone.

Written as plain JSON here rather than through cyclonedx-python-lib's object model: on an audit
of 10,000 packages the library's model and its validation took two thirds of an export (it
compares every dependency with every other). The documents follow the 1.6 JSON schema; the
tests check each shape against that schema with the library's validator. The library is still
used for SPDX license ids and expressions.

Reproducible: the serial number is derived from the content and the timestamps come from the
data (when the image was collected, when a disposition was made), never from the clock.
Vulnerabilities arrive as plain data already in CycloneDX terms; this module knows no services.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from packageurl import PackageURL

from auditapp import __version__

SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
SEVERITIES = frozenset({"critical", "high", "medium", "low", "info", "none", "unknown"})
STATES = frozenset(
    {
        "resolved",
        "resolved_with_pedigree",
        "exploitable",
        "in_triage",
        "false_positive",
        "not_affected",
    }
)
JUSTIFICATIONS = frozenset(
    {
        "code_not_present",
        "code_not_reachable",
        "requires_configuration",
        "requires_dependency",
        "requires_environment",
        "protected_by_compiler",
        "protected_at_runtime",
        "protected_at_perimeter",
        "protected_by_mitigating_control",
    }
)
Json = dict[str, Any]


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
    container_ref = f"container:{component}"
    refs: dict[str, list[str]] = defaultdict(list)
    installed: list[Json] = []
    for package in sorted(packages, key=lambda p: (p.purl, p.path)):
        ref = f"{package.purl}|{package.path}"
        if ref in refs[package.purl]:
            continue  # the same package recorded twice at one path (a repeated stanza) is one
        refs[package.purl].append(ref)
        installed.append(
            _drop_empty(
                {
                    "type": "library",
                    "bom-ref": ref,
                    "name": package.name or "(unnamed)",
                    "version": package.version,
                    "purl": _purl_text(package.purl),
                    "licenses": _licenses(package.licenses),
                    "properties": [
                        _property("auditapp:ecosystem", package.ecosystem),
                        _property("auditapp:path", package.path),
                    ],
                }
            )
        )
    metadata = _metadata(collected_at)
    metadata["component"] = {
        "type": "container",
        "bom-ref": container_ref,
        "name": component,
        "version": image_digest,
        "properties": [_property("auditapp:image", image)],
    }
    found = [v for v in _unique(vulnerabilities) if v.purl in refs]
    # The image holds every package; how packages depend on each other is not read.
    dependencies = [
        _drop_empty({"ref": container_ref, "dependsOn": sorted(c["bom-ref"] for c in installed)})
    ]
    dependencies += [{"ref": c["bom-ref"]} for c in installed]
    return _serialised(
        "sbom",
        metadata,
        installed,
        dependencies,
        [_vulnerability(v, refs[v.purl]) for v in found],
    )


def build_vex(vulnerabilities: Sequence[SbomVulnerability], timestamp: datetime) -> str:
    """A standalone CycloneDX VEX: each package once (its bom-ref is its purl), each analysis."""
    components = []
    for purl in sorted({v.purl for v in vulnerabilities}):
        parsed = _purl(purl)
        components.append(
            _drop_empty(
                {
                    "type": "library",
                    "bom-ref": purl,
                    "group": parsed.namespace if parsed else None,
                    "name": (parsed.name if parsed else purl) or "(unnamed)",
                    "version": parsed.version if parsed else None,
                    "purl": parsed.to_string() if parsed else None,
                }
            )
        )
    return _serialised(
        "vex",
        _metadata(timestamp),
        components,
        [{"ref": c["bom-ref"]} for c in components],
        [_vulnerability(v, [v.purl]) for v in _unique(vulnerabilities)],
    )


def _metadata(timestamp: datetime) -> Json:
    tool = {"type": "application", "name": "auditapp", "version": __version__}
    return {"timestamp": _moment(timestamp), "tools": {"components": [tool]}}


def _moment(when: datetime) -> str:
    """An ISO 8601 time with its offset, as the schema's date-time wants (naive means UTC)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


def _property(name: str, value: str) -> Json:
    return {"name": name, "value": value}


def _drop_empty(fields: Json) -> Json:
    """The schema wants absent rather than empty or null values."""
    return {key: value for key, value in fields.items() if value not in (None, "", [], {})}


@functools.cache
def _purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _purl_text(text: str) -> str | None:
    """A package URL in its canonical spelling; one that does not parse is left out."""
    parsed = _purl(text)
    return parsed.to_string() if parsed else None


def _licenses(texts: Sequence[str]) -> list[Json]:
    """Each text as an SPDX id, an SPDX expression or a named license. The schema allows one
    expression alone or any number of licenses, so beside others an expression is a name."""
    entries = [_license(text) for text in texts if text]
    if len(entries) > 1:
        entries = [
            {"license": {"name": e["expression"]}} if "expression" in e else e for e in entries
        ]
    return entries


@functools.cache
def _license(text: str) -> Json:
    from cyclonedx.spdx import fixup_id, is_expression  # slow to import: SPDX lists

    spdx_id = fixup_id(text)
    if spdx_id is not None:
        return {"license": {"id": spdx_id}}
    if is_expression(text):
        return {"expression": text}
    return {"license": {"name": text}}


def _unique(vulnerabilities: Iterable[SbomVulnerability]) -> list[SbomVulnerability]:
    """One entry per (id, purl): the same package found at several paths is one statement."""
    seen: dict[tuple[str, str], SbomVulnerability] = {}
    for found in vulnerabilities:
        seen.setdefault((found.id, found.purl), found)
    return [seen[key] for key in sorted(seen)]


# CVSS versions as CycloneDX rating methods; the vector is written without its scheme prefix.
_METHODS = (
    (re.compile(r"^CVSS:4\.\d/?"), "CVSSv4"),
    (re.compile(r"^CVSS:3\.1/?"), "CVSSv31"),
    (re.compile(r"^CVSS:3\.\d/?"), "CVSSv3"),
    (re.compile(r"^(CVSS:2\.\d/)?AV:"), "CVSSv2"),
)


def _rating(found: SbomVulnerability) -> Json | None:
    if found.severity == "unknown" and found.score is None:
        return None
    rating: Json = {"severity": found.severity if found.severity in SEVERITIES else "unknown"}
    if found.score is not None and math.isfinite(found.score):
        rating["score"] = found.score
    for pattern, method in _METHODS:
        if found.vector and pattern.match(found.vector):
            rating["method"] = method
            rating["vector"] = re.sub(r"^CVSS:[234]\.\d/?", "", found.vector)
            break
    else:
        if found.vector:
            rating["vector"] = found.vector
    return rating


def _analysis(analysis: SbomAnalysis | None) -> Json | None:
    if analysis is None:
        return None
    # a disposition silently left out would read as "nobody decided": refuse instead
    if analysis.state not in STATES:
        raise ValueError(f"not a CycloneDX analysis state: {analysis.state!r}")
    if analysis.justification and analysis.justification not in JUSTIFICATIONS:
        raise ValueError(f"not a CycloneDX justification: {analysis.justification!r}")
    return _drop_empty(
        {
            "state": analysis.state,
            "justification": analysis.justification,
            "detail": analysis.detail,
            "lastUpdated": _moment(analysis.updated_at),
        }
    )


def _vulnerability(found: SbomVulnerability, refs: Sequence[str]) -> Json:
    rating = _rating(found)
    fixes = ", ".join(found.fixed_versions)
    return _drop_empty(
        {
            "bom-ref": f"vulnerability:{found.id}:{found.purl}",
            "id": found.id,
            "source": _source(found.id),
            "references": [{"id": a, "source": _source(a)} for a in sorted(set(found.aliases))],
            "ratings": [rating] if rating else [],
            "description": found.summary,
            "recommendation": f"Upgrade to {fixes}" if fixes else None,
            "analysis": _analysis(found.analysis),
            "affects": [{"ref": ref} for ref in sorted(refs)],
        }
    )


def _source(identifier: str) -> Json:
    quoted = quote(identifier, safe="")
    if identifier.startswith("CVE-"):
        return {"name": "NVD", "url": f"https://nvd.nist.gov/vuln/detail/{quoted}"}
    if identifier.startswith("GHSA-"):
        return {"name": "GitHub", "url": f"https://github.com/advisories/{quoted}"}
    return {"name": "OSV", "url": f"https://osv.dev/vulnerability/{quoted}"}


_PLACEHOLDER = uuid.UUID(int=0).urn


def _serialised(
    kind: str,
    metadata: Json,
    components: list[Json],
    dependencies: list[Json],
    vulnerabilities: list[Json],
) -> str:
    document = _drop_empty(
        {
            "$schema": SCHEMA,
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "serialNumber": _PLACEHOLDER,  # fixed while the content is fingerprinted
            "version": 1,
            "metadata": metadata,
            "components": components,
            "dependencies": dependencies,
            "vulnerabilities": vulnerabilities,
        }
    )
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False)
    fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:auditapp:{kind}:{fingerprint}")
    placeholder = f'"serialNumber": "{_PLACEHOLDER}"'
    return text.replace(placeholder, f'"serialNumber": "{serial.urn}"', 1)
