"""Matching: OSV range rules on small records, real records, and an audit's inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.services import vulndb, vulns
from auditapp.services.collect import collect
from auditapp.services.gather import CollectRequest
from auditapp.services.workspace import Workspace
from auditapp.vulns.matching import AffectedEntry, Target, evaluate, lookup_of, target_for
from auditapp.vulns.versions import scheme_for_osv
from tests.catalog.layers import f
from tests.conftest import OFFICER
from tests.evidence.oci import oci_files, write_folder
from tests.vulns.osv_records import GO_ZIP, PYPI_ZIP, record, write


def _entry(
    events: list[tuple[str, str]],
    versions: tuple[str, ...] = (),
    ecosystem: str = "PyPI",
    kind: str = "ECOSYSTEM",
) -> AffectedEntry:
    return AffectedEntry("T-1", ecosystem, ((kind, tuple(events)),), versions)


def _affected(
    entry: AffectedEntry, version: str, ecosystem: str = "PyPI", release: str = ""
) -> tuple[bool, tuple[str, ...]]:
    scheme = scheme_for_osv(ecosystem)
    assert scheme is not None
    verdict = evaluate(entry, Target(ecosystem, "x", version, release), scheme)
    return verdict.affected, verdict.fixed_versions


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", (False, ())),
        ("1.0", (True, ("1.5",))),
        ("1.4.9", (True, ("1.5",))),
        ("1.5", (False, ())),
        ("1.9", (False, ())),
        ("2.0", (True, ("2.3",))),
        ("2.3", (False, ())),
    ],
)
def test_several_introduced_and_fixed(version: str, expected: tuple[bool, tuple[str, ...]]) -> None:
    entry = _entry(
        [("introduced", "2.0"), ("fixed", "2.3"), ("introduced", "1.0"), ("fixed", "1.5")]
    )
    assert _affected(entry, version) == expected


def test_last_affected_and_limit() -> None:
    last = _entry([("introduced", "0"), ("last_affected", "1.2")])
    assert _affected(last, "1.2") == (True, ())
    assert _affected(last, "1.2.1") == (False, ())
    limited = _entry([("introduced", "0"), ("limit", "3.0")])
    assert _affected(limited, "2.9")[0] and not _affected(limited, "3.0")[0]


def test_versions_only_and_git_ranges() -> None:
    listed = _entry([], versions=("1.0", "1.1"))
    assert _affected(listed, "1.1")[0] and not _affected(listed, "1.2")[0]
    git = _entry([("introduced", "0"), ("fixed", "abc123")], kind="GIT")
    assert not _affected(git, "1.0")[0]  # kept, not evaluated


def test_debian_release_and_go_pseudo_versions() -> None:
    deb = AffectedEntry(
        "DSA-1",
        "Debian:12",
        (("ECOSYSTEM", (("introduced", "0"), ("fixed", "3.0.11-1~deb12u2"))),),
        (),
    )
    assert _affected(deb, "3.0.11-1~deb12u1", "Debian", "12") == (True, ("3.0.11-1~deb12u2",))
    assert not _affected(deb, "3.0.11-1~deb12u1", "Debian", "11")[0]  # another release
    go = _entry(
        [("introduced", "0"), ("fixed", "1.0.4-0.20180125103619-43913f2f4fbd")],
        ecosystem="Go",
        kind="SEMVER",
    )
    assert _affected(go, "v1.0.3", "Go")[0]
    assert _affected(go, "v1.0.4-0.20180101000000-aaaaaaaaaaaa", "Go")[0]  # an older pseudo
    assert not _affected(go, "v1.0.4-0.20180125103619-43913f2f4fbd", "Go")[0]
    assert not _affected(go, "v1.0.4", "Go")[0]


def _audit_with(ws: Workspace, tmp_path: Path, packages: dict[str, str]) -> None:
    """A real collect of an OCI layout holding these Python distributions."""
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


def test_urllib3_from_the_shipped_data(team_ws: Workspace, tmp_path: Path) -> None:
    vulndb.import_paths(team_ws, [PYPI_ZIP])
    _audit_with(team_ws, tmp_path, {"urllib3": "1.26.4"})
    report = vulns.list_vulns(team_ws, OFFICER)
    found = {v.id: v for v in report.vulns}
    hit = next(
        v for v in found.values() if {"PYSEC-2021-108", "CVE-2021-33503"} <= {v.id, *v.aliases}
    )
    assert hit.id == "CVE-2021-33503"  # the CVE represents the merged aliases
    assert "GHSA-q2q7-5pp4-w6pg" in hit.aliases
    assert hit.fixed_versions == ("1.26.5",) and hit.fix_available
    assert hit.package == "urllib3" and hit.version == "1.26.4"
    assert hit.components == ("shop/api:1.0",)
    assert len([v for v in report.vulns if "CVE-2021-33503" in (v.id, *v.aliases)]) == 1
    assert report.freshness and report.freshness[0].stale


def test_urllib3_1_26_5_is_not_affected_by_it(team_ws: Workspace, tmp_path: Path) -> None:
    vulndb.import_paths(team_ws, [PYPI_ZIP])
    _audit_with(team_ws, tmp_path, {"urllib3": "1.26.5"})
    ids = {i for v in vulns.list_vulns(team_ws, OFFICER).vulns for i in (v.id, *v.aliases)}
    assert "PYSEC-2021-108" not in ids


def test_withdrawn_and_severity_filters(team_ws: Workspace, tmp_path: Path) -> None:
    vulndb.import_paths(
        team_ws,
        [
            write(
                tmp_path / "osv",
                record(
                    "T-CRIT",
                    "PyPI",
                    "demo",
                    [{"introduced": "0"}, {"fixed": "2.0"}],
                    severity=[
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                    ],
                ),
                record(
                    "T-LOW",
                    "PyPI",
                    "demo",
                    [{"introduced": "0"}],
                    database_specific={"severity": "LOW"},
                ),
                record(
                    "T-GONE",
                    "PyPI",
                    "demo",
                    [{"introduced": "0"}],
                    withdrawn="2026-01-01T00:00:00Z",
                ),
            )
        ],
    )
    _audit_with(team_ws, tmp_path, {"Demo": "1.0"})
    report = vulns.list_vulns(team_ws, OFFICER)
    assert [(v.id, v.severity, v.score) for v in report.vulns] == [
        ("T-CRIT", "critical", 9.8),
        ("T-LOW", "low", None),
    ]
    assert [v.id for v in vulns.list_vulns(team_ws, OFFICER, minimum="high").vulns] == ["T-CRIT"]
    assert [v.id for v in vulns.list_vulns(team_ws, OFFICER, fixable=True).vulns] == ["T-CRIT"]


def test_go_data_imports_and_matches_stdlib(team_ws: Workspace) -> None:
    vulndb.import_paths(team_ws, [GO_ZIP])
    wanted = {("Go", "stdlib", "v1.16.3", ""): 1, ("Go", "stdlib", "v1.16.4", ""): 2}
    with team_ws.db.read() as session:
        matches = vulns.match_names(session, wanted)
    assert "GO-2022-0236" in matches.hits[("Go", "stdlib", "v1.16.3", "")]  # fixed in 1.16.4
    assert "GO-2022-0236" not in matches.hits.get(("Go", "stdlib", "v1.16.4", ""), {})
    assert "GO-2022-0236" in matches.advisories
    assert matches.unevaluable == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("pypi", "Zope.Interface", "5.0", "", "", "", ""), ("PyPI", "zope-interface", "5.0", "")),
        (
            ("golang", "golang.org/x/net", "v0.1.0", "", "", "", ""),
            ("Go", "golang.org/x/net", "v0.1.0", ""),
        ),
        (
            ("deb", "libssl3", "3.0.11-1", "OpenSSL", "3.0.11-1", "debian", "12.4"),
            ("Debian", "openssl", "3.0.11-1", "12"),
        ),
        (("deb", "bash", "5.1", "", "", "ubuntu", "22.04"), ("Ubuntu", "bash", "5.1", "22.04")),
        (
            ("apk", "musl", "1.2.4-r2", "", "", "alpine", "3.19.1"),
            ("Alpine", "musl", "1.2.4-r2", "v3.19"),
        ),
        (
            ("rpm", "bash", "5.1-6.el9", "", "", "rocky", "9.3"),
            ("Rocky Linux", "bash", "5.1-6.el9", "9"),
        ),
        (("rpm", "bash", "5.1", "", "", "fedora", "39"), None),
        (("cargo", "serde", "1.0", "", "", "", ""), None),
    ],
)
def test_what_each_package_is_looked_up_as(
    args: tuple[str, str, str, str, str, str, str], expected: tuple[str, str, str, str] | None
) -> None:
    assert lookup_of(*args) == expected
    purl_type, name, version, source, source_version, os_id, os_version = args
    target = target_for(
        purl_type,
        name,
        version,
        source_name=source,
        source_version=source_version,
        os_id=os_id,
        os_version=os_version,
    )
    assert target == (None if expected is None else Target(*expected))
