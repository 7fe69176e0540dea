"""Section 8, the threat model: actors and their motivations, the threats per element with
their status and mitigation, and the blast radius of each internet-facing component."""

from __future__ import annotations

from collections import defaultdict

from reportlab.platypus import Flowable, PageBreak

from auditapp.analysis.blast import Beachhead
from auditapp.report.model import ReportData, ThreatRow
from auditapp.report.pdf.blocks import Heading, coloured, gap, joined, note, p, rich, table
from auditapp.report.pdf.diagrams import draw_blast_paths
from auditapp.report.pdf.styles import SEVERITY_COLOURS, severity_rank, styles
from auditapp.report.pdf.words import evidence_ref, plural

_CHD = ", cardholder data"
_STATUS_ORDER = (
    "unchecked",
    "in-discussion",
    "in-progress",
    "accepted",
    "mitigated",
    "false-positive",
)


def threat_model(data: ReportData) -> list[Flowable]:
    return [
        Heading("8", "Threat model", 0),
        Heading("8.1", "Threat actors and motivations", 1),
        table(
            ["Actor", "Type", "Motivations", "Sophistication", "Resources", "Description"],
            [
                [
                    a.name,
                    a.stix_type,
                    joined(a.motivations),
                    a.sophistication,
                    a.resources,
                    " ".join(a.description.split()),
                ]
                for a in sorted(data.actors, key=lambda a: a.name)
            ],
            [0.13, 0.12, 0.14, 0.15, 0.12, 0.34],
            empty="No threat actors are recorded for this audit.",
        ),
        Heading("8.2", "Threats per element", 1),
        *_threats(data),
        PageBreak(),
        Heading("8.3", "Blast radius of internet-facing components", 1),
        *_blast(data),
        PageBreak(),
    ]


def _threats(data: ReportData) -> list[Flowable]:
    if not data.threats:
        return [note("No threats are recorded: run the analysis to derive them.")]
    by_element: dict[tuple[str, str], list[ThreatRow]] = defaultdict(list)
    for t in data.threats:
        by_element[(t.element, t.element_kind)].append(t)
    story: list[Flowable] = [
        p(
            f"{plural(len(data.threats), 'threat')} on {plural(len(by_element), 'element')}, "
            "STRIDE per element. Likelihood and impact are low, medium or high; the status is "
            "where the team is with the threat."
        )
    ]
    for n, ((element, kind), threats) in enumerate(sorted(by_element.items()), 1):
        story.append(Heading(f"8.2.{n}", f"{element} ({kind})", 2, toc=False))
        rows: list[list[str | Flowable]] = []
        for t in sorted(threats, key=lambda t: (_status_rank(t.status), t.category, t.id)):
            rows.append(
                [
                    f"T-{t.id}",
                    t.category,
                    f"{t.title}\n{t.description}",
                    f"{t.likelihood},\n{t.impact}",
                    t.status,
                    t.mitigation or "–",
                ]
            )
        story.append(
            table(
                [
                    "ID",
                    "STRIDE",
                    "Threat and description",
                    "Likelihood, impact",
                    "Status",
                    "Mitigation",
                ],
                rows,
                [0.06, 0.12, 0.34, 0.11, 0.12, 0.25],
            )
        )
    return story


def _status_rank(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else len(_STATUS_ORDER)


def _blast(data: ReportData) -> list[Flowable]:
    blast = data.blast
    story: list[Flowable] = [
        p(
            "What an attacker who owns an internet-facing component can reach next: other "
            f"components within {blast.max_steps} steps, hosts whose control is within reach, "
            f"and up to {blast.max_paths} ranked paths to each component that holds cardholder "
            "data. Paths are drawn from the reach graph of the collected deployment."
        )
    ]
    if blast.assumptions:
        story.append(rich([("Assumptions: ", True), ("; ".join(blast.assumptions) + ".", False)]))
    if not blast.beachheads:
        story.append(note("No component is internet-facing: there is no beachhead to assess."))
    for n, beachhead in enumerate(blast.beachheads, 1):
        story += _beachhead(data, f"8.3.{n}", beachhead)
    return story


def _beachhead(data: ReportData, number: str, b: Beachhead) -> list[Flowable]:
    reach = (
        ", ".join(
            f"{r.node} ({plural(r.steps, 'step')}{_CHD if r.holds_cardholder_data else ''})"
            for r in b.reachable
        )
        or "nothing"
    )
    hosts = ", ".join(f"{h.node} ({plural(h.steps, 'step')})" for h in b.hosts) or "none"
    weak = "; ".join(w.text for w in b.weaknesses) or "none known"
    story: list[Flowable] = [
        Heading(number, f"From {b.component}", 2, toc=False),
        rich([("Reaches: ", True), (reach, False)], styles().body),
        rich([("Hosts within reach: ", True), (hosts, False)], styles().body),
        rich([("Its own weaknesses: ", True), (weak, False)], styles().body),
        gap(4),
        draw_blast_paths(b),
        gap(4),
    ]
    rows: list[list[str | Flowable]] = []
    for target in b.targets:
        for path in sorted(target.paths, key=lambda x: (severity_rank(x.severity), x.length)):
            via = "\n".join(
                f"{s.source} → {s.target}: {s.via}"
                + (f" [{evidence_ref(data, s.evidence_id)}]" if s.evidence_id else "")
                for s in path.steps
            )
            weaknesses = "; ".join(f"{w.component}: {w.text}" for w in path.weaknesses) or "–"
            rows.append(
                [
                    target.component,
                    " → ".join(path.nodes),
                    via,
                    weaknesses,
                    coloured(path.severity, SEVERITY_COLOURS.get(path.severity)),
                ]
            )
        if target.capped:
            rows.append([target.component, "more paths exist than are listed", "", "", ""])
    story.append(
        table(
            ["Cardholder data at", "Path", "Steps and evidence", "Weaknesses on it", "Severity"],
            rows,
            [0.14, 0.2, 0.36, 0.2, 0.1],
            empty=f"No path from {b.component} reaches cardholder data.",
        )
    )
    return story
