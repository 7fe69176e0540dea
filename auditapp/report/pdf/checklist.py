"""Section 6, one part per checklist section, laid out like the ROC's Part II: each item with
its status under the heading "Finding", the method used, the PCI DSS and CIS references, the
rationale, the evidence it rests on, and the findings behind it."""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph

from auditapp.report.model import FindingRow, ItemRow, ReportData, SectionRow
from auditapp.report.pdf.blocks import (
    Heading,
    coloured,
    gap,
    joined,
    kv_table,
    note,
    para,
    rich,
    subhead,
    table,
)
from auditapp.report.pdf.fonts import markup
from auditapp.report.pdf.styles import SEVERITY_COLOURS, STATUS_COLOURS, styles
from auditapp.report.pdf.words import (
    STATUS_ORDER,
    day,
    finding_label,
    method_label,
    moment,
    status_label,
)

SECTION = "6"
# A checklist section's title, summary and first item start a page together.
_SECTION_ROOM = 260


def checklist_parts(data: ReportData) -> list[Flowable]:
    findings = {f.id: f for f in data.findings}
    story: list[Flowable] = [
        Heading(SECTION, "Findings and observations per checklist section", 0),
        *para(
            "One part per checklist section, in the manner of the ROC's Part II. Each item shows "
            "the status the team chose (headed Finding, as in the ROC), the method used, the "
            "requirements it maps to, the rationale, and the evidence behind it: SYS-n is "
            "collected system evidence and DOC-n an attached document, both listed in the "
            "appendix (section 10). Findings F-n are the rule results in the register "
            "(section 9)."
        ),
    ]
    if not data.sections:
        story.append(note("The checklist has no sections."))
    for section in data.sections:
        story += _section(section, findings)
    story.append(PageBreak())
    return story


def _section(section: SectionRow, findings: dict[int, FindingRow]) -> list[Flowable]:
    number = f"{SECTION}.{section.number}"
    counts = Counter(i.status for i in section.items)
    tally = "; ".join(f"{status_label(s)} {counts.get(s, 0)}" for s in STATUS_ORDER)
    story: list[Flowable] = [
        CondPageBreak(_SECTION_ROOM),
        Heading(number, section.title, 1),
        *para(section.summary, styles().small),
        rich([("Items: ", True), (f"{len(section.items)}. {tally}.", False)], styles().small),
    ]
    if not section.items:
        story.append(note("This section has no items."))
    for n, item in enumerate(section.items, 1):
        story += _item(f"{number}.{n}", item, findings)
    return story


def _item(number: str, item: ItemRow, findings: dict[int, FindingRow]) -> list[Flowable]:
    story: list[Flowable] = [
        Heading(number, item.question, 2, toc=False, outline=f"{number} {item.key}"),
        _facts(item),
        subhead("Rationale"),
    ]
    if item.rationale.strip():
        story += para(item.rationale)
    else:
        story.append(note("No rationale recorded."))
    if item.suggestion:
        story.append(rich([("Suggested by the rules: ", True), (item.suggestion, False)]))
    behind = [findings[i] for i in item.finding_ids if i in findings]
    if item.finding_ids:
        story += [gap(3), subhead("Findings behind it")]
        story.append(
            table(
                ["Finding", "Severity", "Title", "Component", "Status"],
                [
                    [
                        finding_label(f.id),
                        coloured(f.severity, SEVERITY_COLOURS.get(f.severity)),
                        f.title,
                        f.component or "–",
                        f.status,
                    ]
                    for f in behind
                ],
                [0.1, 0.1, 0.5, 0.15, 0.15],
                empty=f"Findings {', '.join(map(str, item.finding_ids))} are not in the register.",
            )
        )
    for author, role, at, body in item.comments:
        story.append(rich([(f"Comment by {author} ({role}), {moment(at)}: ", True), (body, False)]))
    story.append(gap(8))
    return story


def _facts(item: ItemRow) -> Flowable:
    s = styles()
    colour = STATUS_COLOURS.get(item.status, STATUS_COLOURS[None])
    text_colour = "#1a1a1a" if item.status is None else "white"
    finding = Paragraph(
        f'<font color="{text_colour}"><b>{markup(status_label(item.status))}</b></font>', s.cell
    )
    answered = "not answered yet"
    if item.updated_at is not None or item.updated_by:
        answered = f"{item.updated_by or 'unknown'}, {moment(item.updated_at)}"
    pairs: list[tuple[str, str | Flowable]] = [
        ("Finding", finding),
        ("Method", method_label(item.method)),
        ("PCI DSS", joined(item.pci)),
        ("CIS", joined(item.cis)),
        ("Evidence", joined(item.evidence_refs, "none linked")),
        ("Owner, due", f"{item.owner or 'no owner'}, {day(item.due_date, 'no due date')}"),
        ("Answered", answered),
        ("Item", item.key),
    ]
    facts = kv_table(
        pairs, 0.13, per_row=2, extra=[("BACKGROUND", (1, 0), (1, 0), colour)], mono=("Item",)
    )
    facts.keepWithNext = True  # with the start of its rationale, not alone at a page's foot
    return facts
