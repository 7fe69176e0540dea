"""Merging advisories by alias: the merger drawing the alias graph once gives the same
vulnerabilities, in the same order, as grouping each version's advisories afresh."""

from __future__ import annotations

import random

from auditapp.vulns.aliases import AdvisoryInfo, AliasMerger, Vulnerability, alias_groups, id_rank
from auditapp.vulns.severity import Severity, from_vector


def _fresh(
    found: dict[str, tuple[str, ...]], advisories: dict[str, AdvisoryInfo]
) -> list[Vulnerability]:
    merged = []
    for group in alias_groups(found, advisories):
        ids = set(group) | {alias for a in group for alias in advisories[a].aliases}
        first = min(ids, key=id_rank)
        merged.append(
            Vulnerability(
                first,
                tuple(sorted(ids - {first})),
                next((advisories[a].summary for a in sorted(group) if advisories[a].summary), ""),
                min(advisories[a].severity for a in group),
                tuple(sorted({fix for a in group for fix in found[a]})),
            )
        )
    return merged


def test_ghsa_and_pysec_naming_one_cve_are_one_vulnerability() -> None:
    critical = from_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert critical is not None
    advisories = {
        "GHSA-q2q7-5pp4-w6pg": AdvisoryInfo(
            "GHSA-q2q7-5pp4-w6pg", ("CVE-2021-33503",), "", critical
        ),
        "PYSEC-2021-108": AdvisoryInfo(
            "PYSEC-2021-108", ("CVE-2021-33503",), "ReDoS", Severity.unknown()
        ),
        "PYSEC-2020-1": AdvisoryInfo("PYSEC-2020-1", (), "other", Severity.unknown()),
    }
    found = {"PYSEC-2021-108": ("1.26.5",), "GHSA-q2q7-5pp4-w6pg": ("1.26.5",), "PYSEC-2020-1": ()}
    merged = AliasMerger(advisories).vulnerabilities(found)
    assert merged == _fresh(found, advisories)
    assert [(v.id, v.aliases, v.summary, v.fixed_versions) for v in merged] == [
        ("CVE-2021-33503", ("GHSA-q2q7-5pp4-w6pg", "PYSEC-2021-108"), "ReDoS", ("1.26.5",)),
        ("PYSEC-2020-1", (), "other", ()),
    ]
    assert merged[0].severity == critical


def test_the_merger_agrees_with_fresh_grouping_on_random_alias_graphs() -> None:
    rng = random.Random(11)
    ids = [f"{kind}-{n}" for kind in ("CVE", "GHSA", "PYSEC", "GO", "X") for n in range(12)]
    severities = [Severity(rank, "r", None, "") for rank in range(6)]
    for _ in range(200):
        advisories = {
            a: AdvisoryInfo(
                a,
                tuple(rng.sample(ids, rng.randint(0, 2))),
                rng.choice(["", a]),
                rng.choice(severities),
            )
            for a in rng.sample(ids, 25)
        }
        merger = AliasMerger(advisories)
        for _ in range(20):
            chosen = rng.sample([*advisories, "MISSING-1"], rng.randint(1, 8))
            found = {a: tuple(rng.sample(["1.0", "1.1", "2.0"], rng.randint(0, 2))) for a in chosen}
            assert merger.vulnerabilities(found) == _fresh(found, advisories), found


def test_a_scored_and_a_rating_only_advisory_of_one_rating_merge_without_error() -> None:
    """Comparing the two severities field by field would compare 7.5 with None."""
    scored = from_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
    assert scored is not None and scored.rating == "high"
    rated = Severity(scored.rank, "high", None, "")
    advisories = {
        "GHSA-aaaa-bbbb-cccc": AdvisoryInfo("GHSA-aaaa-bbbb-cccc", ("CVE-2024-1",), "", rated),
        "PYSEC-2024-1": AdvisoryInfo("PYSEC-2024-1", ("CVE-2024-1",), "x", scored),
    }
    found = {"GHSA-aaaa-bbbb-cccc": (), "PYSEC-2024-1": ()}
    [merged] = AliasMerger(advisories).vulnerabilities(found)
    assert merged.id == "CVE-2024-1" and merged.severity == scored
