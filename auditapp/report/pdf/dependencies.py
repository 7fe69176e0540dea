"""Section 7, dependencies: what each component is built from, the vulnerable packages by
severity with their fixed versions and dispositions, and what is past its end of life."""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import Flowable, PageBreak

from auditapp.report.model import ReportData, VulnRow
from auditapp.report.pdf.blocks import Heading, coloured, joined, note, p, table
from auditapp.report.pdf.styles import DRAFT_COLOUR, SEVERITY_COLOURS, severity_rank
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
            [0.15, 0.25, 0.1, 0.15, 0.35],
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


def _vulns(data: ReportData) -> list[Flowable]:
    vulns = sorted(data.vulns, key=lambda v: (severity_rank(v.severity), v.package, v.id))
    counts = Counter(v.severity for v in vulns)
    story: list[Flowable] = []
    if vulns:
        text = ", ".join(f"{counts[s]} {s}" for s in sorted(counts, key=severity_rank))
        fixable = sum(1 for v in vulns if v.fixed_versions)
        story.append(
            p(f"{plural(len(vulns), 'match', 'matches')}: {text}; {fixable} with a fixed version.")
        )
    story.append(
        table(
            [
                "Severity",
                "Vulnerability",
                "Package",
                "Installed",
                "Fixed in",
                "Components",
                "Disposition",
            ],
            [_vuln_row(v) for v in vulns],
            [0.1, 0.24, 0.16, 0.11, 0.12, 0.13, 0.14],
            empty="No known vulnerability matches the inventory.",
        )
    )
    return story


def _vuln_row(v: VulnRow) -> list[str | Flowable]:
    score = f"\n{v.score:.1f}" if v.score is not None else ""
    name = v.id + (f"\n{joined(v.aliases)}" if v.aliases else "")
    if v.summary:
        name += f"\n{v.summary}"
    disposition = DISPOSITIONS.get(v.disposition, v.disposition)
    return [
        coloured(f"{v.severity}{score}", SEVERITY_COLOURS.get(v.severity)),
        name,
        f"{v.package} ({v.ecosystem})",
        v.version,
        joined(v.fixed_versions, "no fix yet"),
        joined(v.components),
        disposition,
    ]
