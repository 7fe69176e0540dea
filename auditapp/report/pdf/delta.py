"""`render_delta_pdf`: a short PDF of what changed since sign-off, from one stored monitor run,
in the audit package's style; byte for byte the same for the same `DeltaData`."""

from __future__ import annotations

from collections import Counter
from io import BytesIO
from itertools import groupby

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from auditapp.report.delta_model import COULD_NOT_CHECK, NEW_RISK, DeltaChange, DeltaData, DeltaRun
from auditapp.report.pdf.blocks import (
    Heading,
    Mark,
    coloured,
    gap,
    kv_table,
    note,
    p,
    subhead,
    table,
)
from auditapp.report.pdf.delta_chart import trend_chart
from auditapp.report.pdf.delta_page import DeltaDocument, status_colour
from auditapp.report.pdf.fonts import SANS_BOLD, markup, register_fonts
from auditapp.report.pdf.styles import FRAME_WIDTH, INK, SEVERITY_COLOURS, TABLE_FONT, styles
from auditapp.report.pdf.words import moment, plural

SEVERITIES = ("critical", "high", "medium", "low")
RESULT_WORDS = {0: "nothing new", 1: "new risk", 2: "could not check"}


def render_delta_pdf(data: DeltaData) -> bytes:
    """The delta report. Times come from `data` (the run, the baseline), never the clock."""
    register_fonts()
    buffer = BytesIO()
    document = DeltaDocument(buffer, data)
    document.multiBuild(story(data))
    if document.drawn_with != document.page:
        # the last pass printed a page count the layout did not keep: once more, knowing it
        buffer = BytesIO()
        again = DeltaDocument(buffer, data)
        again.known_pages = document.page
        again.multiBuild(story(data))
    return buffer.getvalue()


def story(data: DeltaData) -> list[Flowable]:
    return [*_front(data), *_changes(data), *_problems(data), *_trend(data), *_reading()]


def headline(data: DeltaData) -> str:
    """The run's result in one sentence."""
    count = len(data.changes)
    exploited = sum(1 for c in data.changes if c.known_exploited)
    if data.run.status == COULD_NOT_CHECK:
        found = f"; what it could compare shows {plural(count, 'change')}" if count else ""
        return (
            f"The run could not check everything ({plural(len(data.problems), 'reason')}){found}."
        )
    if data.run.status == NEW_RISK:
        kev = f", {exploited} known to be exploited" if exploited else ""
        return (
            f"{plural(count, 'change')} since the sign-off baseline, "
            f"{data.run.new} new since the previous run{kev}."
        )
    return "Nothing changed since the sign-off baseline."


def _front(data: DeltaData) -> list[Flowable]:
    s = styles()
    base, run = data.baseline, data.run
    signers = "; ".join(f"{o.member} ({o.role}), {moment(o.signed_at)}" for o in base.signoffs)
    how = "collected from the Docker Engine again" if data.collected else "stored evidence"
    how += ", online sources asked" if data.online else ", imported data only"
    held = (
        f"{plural(base.images, 'image')}, {plural(base.packages, 'package')}, "
        f"{plural(base.workloads, 'container or service', 'containers and services')}, "
        f"{plural(base.findings, 'finding')}, "
        f"{plural(base.vulnerabilities, 'vulnerability', 'vulnerabilities')}"
    )
    facts = [
        ("Monitor run", f"#{run.id} at {moment(run.at)} by {run.by} ({how})"),
        ("Baseline", f"#{base.id}, frozen {moment(base.frozen_at)} at the final sign-off"),
        ("Signed off by", signers or "–"),
        ("What was signed", held),
        ("Baseline SHA-256", base.sha256),
        ("Journal head then", base.journal_head),
        ("Data the run used", "\n".join(data.data_used)),
    ]
    return [
        Mark("h:0", "Summary", 0),
        p("PCI DSS monitoring · what changed since sign-off", s.subtitle),
        gap(2 * mm),
        Paragraph(markup(data.audit, s.title.fontName), s.title),
        gap(1 * mm),
        p(data.entity or " ", s.subtitle),
        gap(6 * mm),
        _status_band(data),
        gap(5 * mm),
        kv_table(facts, 0.2, mono=("Baseline SHA-256", "Journal head then")),
        gap(5 * mm),
        subhead("At a glance"),
        _glance(data),
    ]


def _status_band(data: DeltaData) -> Table:
    s = styles()
    word = ParagraphStyle("status", parent=s.body, fontName=SANS_BOLD, fontSize=17, leading=21)
    big = Paragraph(f'<font color="white">{data.status_label}</font>', word)
    text = Paragraph(f'<font color="white">{markup(headline(data))}</font>', s.body)
    band = Table([[big, text]], colWidths=[0.36 * FRAME_WIDTH, 0.64 * FRAME_WIDTH])
    band.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BACKGROUND", (0, 0), (-1, -1), status_colour(data.run.status)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return band


def _glance(data: DeltaData) -> Flowable:
    rows: list[list[str | Flowable]] = []
    totals: Counter[str] = Counter()
    for group, changes in _groups(data.changes):
        counts = Counter(c.severity if c.severity in SEVERITIES else "other" for c in changes)
        totals.update(counts)
        new = sum(1 for c in changes if c.new_since_last_run)
        totals["new"] += new
        rows.append(
            [group, *(_count(counts[v]) for v in (*SEVERITIES, "other")), str(len(changes)),
             _count(new)]
        )  # fmt: skip
    if rows:
        rows.append(
            ["All changes", *(_count(totals[v]) for v in (*SEVERITIES, "other")),
             str(len(data.changes)), _count(totals["new"])]
        )  # fmt: skip
    header = ["Kind of change", "Critical", "High", "Medium", "Low", "Other", "All", "New"]
    marks = [
        ("LINEBELOW", (i + 1, 0), (i + 1, 0), 3, SEVERITY_COLOURS[v])
        for i, v in enumerate(SEVERITIES)
    ]
    return table(
        header,
        rows,
        [0.4, 0.085, 0.085, 0.085, 0.085, 0.085, 0.075, 0.1],
        extra=[*marks, ("LINEABOVE", (0, -1), (-1, -1), 1, INK)] if rows else (),
        empty="Nothing changed since the sign-off baseline.",
    )


def _count(value: int) -> str:
    return str(value) if value else "–"


def _changes(data: DeltaData) -> list[Flowable]:
    story: list[Flowable] = [gap(10), Heading("1", "What changed since sign-off", 0, toc=False)]
    if not data.changes:
        story.append(p("The run found no change from the signed-off baseline."))
        return story
    story.append(
        note(
            "Grouped by kind, the most urgent first, then by severity. KEV: listed in CISA's "
            "Known Exploited Vulnerabilities catalogue. New: the previous run did not find it."
        )
    )
    for number, (group, changes) in enumerate(_groups(data.changes), start=1):
        story += [
            Heading(f"1.{number}", f"{group} ({len(changes)})", 1, toc=False),
            table(
                ["Severity", "About", "What changed", "Marks"],
                [
                    [
                        coloured(c.severity, SEVERITY_COLOURS.get(c.severity)),
                        c.subject or "–",
                        c.title,
                        _marks(c),
                    ]
                    for c in changes
                ],
                [0.1, 0.2, 0.6, 0.1],
            ),
        ]
    return story


def _marks(change: DeltaChange) -> str:
    return "\n".join(
        word for word, on in (("KEV", change.known_exploited), ("new", change.new_since_last_run))
        if on
    ) or "–"  # fmt: skip


def _groups(changes: tuple[DeltaChange, ...]) -> list[tuple[str, list[DeltaChange]]]:
    """The changes come grouped and ordered from the monitor; kept in that order."""
    return [(group, list(found)) for group, found in groupby(changes, key=lambda c: c.group)]


def _problems(data: DeltaData) -> list[Flowable]:
    if not data.problems:
        return []
    return [
        gap(10),
        Heading("2", "What the run could not check", 0, toc=False),
        note(
            "Each reason below means part of the picture is the one stored before the run; "
            "fix it and run `auditapp monitor` again."
        ),
        table(["Reason"], [[problem] for problem in data.problems], [1.0]),
    ]


def _trend(data: DeltaData) -> list[Flowable]:
    number = "3" if data.problems else "2"
    return [
        gap(10),
        Heading(number, "Trend since sign-off", 0, toc=False),
        subhead(f"New risk per week, the last {len(data.trend)} weeks"),
        trend_chart(data.trend),
        gap(4),
        subhead(f"Runs since sign-off, newest first (up to {len(data.history)})"),
        table(
            ["Run", "At", "By", "Result", "Changes", "New", "Worst", "KEV"],
            [_run_row(r) for r in data.history],
            [0.07, 0.2, 0.19, 0.15, 0.1, 0.08, 0.12, 0.09],
        ),
    ]


def _run_row(run: DeltaRun) -> list[str | Flowable]:
    result = RESULT_WORDS.get(run.status, str(run.status))
    if run.problems:
        result += f"\n({plural(run.problems, 'reason')})"
    worst: str | Flowable = (
        coloured(run.worst, SEVERITY_COLOURS.get(run.worst)) if run.worst else "–"
    )
    return [
        f"#{run.id}",
        moment(run.at),
        run.by,
        result,
        str(run.changes),
        _count(run.new),
        worst,
        _count(run.known_exploited),
    ]


def _reading() -> list[Flowable]:
    return [
        gap(8),
        subhead("How to read this report"),
        note(
            "The baseline is what the officer and the auditor signed: the inventory per image "
            "digest, findings and their dispositions, runtime profiles, declared and observed "
            "flows and the vulnerability data, frozen at the final sign-off and guarded by its "
            "SHA-256. Each monitor run compares the audit as it stands with it; a change stays "
            "listed in every run until it is resolved. This report reproduces one stored run: "
            "`auditapp monitor --history` lists them all."
        ),
    ]
