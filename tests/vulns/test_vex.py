"""VEX through the services: dispositions, their journal, OpenVEX / CycloneDX files, the SBOM."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditapp.services import audits, inventory, journal, members, vex, vulndb, vulns
from auditapp.services.collect import collect
from auditapp.services.errors import InvalidInputError, PermissionDeniedError
from auditapp.services.gather import CollectRequest
from auditapp.services.roles import Role
from auditapp.services.vex import Justification, VexDocumentError, VexStatus
from auditapp.services.workspace import Caller, Workspace
from auditapp.store.errors import StaleEditError
from tests.catalog.layers import f
from tests.conftest import AUDITOR, DEVELOPER, OFFICER
from tests.evidence.oci import oci_files, write_folder
from tests.vulns.osv_records import PYPI_ZIP

URLLIB3 = "pkg:pypi/urllib3@1.26.4"
CVE = "CVE-2021-33503"
GHSA = "GHSA-q2q7-5pp4-w6pg"
OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"


def _collect(ws: Workspace, tmp_path: Path, packages: dict[str, str]) -> None:
    """A real collect of an OCI layout holding these Python distributions (as shop/api:1.0)."""
    entries = [f("etc/os-release", "ID=debian\nVERSION_ID=12\n")]
    for name, version in packages.items():
        entries.append(
            f(
                f"usr/lib/python3/dist-packages/{name}-{version}.dist-info/METADATA",
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            )
        )
    layout = write_folder(oci_files([entries], "gzip", tag="shop/api:1.0"), tmp_path / "layout")
    collect(ws, OFFICER, CollectRequest(archives=(layout,)))


def _write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _decided(ws: Workspace, caller: Caller = OFFICER) -> set[tuple[str, str, str, str, str]]:
    return {
        (d.purl, d.vuln_id, d.status.value, d.justification or "", d.detail)
        for d in vex.list_dispositions(ws, caller)
    }


def _actions(ws: Workspace, caller: Caller = OFFICER) -> list[str]:
    return [e.action for e in reversed(journal.recent_entries(ws, caller, limit=1000))]


def _intact(ws: Workspace, caller: Caller = OFFICER) -> None:
    report = journal.verify_journal(ws, caller)
    assert report.intact, (report.first_break, report.mismatches)


# --- setting by hand -------------------------------------------------------------------------


def test_set_change_and_refuse_a_stale_edit(team_ws: Workspace) -> None:
    first = vex.set_disposition(
        team_ws,
        OFFICER,
        "pkg:PyPI/urllib3@1.26.4",  # stored in the catalogers' canonical form
        CVE,
        "Not-Affected",
        justification="code_not_reachable",  # a CycloneDX name, stored as OpenVEX's
        detail="  we never parse untrusted URLs  ",
        expected_version=0,
    )
    assert (first.purl, first.vuln_id, first.status) == (URLLIB3, CVE, VexStatus.NOT_AFFECTED)
    assert first.justification is Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH
    assert first.detail == "we never parse untrusted URLs"
    assert (first.version, first.updated_by, first.in_inventory) == (1, "Olga Officer", False)

    second = vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "affected", expected_version=1)
    assert second.status is VexStatus.AFFECTED and second.justification is None
    assert second.detail == "" and second.version == 2  # a disposition is stated whole

    with pytest.raises(StaleEditError, match="changed by Olga Officer"):
        vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "fixed", expected_version=1)
    with pytest.raises(StaleEditError):
        vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "fixed", expected_version=0)

    same = vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "affected")
    assert same.version == 2  # nothing changed: no new version, no journal entry
    assert [v.version for v in vex.list_dispositions(team_ws, OFFICER)] == [2]

    entries = [e for e in journal.recent_entries(team_ws, OFFICER) if e.action == "vex.set"]
    assert len(entries) == 2
    latest = json.loads(entries[0].summary)
    assert entries[0].target == f"{CVE} {URLLIB3}"
    assert latest["purl"] == URLLIB3 and latest["vuln"] == CVE
    assert latest["status"] == ["not_affected", "affected"]
    assert latest["justification"] == ["vulnerable_code_not_in_execute_path", ""]
    assert json.loads(entries[1].summary)["status"] == [None, "not_affected"]
    _intact(team_ws)


@pytest.mark.parametrize("caller", [DEVELOPER, AUDITOR], ids=["developer", "auditor"])
def test_only_officers_decide_and_refusals_are_journaled(
    team_ws: Workspace, caller: Caller, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDeniedError, match="only officers may"):
        vex.set_disposition(team_ws, caller, URLLIB3, CVE, "fixed")
    document = _write(tmp_path, "vex.json", _openvex([_statement(CVE, [URLLIB3], "fixed")]))
    with pytest.raises(PermissionDeniedError):
        vex.import_document(team_ws, caller, document)
    denied = [e for e in journal.recent_entries(team_ws, OFFICER) if e.action == "denied"]
    assert [e.target for e in denied] == ["vex.json", f"{CVE} {URLLIB3}"]
    assert all(
        json.loads(e.summary)["attempted"] == "set an item's status, method, owner or due date"
        for e in denied
    )
    assert vex.list_dispositions(team_ws, caller) == []  # anyone may read them
    _intact(team_ws)


UNUSABLE = [  # (purl, vuln id, status, justification, detail) and what the refusal says
    (("urllib3@1.26.4", CVE, "fixed", "", ""), "is not a package URL"),
    (("", CVE, "fixed", "", ""), "no package URL"),
    ((URLLIB3, "", "fixed", "", ""), "no vulnerability id"),
    ((URLLIB3, "CVE 2021", "fixed", "", ""), "contains spaces"),
    ((URLLIB3, "CVE-\x00", "fixed", "", ""), "control characters"),
    ((URLLIB3, "X" * 101, "fixed", "", ""), "longer than 100"),
    ((URLLIB3, CVE, "patched", "", ""), "unknown status 'patched'"),
    ((URLLIB3, CVE, "not_affected", "", ""), "not_affected needs a justification"),
    ((URLLIB3, CVE, "not_affected", "because", ""), "unknown justification"),
    ((URLLIB3, CVE, "affected", "code_not_present", ""), "only goes with not_affected"),
    ((URLLIB3, CVE, "fixed", "", "x" * 10_001), "longer than 10,000"),
    ((URLLIB3, CVE, "fixed", "", "a\x00b"), "control characters"),
    ((URLLIB3, CVE, "fixed", "", "\udc80"), "not valid Unicode"),
]


def test_unusable_values_are_refused_before_anything_is_stored(team_ws: Workspace) -> None:
    before = _actions(team_ws)
    for values, message in UNUSABLE:
        with pytest.raises(InvalidInputError, match=message):
            vex.set_disposition(team_ws, OFFICER, *values)
    assert _actions(team_ws) == before
    assert vex.list_dispositions(team_ws, OFFICER) == []


def test_dispositions_show_in_the_vulnerability_list(team_ws: Workspace, tmp_path: Path) -> None:
    vulndb.import_paths(team_ws, [PYPI_ZIP])
    _collect(team_ws, tmp_path, {"urllib3": "1.26.4"})

    def urllib3_hit() -> vulns.VulnView:
        return next(
            v for v in vulns.list_vulns(team_ws, OFFICER).vulns if CVE in (v.id, *v.aliases)
        )

    assert urllib3_hit().disposition == ""
    decided = vex.set_disposition(  # decided on an alias: the merged row still shows it
        team_ws, OFFICER, URLLIB3, GHSA, "not_affected", "vulnerable_code_not_present"
    )
    assert decided.in_inventory
    assert urllib3_hit().disposition == "not_affected"
    vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "fixed")  # the representative id wins
    assert urllib3_hit().disposition == "fixed"
    others = [v for v in vulns.list_vulns(team_ws, OFFICER).vulns if CVE not in (v.id, *v.aliases)]
    assert others and all(v.disposition == "" for v in others)  # per vulnerability, not package
    _intact(team_ws)


# --- documents in ----------------------------------------------------------------------------


def _openvex(statements: list[Any]) -> dict[str, Any]:
    return {
        "@context": OPENVEX_CONTEXT,
        "@id": "https://example.com/vex/2026-001",
        "author": "Example Payments security",
        "timestamp": "2026-03-01T10:00:00Z",
        "version": 1,
        "statements": statements,
    }


def _statement(vuln: Any, products: list[Any], status: Any, **extra: Any) -> dict[str, Any]:
    return {
        "vulnerability": {"name": vuln} if isinstance(vuln, str) else vuln,
        "products": [{"@id": p} if isinstance(p, str) else p for p in products],
        "status": status,
        **extra,
    }


def test_import_openvex(team_ws: Workspace, tmp_path: Path) -> None:
    vex.set_disposition(team_ws, OFFICER, "pkg:npm/left-pad@1.3.0", "CVE-2020-0001", "affected")
    vex.set_disposition(team_ws, OFFICER, "pkg:npm/left-pad@1.3.0", "CVE-2020-0002", "fixed")
    image = "pkg:oci/api@sha256%3Aabc?repository_url=registry.example.com/shop/api"
    statements = [
        _statement(
            CVE,
            [URLLIB3],
            "not_affected",
            justification="vulnerable_code_not_in_execute_path",
            impact_statement="urllib3 only talks to our own API",
        ),
        _statement(  # the product is an image; its subcomponents are what the statement is about
            "CVE-2023-0003",
            [{"@id": image, "subcomponents": [{"@id": "pkg:pypi/requests@2.31.0"}]}],
            "affected",
            action_statement="upgrade in the next release",
        ),
        _statement(  # a purl given among identifiers, a CycloneDX justification
            "CVE-2023-0004",
            [{"@id": "https://example.com/p", "identifiers": {"purl": "pkg:pypi/idna@3.4"}}],
            "not_affected",
            justification="protected_at_perimeter",
        ),
        {"vulnerability": "CVE-2023-0005", "products": ["pkg:pypi/idna@3.4"], "status": "fixed"},
        _statement("CVE-2020-0001", ["pkg:npm/left-pad@1.3.0"], "affected"),  # unchanged
        _statement("CVE-2020-0002", ["pkg:npm/left-pad@1.3.0"], "under_investigation"),
        _statement("CVE-2023-0006", [URLLIB3], "exploited"),  # unknown status
        _statement("CVE-2023-0007", [URLLIB3], "not_affected"),  # no justification
        _statement("CVE-2023-0008", ["not a purl", URLLIB3], "fixed"),  # one bad product
        _statement("CVE-2023-0009", [], "fixed"),
        _statement({"@id": "x"}, [URLLIB3], "fixed"),  # no name
        "a string, not a statement",
        _statement("CVE-2023-0010", [URLLIB3], "under_investigation"),
        _statement("CVE-2023-0010", [URLLIB3], "affected"),  # the later statement wins
    ]
    path = _write(tmp_path, "vendor.openvex.json", _openvex(statements))
    summary = vex.import_document(team_ws, OFFICER, path)

    assert summary.format == "openvex" and len(summary.sha256) == 64
    assert (summary.added, summary.changed, summary.unchanged) == (6, 1, 1)
    assert summary.skipped == 7
    assert summary.statements == summary.added + summary.changed + summary.unchanged + 7
    assert summary.not_in_inventory == 8  # nothing was collected in this audit
    reasons = {p.where: p.reason for p in summary.problems}
    assert "unknown status 'exploited'" in reasons["statements[6]"]
    assert "needs a justification" in reasons["statements[7]"]
    assert "is not a package URL" in reasons["statements[8].products[0]"]
    assert reasons["statements[9]"] == "it names no products"
    assert reasons["statements[10]"] == "no vulnerability id"
    assert reasons["statements[11]"] == "not an object"
    assert reasons["statements[12].products[0]"] == "superseded by statements[13].products[0]"

    decided = _decided(team_ws)
    assert (URLLIB3, CVE, "not_affected", "vulnerable_code_not_in_execute_path",
            "urllib3 only talks to our own API") in decided  # fmt: skip
    assert ("pkg:pypi/requests@2.31.0", "CVE-2023-0003", "affected", "",
            "upgrade in the next release") in decided  # fmt: skip
    assert ("pkg:pypi/idna@3.4", "CVE-2023-0004", "not_affected",
            "inline_mitigations_already_exist", "") in decided  # fmt: skip
    assert ("pkg:pypi/idna@3.4", "CVE-2023-0005", "fixed", "", "") in decided
    assert (URLLIB3, "CVE-2023-0008", "fixed", "", "") in decided
    assert (URLLIB3, "CVE-2023-0010", "affected", "", "") in decided
    assert ("pkg:npm/left-pad@1.3.0", "CVE-2020-0002", "under_investigation", "", "") in decided
    assert len(decided) == 8

    entries = journal.recent_entries(team_ws, OFFICER, limit=20)
    assert entries[0].action == "vex.import" and entries[0].target == "vendor.openvex.json"
    assert json.loads(entries[0].summary)["added"] == 6
    changes = [json.loads(e.summary) for e in entries if e.action == "vex.set"]
    assert sum("vendor.openvex.json" in c.get("via", "") for c in changes) == 7
    _intact(team_ws)


def test_import_cyclonedx_vex(team_ws: Workspace, tmp_path: Path) -> None:
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"bom-ref": "app", "name": "shop", "type": "application"}},
        "components": [
            {"bom-ref": "lib-urllib3", "name": "urllib3", "purl": URLLIB3, "type": "library"},
            {
                "bom-ref": "framework",
                "name": "framework",
                "type": "framework",
                "components": [
                    {"bom-ref": "lib idna", "name": "idna", "purl": "pkg:pypi/idna@3.4"}
                ],
            },
        ],
        "vulnerabilities": [
            {
                "id": CVE,
                "analysis": {
                    "state": "not_affected",
                    "justification": "code_not_present",
                    "detail": "the vulnerable parser was removed",
                },
                "affects": [{"ref": "lib-urllib3"}, {"ref": "pkg:pypi/requests@2.31.0"}],
            },
            {  # a BOM-Link into this document, percent-encoded
                "id": "CVE-2023-0001",
                "analysis": {"state": "in_triage"},
                "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#lib%20idna"}],
            },
            {
                "id": "CVE-2023-0002",
                "analysis": {"state": "false_positive"},  # not_affected, component_not_present
                "affects": [{"ref": "lib idna"}],
            },
            {
                "id": "CVE-2023-0003",
                "analysis": {
                    "state": "resolved_with_pedigree",
                    "justification": "code_not_present",
                },
                "affects": [{"ref": "lib idna"}],  # a justification on fixed is dropped
            },
            {
                "id": "CVE-2023-0004",
                "analysis": {"state": "exploitable", "detail": "reachable from /login"},
                "affects": [{"ref": "framework"}, {"ref": "nowhere"}, "lib-urllib3"],
            },
            {"id": "CVE-2023-0005", "affects": [{"ref": "lib-urllib3"}]},  # nothing decided
            {"id": "CVE-2023-0006", "analysis": {"state": "maybe"}, "affects": [{"ref": "app"}]},
            {"id": "CVE-2023-0007", "analysis": {"state": "resolved"}, "affects": []},
            {"id": 7, "analysis": {"state": "resolved"}, "affects": [{"ref": "lib-urllib3"}]},
        ],
    }
    summary = vex.import_document(team_ws, OFFICER, _write(tmp_path, "bom.cdx.json", document))
    assert summary.format == "cyclonedx"
    assert (summary.added, summary.changed, summary.unchanged, summary.skipped) == (5, 0, 0, 7)
    reasons = {p.where: p.reason for p in summary.problems}
    assert (
        reasons["vulnerabilities[4].affects[0]"] == "the component 'framework' has no package URL"
    )
    assert (
        reasons["vulnerabilities[4].affects[1]"]
        == "ref 'nowhere' names no component of the document"
    )
    assert reasons["vulnerabilities[4].affects[2]"] == "no ref"
    assert "nothing was decided" in reasons["vulnerabilities[5]"]
    assert "unknown status 'maybe'" in reasons["vulnerabilities[6]"]
    assert reasons["vulnerabilities[7]"] == "it affects no component"
    assert reasons["vulnerabilities[8]"] == "no vulnerability id"
    assert _decided(team_ws) == {
        (URLLIB3, CVE, "not_affected", "vulnerable_code_not_present",
         "the vulnerable parser was removed"),
        ("pkg:pypi/requests@2.31.0", CVE, "not_affected", "vulnerable_code_not_present",
         "the vulnerable parser was removed"),
        ("pkg:pypi/idna@3.4", "CVE-2023-0001", "under_investigation", "", ""),
        ("pkg:pypi/idna@3.4", "CVE-2023-0002", "not_affected", "component_not_present", ""),
        ("pkg:pypi/idna@3.4", "CVE-2023-0003", "fixed", "", ""),
    }  # fmt: skip
    _intact(team_ws)


HOSTILE = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "is not JSON"),
    "truncated": (b'{"statements": [', "is not JSON"),
    "empty": (b"", "is not JSON"),
    "bad-utf16": (b'\xff\xfe{"a": 1}', "is not JSON"),
    "array": (b"[1, 2, 3]", "not an object"),
    "unknown-format": (b'{"bomFormat": "SPDX"}', "neither OpenVEX"),
    "statements-object": (b'{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}',
                          "no list of statements"),
    "sbom-without-vulnerabilities": (b'{"bomFormat": "CycloneDX", "components": []}',
                                     "no list of vulnerabilities"),
    "deep": (b'{"statements": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    "oversized": (b" " * (8 * 1024 * 1024 + 1), "larger than 8 MB"),
}  # fmt: skip


def test_hostile_documents_change_nothing(team_ws: Workspace, tmp_path: Path) -> None:
    vex.set_disposition(team_ws, OFFICER, URLLIB3, CVE, "affected")
    before = (_decided(team_ws), _actions(team_ws))
    for name, (content, message) in HOSTILE.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(content)
        with pytest.raises(VexDocumentError, match=message):
            vex.import_document(team_ws, OFFICER, path)
    assert (_decided(team_ws), _actions(team_ws)) == before
    _intact(team_ws)


def test_unreadable_paths_and_too_many_pairs(team_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(VexDocumentError, match="no such file"):
        vex.import_document(team_ws, OFFICER, tmp_path / "missing.json")
    with pytest.raises(VexDocumentError, match="not a regular file"):
        vex.import_document(team_ws, OFFICER, tmp_path)
    products = [f"pkg:pypi/p{n}@1" for n in range(vex.MAX_PAIRS + 1)]
    many = _write(tmp_path, "many.json", _openvex([_statement(CVE, products, "fixed")]))
    assert many.stat().st_size < vex.MAX_DOCUMENT
    with pytest.raises(VexDocumentError, match="more than 100,000"):
        vex.import_document(team_ws, OFFICER, many)
    assert vex.list_dispositions(team_ws, OFFICER) == []


def test_hostile_statements_are_skipped_one_by_one(team_ws: Workspace, tmp_path: Path) -> None:
    statements = [
        _statement(CVE, [URLLIB3], "fixed", status_notes="fine"),
        _statement("X" * 5000, [URLLIB3], "fixed"),
        _statement(CVE, ["pkg:pypi/" + "a" * 2000 + "@1"], "fixed"),
        _statement(CVE, ["pkg:pypi/x@1\x00"], "fixed"),
        _statement(CVE, [URLLIB3], "fixed", impact_statement="\ud800"),
        _statement(CVE, [URLLIB3], "fixed", impact_statement="x" * 20_000),
        _statement(CVE, [URLLIB3], ["fixed"]),
        _statement(CVE, [URLLIB3], "not_affected", justification={"why": "no"}),
        _statement(CVE, [{"@id": 5}, None, [], {"subcomponents": [{}]}], "fixed"),
        {"vulnerability": None, "products": "pkg:pypi/a@1", "status": None},
    ]
    summary = vex.import_document(
        team_ws, OFFICER, _write(tmp_path, "v.json", _openvex(statements))
    )
    assert (summary.added, summary.skipped) == (1, 12)
    assert _decided(team_ws) == {(URLLIB3, CVE, "fixed", "", "fine")}
    _intact(team_ws)


# --- documents out ---------------------------------------------------------------------------


def test_export_is_reproducible_and_round_trips(team_ws: Workspace, tmp_path: Path) -> None:
    shop = Caller(audit="Shop 2026", member="Olga Officer")
    assert "vulnerabilities" not in json.loads(vex.export_document(team_ws, shop))
    for n, reason in enumerate(Justification):
        vex.set_disposition(
            team_ws, shop, f"pkg:pypi/p{n}@1.0", f"CVE-2024-{n:04}", "not_affected", reason,
            detail=f"reason {n}\nsecond line",
        )  # fmt: skip
    for n, status in enumerate(["affected", "fixed", "under_investigation"]):
        vex.set_disposition(team_ws, shop, "pkg:deb/debian/openssl@3.0.11-1?arch=amd64",
                            f"CVE-2025-{n:04}", status)  # fmt: skip
    vex.set_disposition(team_ws, shop, URLLIB3, GHSA, "fixed")

    exported = vex.export_document(team_ws, shop)
    assert vex.export_document(team_ws, shop) == exported  # no clock, no random ids
    document = json.loads(exported)
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.6"
    assert document["serialNumber"].startswith("urn:uuid:")
    newest = max(d.updated_at for d in vex.list_dispositions(team_ws, shop))
    assert document["metadata"]["timestamp"] == newest.isoformat()
    by_id = {v["id"]: v for v in document["vulnerabilities"]}
    assert by_id["CVE-2024-0002"]["analysis"] == {
        "state": "not_affected",
        "justification": "code_not_reachable",
        "detail": "reason 2\nsecond line",
        "lastUpdated": by_id["CVE-2024-0002"]["analysis"]["lastUpdated"],
    }
    assert by_id["CVE-2024-0002"]["affects"] == [{"ref": "pkg:pypi/p2@1.0"}]
    assert {by_id[f"CVE-2025-{n:04}"]["analysis"]["state"] for n in range(3)} == {
        "exploitable",
        "resolved",
        "in_triage",
    }
    refs = {c["bom-ref"]: c.get("purl") for c in document["components"]}
    assert refs[URLLIB3] == URLLIB3  # every affects ref resolves inside the document

    audits.create_audit(team_ws, "Shop 2027")
    other = Caller(audit="Shop 2027", member="Olga Officer")
    members.add_member(team_ws, Caller(audit="Shop 2027"), "Olga Officer", Role.OFFICER)
    path = tmp_path / "shop.cdx.json"
    path.write_bytes(exported)
    summary = vex.import_document(team_ws, other, path)
    assert (summary.added, summary.skipped) == (9, 0)
    assert _decided(team_ws, other) == _decided(team_ws, shop)
    _intact(team_ws, shop)
    _intact(team_ws, other)


def test_the_sbom_carries_the_vex(team_ws: Workspace, tmp_path: Path) -> None:
    vulndb.import_paths(team_ws, [PYPI_ZIP])
    _collect(team_ws, tmp_path, {"urllib3": "1.26.4", "idna": "3.4"})
    vex.set_disposition(
        team_ws,
        OFFICER,
        URLLIB3,
        "PYSEC-2021-108",
        "not_affected",
        "inline_mitigations_already_exist",
        detail="only fixed URLs",
    )

    text = inventory.sbom(team_ws, OFFICER, "shop/api:1.0")
    assert inventory.sbom(team_ws, OFFICER, "shop/api:1.0") == text  # reproducible
    document = json.loads(text)
    urllib3_ref = next(c["bom-ref"] for c in document["components"] if c["name"] == "urllib3")
    found = {v["id"]: v for v in document["vulnerabilities"]}
    matched = {v.id for v in vulns.list_vulns(team_ws, OFFICER).vulns}
    assert set(found) == matched
    hit = found[CVE]  # the disposition was made on an alias of the CVE
    assert hit["affects"] == [{"ref": urllib3_ref}]
    assert hit["analysis"]["state"] == "not_affected"
    assert hit["analysis"]["justification"] == "protected_by_mitigating_control"
    assert hit["analysis"]["detail"] == "only fixed URLs"
    assert {r["id"] for r in hit["references"]} >= {"PYSEC-2021-108", GHSA}
    assert hit["recommendation"] == "Upgrade to 1.26.5"
    assert "ratings" not in hit  # PyPI.zip rates nothing: the severity is unknown
    assert all("analysis" not in v for i, v in found.items() if i != CVE)
    _intact(team_ws)


def test_build_sbom_keeps_only_its_packages_and_rates_from_the_vector() -> None:
    """Pure core: plain data in, the same CycloneDX text out."""
    from auditapp.report.sbom import SbomAnalysis, SbomPackage, SbomVulnerability, build_sbom

    collected = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    packages = [
        SbomPackage("pypi", "urllib3", "1.26.4", URLLIB3, f"/site-packages/{n}", ("MIT",))
        for n in ("a", "b")
    ]
    rated = SbomVulnerability(
        id=CVE,
        purl=URLLIB3,
        aliases=(GHSA,),
        severity="high",
        score=7.5,
        vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        analysis=SbomAnalysis("in_triage", "", "", collected),
    )
    elsewhere = SbomVulnerability(id="CVE-2000-0001", purl="pkg:pypi/other@1")
    args = ("api", "shop/api:1.0", "sha256:" + "0" * 64, collected, packages)
    text = build_sbom(*args, [rated, rated, elsewhere])
    assert build_sbom(*args, [elsewhere, rated]) == text
    document = json.loads(text)
    assert [v["id"] for v in document["vulnerabilities"]] == [CVE]
    (vulnerability,) = document["vulnerabilities"]
    assert [a["ref"] for a in vulnerability["affects"]] == [
        f"{URLLIB3}|/site-packages/a",
        f"{URLLIB3}|/site-packages/b",
    ]
    assert vulnerability["ratings"] == [
        {
            "method": "CVSSv31",
            "score": 7.5,
            "severity": "high",
            "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",  # the method names the version
        }
    ]
    assert vulnerability["analysis"]["state"] == "in_triage"
    root = next(d for d in document["dependencies"] if d["ref"] == "container:api")
    assert len(root["dependsOn"]) == 2
