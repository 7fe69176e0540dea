"""The CycloneDX documents we write by hand hold to the 1.6 JSON schema, and
cyclonedx-python-lib reads them back into the same document: the library is the oracle."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from auditapp.report.sbom import (
    SbomAnalysis,
    SbomPackage,
    SbomVulnerability,
    build_sbom,
    build_vex,
)

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PACKAGES = [
    SbomPackage(
        "PyPI",
        "requests",
        "2.0",
        "pkg:pypi/requests@2.0",
        "/usr/lib/python3/dist-packages/requests-2.0.dist-info",
        ("apache-2.0", "Foo License", "MIT OR GPL-2.0-only"),
    ),
    SbomPackage(
        "Debian",
        "libc6",
        "2.36",
        "pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12",
        "var/lib/dpkg/status",
        ("MIT OR GPL-2.0-only",),
    ),
    SbomPackage("npm", "@scope/b", "1.0.0", "pkg:npm/%40scope/b@1.0.0", "app/node_modules", ()),
    SbomPackage("npm", "Łódź-東京", "1", "not a package url", 'a"b\\c\n', ("Ж license",)),
    SbomPackage("PyPI", "requests", "2.0", "pkg:pypi/requests@2.0", "/venv/requests.dist-info", ()),
]
VULNERABILITIES = [
    SbomVulnerability(
        "GHSA-xxxx-yyyy-zzzz",
        "pkg:pypi/requests@2.0",
        ("CVE-2023-32681", "PYSEC-2023-74"),
        "Leak of Proxy-Authorization header",
        "medium",
        6.1,
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
        ("2.31.0",),
        SbomAnalysis("not_affected", "code_not_reachable", "no proxies are used", WHEN),
    ),
    SbomVulnerability("OSV-2024-1", "pkg:pypi/requests@2.0", severity="critical", score=9.8),
    SbomVulnerability("GO-2024-1", "pkg:golang/x@1", vector="CVSS:4.0/AV:N/AC:L/AT:N"),
    SbomVulnerability(
        "CVE-2024-2",
        "pkg:deb/debian/libc6@2.36?arch=amd64&distro=debian-12",
        analysis=SbomAnalysis("in_triage", "", "", WHEN),
    ),
]


def _sorted(value: Any) -> Any:
    """The document with every list in one order: the library orders lists its own way."""
    if isinstance(value, dict):
        return {key: _sorted(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted(
            (_sorted(item) for item in value), key=lambda i: json.dumps(i, sort_keys=True)
        )
    return value


def _documents() -> list[str]:
    return [
        build_sbom("api", "shop/api:1.4", "sha256:" + "ab" * 32, WHEN, PACKAGES, VULNERABILITIES),
        build_sbom("empty", "scratch", "sha256:" + "cd" * 32, WHEN, []),
        build_vex(VULNERABILITIES, WHEN),
        build_vex([], WHEN),
    ]


@pytest.mark.parametrize("index", range(4))
def test_documents_hold_to_the_schema_and_read_back_the_same(index: int) -> None:
    text = _documents()[index]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    again = JsonV1Dot6(Bom.from_json(json.loads(text))).output_as_string(indent=2)  # type: ignore[attr-defined]
    assert _sorted(json.loads(again)) == _sorted(json.loads(text))


def test_the_sbom_says_what_a_reader_needs() -> None:
    document = json.loads(_documents()[0])
    components = {(c["name"], c["properties"][1]["value"]): c for c in document["components"]}
    requests = components["requests", "/usr/lib/python3/dist-packages/requests-2.0.dist-info"]
    # An expression beside other licenses is kept, as a name (the schema allows one expression
    # alone); ids are spelled as SPDX spells them.
    assert requests["licenses"] == [
        {"license": {"id": "Apache-2.0"}},
        {"license": {"name": "Foo License"}},
        {"license": {"name": "MIT OR GPL-2.0-only"}},
    ]
    libc = next(c for c in document["components"] if c["name"] == "libc6")
    assert libc["licenses"] == [{"expression": "MIT OR GPL-2.0-only"}]
    assert "purl" not in components["Łódź-東京", 'a"b\\c\n']
    # Only vulnerabilities on packages of this image; one entry for both copies of requests.
    by_id = {v["id"]: v for v in document["vulnerabilities"]}
    assert sorted(by_id) == ["CVE-2024-2", "GHSA-xxxx-yyyy-zzzz", "OSV-2024-1"]
    ghsa = by_id["GHSA-xxxx-yyyy-zzzz"]
    assert len(ghsa["affects"]) == 2
    assert ghsa["ratings"] == [
        {
            "method": "CVSSv31",
            "score": 6.1,
            "severity": "medium",
            "vector": "AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
        }
    ]
    assert ghsa["analysis"]["state"] == "not_affected"
    assert ghsa["recommendation"] == "Upgrade to 2.31.0"
    assert [r["id"] for r in ghsa["references"]] == ["CVE-2023-32681", "PYSEC-2023-74"]
    assert document["dependencies"][0]["ref"] == "container:api"
    assert len(document["dependencies"][0]["dependsOn"]) == len(PACKAGES)


def test_the_same_content_gives_the_same_bytes_and_other_content_another_serial() -> None:
    first = _documents()
    assert _documents() == first
    shuffled = build_sbom(
        "api", "shop/api:1.4", "sha256:" + "ab" * 32, WHEN, PACKAGES[::-1], VULNERABILITIES[::-1]
    )
    assert shuffled == first[0]
    serials = {json.loads(text)["serialNumber"] for text in first}
    assert len(serials) == 4


def test_odd_input_still_gives_a_valid_document() -> None:
    """A package recorded twice at one path, an empty name, a naive time, a score that is not a
    number: the document stays valid (the library used to absorb these)."""
    twice = PACKAGES[0]
    odd = [twice, twice, SbomPackage("npm", "", "1", "pkg:npm/x@1", "app", ())]
    naive = datetime(2026, 1, 2, 3, 4, 5)
    vulnerabilities = [
        SbomVulnerability("OSV-NAN", "pkg:pypi/requests@2.0", severity="high", score=float("nan")),
        SbomVulnerability(
            "OSV-NAIVE", "pkg:pypi/requests@2.0", analysis=SbomAnalysis("resolved", "", "", naive)
        ),
    ]
    text = build_sbom("api", "shop/api:1.4", "sha256:" + "ab" * 32, naive, odd, vulnerabilities)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    document = json.loads(text)
    assert len(document["components"]) == 2
    assert document["metadata"]["timestamp"] == "2026-01-02T03:04:05+00:00"
    ratings = {v["id"]: v.get("ratings") for v in document["vulnerabilities"]}
    assert ratings["OSV-NAN"] == [{"severity": "high"}]


def test_a_disposition_cyclonedx_has_no_word_for_is_refused_not_dropped() -> None:
    odd = SbomVulnerability(
        "OSV-1", "pkg:pypi/requests@2.0", analysis=SbomAnalysis("probably_fine", "", "", WHEN)
    )
    with pytest.raises(ValueError, match="not a CycloneDX analysis state"):
        build_vex([odd], WHEN)
