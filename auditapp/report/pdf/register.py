"""Section 9, the findings register and action plan, in the spirit of the AOC's Part 4 (Action
Plan for Non-Compliant Requirements): requirement, finding, remediation, owner, target date,
status."""

from __future__ import annotations

import re

from reportlab.platypus import Flowable, PageBreak

from auditapp.report.model import FindingRow, ReportData
from auditapp.report.pdf.blocks import Heading, clip, coloured, joined, p, table
from auditapp.report.pdf.checklist import SECTION
from auditapp.report.pdf.styles import SEVERITY_COLOURS, severity_rank
from auditapp.report.pdf.words import day, finding_label, moment

_RATIONALE_CHARS = 300


def requirement_key(requirement: str) -> tuple[tuple[int, str], ...]:
    """PCI DSS numbers in document order: 1.2.10 after 1.2.9, A1.1 after 12.x."""
    return tuple(
        (int(part), "") if part.isdigit() else (10_000, part)
        for part in re.split(r"[.\s]", requirement)
    )


def _first_requirement(f: FindingRow) -> tuple[tuple[int, str], ...]:
    return min((requirement_key(r) for r in f.pci), default=((10_001, ""),))


def register(data: ReportData) -> list[Flowable]:
    open_ = sorted(
        (f for f in data.findings if f.status == "open"),
        key=lambda f: (_first_requirement(f), severity_rank(f.severity), f.id),
    )
    closed = sorted(
        (f for f in data.findings if f.status != "open"), key=lambda f: (f.status, f.id)
    )
    not_in_place = [
        (f"{SECTION}.{s.number}.{k}", i)
        for s in data.sections
        for k, i in enumerate(s.items, 1)
        if i.status == "not_in_place"
    ]
    return [
        Heading("9", "Findings register and action plan", 0),
        p(
            "In the spirit of the AOC's Part 4, Action Plan for Non-Compliant Requirements: for "
            "every open finding, the requirements it concerns, what to do, who owns it and by "
            "when. Owners and target dates come from the checklist item each rule belongs to."
        ),
        Heading("9.1", "Action plan for open findings", 1),
        table(
            ["PCI DSS", "Finding", "Remediation", "Owner", "Target date", "Status"],
            [_action(f) for f in open_],
            [0.11, 0.29, 0.28, 0.1, 0.12, 0.1],
            empty="No open findings.",
        ),
        Heading("9.2", "Checklist items not in place", 1),
        table(
            ["Item", "PCI DSS", "Rationale", "Owner", "Due date"],
            [
                [
                    f"{n} {i.key}",
                    joined(i.pci),
                    clip(i.rationale or "–", _RATIONALE_CHARS),
                    i.owner or "–",
                    day(i.due_date),
                ]
                for n, i in not_in_place
            ],
            [0.27, 0.13, 0.36, 0.12, 0.12],
            empty="No checklist item is Not in Place.",
        ),
        Heading("9.3", "Accepted risks, false positives and remediated findings", 1),
        table(
            ["Finding", "Status", "Justification", "Expires", "Seen"],
            [
                [
                    _finding(f),
                    f.status,
                    f.justification or "–",
                    day(f.expires),
                    f"{moment(f.first_seen)} to {moment(f.last_seen)}",
                ]
                for f in closed
            ],
            [0.27, 0.14, 0.29, 0.12, 0.18],
            empty="None: every finding is open.",
        ),
        PageBreak(),
    ]


def _finding(f: FindingRow) -> str:
    where = f"{f.component}: {f.location}" if f.location else f.component
    ref = f" [{f.evidence_ref}]" if f.evidence_ref else ""
    return f"{finding_label(f.id)} {f.title}\n{where}{ref}\n{f.rule_id}"


def _action(f: FindingRow) -> list[str | Flowable]:
    return [
        joined(f.pci),
        _finding(f),
        f.remediation or "–",
        f.owner or "–",
        day(f.target_date),
        coloured(f"{f.status}, {f.severity}", SEVERITY_COLOURS.get(f.severity)),
    ]
