"""Section 7, dependencies: what each component is built from, the vulnerable packages by
severity with their fixed versions and dispositions, and what is past its end of life."""

from __future__ import annotations

from collections import Counter, defaultdict

from reportlab.platypus import Flowable, PageBreak

from auditapp.report.model import ReportData, VulnRow
from auditapp.report.pdf.blocks import Heading, coloured, joined, note, p, table
from auditapp.report.pdf.styles import DRAFT_COLOUR, FRAME_WIDTH, SEVERITY_COLOURS, severity_rank
from auditapp.report.pdf.words import plural

# VEX words as a reader says them; "" means nobody has decided yet.
DISPOSITIONS = {
    "affected": "affected",
    "not_affected": "not affected",
    "fixed": "fixed",
    "under_investigation": "under investigation",
    "": "not yet assessed",
}


def dependencies(data: ReportData) -> list[Flowable]:
    return [
        Heading("7", "Dependencies", 0),
        Heading("7.1", "Packages per component", 1),
        *_packages(data),
        Heading("7.2", "Vulnerable packages by severity", 1),
        *_vulns(data),
        Heading("7.3", "End of life, deprecated and abandoned", 1),
        table(
            ["Component", "Subject", "Kind", "Status", "Detail"],
            [
                [r.component, r.subject, r.kind, coloured(r.status, DRAFT_COLOUR), r.detail or "–"]
                for r in sorted(data.lifecycle, key=lambda r: (r.component, r.kind, r.subject))
            ],
            [0.14, 0.22, 0.09, 0.19, 0.36],
            empty="No operating system, runtime or package is past or near its end of life, "
            "deprecated or abandoned, as far as the lifecycle data knows.",
        ),
        PageBreak(),
    ]


def _packages(data: ReportData) -> list[Flowable]:
    rows: list[list[str | Flowable]] = []
    for c in sorted(data.packages, key=lambda c: (c.component, c.image)):
        per = ", ".join(f"{eco} {count}" for eco, count in c.per_ecosystem) or "none found"
        total = sum(count for _, count in c.per_ecosystem)
        end = (
            coloured(c.os_end_of_life, DRAFT_COLOUR)
            if "ended" in c.os_end_of_life
            else (c.os_end_of_life)
        )
        rows.append(
            [
                c.component,
                c.image,
                c.os,
                end,
                per,
                str(total),
                "complete" if c.complete else coloured("incomplete", DRAFT_COLOUR),
            ]
        )
    story: list[Flowable] = [
        table(
            [
                "Component",
                "Image",
                "OS release",
                "OS end of life",
                "Packages per ecosystem",
                "Total",
                "Inventory",
            ],
            rows,
            [0.12, 0.16, 0.17, 0.13, 0.22, 0.08, 0.12],
            empty="No image inventory: no packages were catalogued.",
        )
    ]
    if any(not c.complete for c in data.packages):
        story.append(
            note(
                "An incomplete inventory means some layers or files could not be read: its "
                "package counts are a lower bound, never a proof of absence."
            )
        )
    return story


# A package with many vulnerabilities names the worst of them; every one is in the attached
# SBOMs (with their VEX) and findings JSON.
SHOWN_PER_PACKAGE = 8
SHOWN_FIXES = 4
SEVERITY_WIDTH = 0.12


def _vulns(data: ReportData) -> list[Flowable]:
    """One row per vulnerable package (name, version, ecosystem), the worst first."""
    packages: dict[tuple[str, str, str], list[VulnRow]] = defaultdict(list)
    for v in data.vulns:
        packages[v.ecosystem, v.package, v.version].append(v)
    groups = sorted(
        (sorted(rows, key=_worst_first) for rows in packages.values()),
        key=lambda rows: (*_worst_first(rows[0])[:2], rows[0].package, rows[0].version),
    )
    story: list[Flowable] = []
    if groups:
        counts = Counter(v.severity for v in data.vulns)
        text = ", ".join(f"{counts[s]} {s}" for s in sorted(counts, key=severity_rank))
        fixable = sum(1 for v in data.vulns if v.fixed_versions)
        story.append(
            p(
                f"{plural(len(data.vulns), 'match', 'matches')} on "
                f"{plural(len(groups), 'package')}: {text}; {fixable} with a fixed version. "
                f"Each package names up to {SHOWN_PER_PACKAGE} of its vulnerabilities, the "
                "worst first, with the fix of each named one; each component's attached SBOM "
                "lists those on its image with their dispositions, and `auditapp vulns` all."
            )
        )
    story.append(
        table(
            ["Severity", "Package", "Vulnerabilities", "Fixed in", "Components", "Disposition"],
            [_package_row(rows) for rows in groups],
            [SEVERITY_WIDTH, 0.17, 0.27, 0.14, 0.14, 0.16],
            empty="No known vulnerability matches the inventory.",
        )
    )
    return story


def _worst_first(v: VulnRow) -> tuple[int, float, str]:
    return severity_rank(v.severity), -(v.score or 0.0), v.id


def _package_row(rows: list[VulnRow]) -> list[str | Flowable]:
    worst = rows[0]
    score = f" {worst.score:.1f}" if worst.score is not None else ""
    severities = Counter(v.severity for v in rows)
    tally = "\n".join(f"{severities[s]} {s}" for s in sorted(severities, key=severity_rank))
    named = [
        v.id + (f" ({v.severity})" if len(severities) > 1 else "") for v in rows[:SHOWN_PER_PACKAGE]
    ]
    if len(rows) > SHOWN_PER_PACKAGE:
        named.append(f"and {len(rows) - SHOWN_PER_PACKAGE} more")
    # in the order of the vulnerabilities they fix, the worst first (version strings do not
    # sort as text: "1.10" comes after "1.9")
    fixes = list(dict.fromkeys(f for v in rows for f in v.fixed_versions[:1]))
    if len(fixes) > SHOWN_FIXES:
        fixes = [*fixes[:SHOWN_FIXES], f"and {len(fixes) - SHOWN_FIXES} more"]
    unfixed = sum(1 for v in rows if not v.fixed_versions)
    fixed_in = joined(fixes, "")
    if unfixed:
        fixed_in += ("\n" if fixed_in else "") + (
            "no fix yet" if unfixed == len(rows) else f"no fix yet for {unfixed}"
        )
    decided = Counter(DISPOSITIONS.get(v.disposition, v.disposition) for v in rows)
    components = sorted({c for v in rows for c in v.components})
    return [
        coloured(
            f"{worst.severity}{score}\n{tally}" if len(rows) > 1 else f"{worst.severity}{score}",
            SEVERITY_COLOURS.get(worst.severity),
            width=SEVERITY_WIDTH * FRAME_WIDTH,
        ),
        f"{worst.package} ({worst.ecosystem})\n{worst.version}",
        "\n".join(named),
        fixed_in,
        joined(components),
        "\n".join(f"{n} {d}" if len(rows) > 1 else d for d, n in sorted(decided.items())),
    ]
