"""Section 3, the executive summary: statuses per checklist section (chart and table), the top
risks, and how old the vulnerability data is."""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import Flowable, PageBreak

from auditapp.report.model import FindingRow, ReportData
from auditapp.report.pdf.blocks import Heading, coloured, gap, note, rich, subhead, table
from auditapp.report.pdf.chart import status_chart, status_counts
from auditapp.report.pdf.styles import INK, SEVERITY_COLOURS, STATUS_COLOURS, severity_rank
from auditapp.report.pdf.words import (
    STATUS_ORDER,
    day,
    finding_label,
    moment,
    plural,
    status_label,
)

TOP = 10
STALE_DAYS = 30  # older vulnerability data than this is called out


def open_findings(data: ReportData) -> list[FindingRow]:
    found = [f for f in data.findings if f.status == "open"]
    return sorted(found, key=lambda f: (severity_rank(f.severity), f.id))


def executive_summary(data: ReportData) -> list[Flowable]:
    return [
        Heading("3", "Executive summary", 0),
        *_overview(data),
        Heading("3.1", "Item statuses per checklist section", 1),
        status_chart(data.sections),
        gap(4),
        _status_table(data),
        Heading("3.2", "Top risks", 1),
        *_top_risks(data),
        Heading("3.3", "Age of the vulnerability data", 1),
        *data_age(data),
        PageBreak(),
    ]


def _overview(data: ReportData) -> list[Flowable]:
    items = [i for s in data.sections for i in s.items]
    counts = Counter(i.status for i in items)
    statuses = "; ".join(f"{status_label(s)} {counts.get(s, 0)}" for s in STATUS_ORDER)
    open_ = open_findings(data)
    by_severity = Counter(f.severity for f in open_)
    severities = ", ".join(f"{by_severity[s]} {s}" for s in sorted(by_severity, key=severity_rank))
    lines: list[Flowable] = [
        rich([("Checklist: ", True), (f"{plural(len(items), 'item')}. {statuses}.", False)]),
        rich(
            [
                ("Findings: ", True),
                (
                    f"{plural(len(open_), 'open finding')}"
                    + (f" ({severities})" if severities else "")
                    + f" of {len(data.findings)} recorded.",
                    False,
                ),
            ]
        ),
        rich(
            [
                ("Vulnerabilities: ", True),
                (
                    f"{plural(len(data.vulns), 'match', 'matches')} of a known vulnerability"
                    f" in {plural(len(data.components), 'component')}.",
                    False,
                ),
            ]
        ),
        rich(
            [
                ("Network: ", True),
                (
                    f"{plural(len(data.flows.flows), 'declared flow')}, "
                    f"{plural(data.flows.drift, 'difference')} between declared and observed.",
                    False,
                ),
            ]
        ),
    ]
    if counts.get("not_tested"):
        lines.append(
            note(
                "Items marked Not Tested were excluded from this pre-assessment; in a ROC that "
                "makes the assessment a partial one."
            )
        )
    return lines


def _status_table(data: ReportData) -> Flowable:
    rows: list[list[str | Flowable]] = []
    totals: Counter[str | None] = Counter()
    for section in data.sections:
        counts = status_counts(section)
        totals.update(counts)
        rows.append(
            [
                f"{section.number}. {section.title}",
                *(str(counts[s]) for s in STATUS_ORDER),
                str(len(section.items)),
            ]
        )
    total = sum(totals.values())
    rows.append(["All sections", *(str(totals[s]) for s in STATUS_ORDER), str(total)])
    header = ["Section", *(status_label(s) for s in STATUS_ORDER), "Items"]
    colour_rows = [
        ("LINEBELOW", (i + 1, 0), (i + 1, 0), 3, STATUS_COLOURS[s])
        for i, s in enumerate(STATUS_ORDER)
    ]
    return table(
        header,
        rows,
        [0.33, 0.1, 0.12, 0.11, 0.11, 0.13, 0.1],
        extra=[*colour_rows, ("LINEABOVE", (0, -1), (-1, -1), 1, INK)],
        empty="The checklist has no sections.",
    )


def _top_risks(data: ReportData) -> list[Flowable]:
    s: list[Flowable] = [subhead("Highest-severity open findings")]
    s.append(
        table(
            ["Finding", "Severity", "Title", "Component", "PCI DSS"],
            [
                [
                    finding_label(f.id),
                    coloured(f.severity, SEVERITY_COLOURS.get(f.severity)),
                    f.title,
                    f.component or "–",
                    ", ".join(f.pci[:4]),
                ]
                for f in open_findings(data)[:TOP]
            ],
            [0.09, 0.1, 0.45, 0.16, 0.2],
            empty="No open findings.",
        )
    )
    s += [gap(4), subhead("Vulnerable internet-facing components")]
    s.append(
        table(
            ["Component", "Matches", "By severity", "With a fixed version"],
            _vulnerable_facing(data),
            [0.25, 0.12, 0.38, 0.25],
            empty="No internet-facing component has a known vulnerability.",
        )
    )
    s += [gap(4), subhead("Blast-radius paths to cardholder data")]
    best = sorted(
        ((b.component, t.component, t.best) for b in data.blast.beachheads for t in b.targets),
        key=lambda x: (severity_rank(x[2].severity), x[2].length, x[0], x[1]),
    )
    paths = [
        [
            start,
            target,
            " → ".join(path.nodes),
            str(path.length),
            coloured(path.severity, SEVERITY_COLOURS.get(path.severity)),
        ]
        for start, target, path in best
    ]
    s.append(
        table(
            ["From (internet-facing)", "Cardholder data at", "Shortest path", "Steps", "Severity"],
            paths[:TOP],
            [0.2, 0.2, 0.38, 0.1, 0.12],
            empty="No path from an internet-facing component to cardholder data was found.",
        )
    )
    return s


def _vulnerable_facing(data: ReportData) -> list[list[str | Flowable]]:
    facing = sorted(c.name for c in data.components if c.internet_facing)
    rows: list[list[str | Flowable]] = []
    for name in facing:
        mine = [v for v in data.vulns if name in v.components]
        if not mine:
            continue
        severities = Counter(v.severity for v in mine)
        text = ", ".join(f"{severities[s]} {s}" for s in sorted(severities, key=severity_rank))
        fixable = sum(1 for v in mine if v.fixed_versions)
        rows.append([name, str(len(mine)), text, str(fixable)])
    return rows


def data_age(data: ReportData) -> list[Flowable]:
    rows = data.methodology.vuln_data
    story: list[Flowable] = [
        table(
            ["Ecosystem", "Records", "Newest record modified", "Imported", "Age"],
            [
                [
                    r.ecosystem,
                    str(r.records),
                    r.newest_modified or "–",
                    moment(r.imported_at),
                    "–" if r.age_days is None else plural(r.age_days, "day"),
                ]
                for r in sorted(rows, key=lambda r: r.ecosystem)
            ],
            [0.18, 0.12, 0.28, 0.26, 0.16],
            empty="No vulnerability data has been imported: packages were not matched.",
        )
    ]
    stale = sorted(r.ecosystem for r in rows if r.age_days is not None and r.age_days > STALE_DAYS)
    if stale:
        story.append(
            note(
                f"Older than {STALE_DAYS} days at {day(data.audit.as_of)}: {', '.join(stale)}. "
                "Vulnerabilities published since are not reflected; re-import before the "
                "assessment."
            )
        )
    return story
