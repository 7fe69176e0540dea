"""Section 1, the cover; the table of contents; section 2, attestation and sign-offs (after
the ROC's 1.9 Attestation Signatures)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from auditapp.report.model import MARKING, ReportData
from auditapp.report.pdf.blocks import Heading, Mark, gap, kv_table, note, p, para, table
from auditapp.report.pdf.fonts import markup
from auditapp.report.pdf.styles import (
    DRAFT_COLOUR,
    FINAL_COLOUR,
    FRAME_WIDTH,
    HEAD_FILL,
    TABLE_FONT,
    styles,
)
from auditapp.report.pdf.words import day, moment


def cover(data: ReportData, fingerprint: str) -> list[Flowable]:
    audit = data.audit
    s = styles()
    status = data.status_label
    period = f"{day(audit.period_start)} to {day(audit.period_end)}"
    if audit.period_start is None:
        period = "no evidence or answers yet"
    facts = [
        ("Assessed entity", audit.entity or "–"),
        ("Audit", audit.name),
        ("Description", audit.description or "–"),
        ("Assessment period", period),
        ("Printed as of", moment(audit.as_of)),
        ("Checklist", f"{audit.checklist_title}, version {audit.checklist_version}"),
        ("Standards", f"PCI DSS v{audit.pci_dss_version}; {audit.cis_benchmark}"),
        ("Status", f"{status}: {_status_reason(data)}"),
        ("Package fingerprint", fingerprint),
        ("Journal chain head", f"{audit.journal_head}\n({audit.journal_entries} journal entries)"),
    ]
    return [
        Mark("h:1", "1 Cover", 0),
        gap(18 * mm),
        p(f"PCI DSS v{audit.pci_dss_version} · pre-assessment evidence package", s.subtitle),
        gap(4 * mm),
        Paragraph(markup(audit.name, s.title.fontName), s.title),
        gap(2 * mm),
        p(audit.entity, s.subtitle),
        gap(10 * mm),
        _status_band(status, _status_reason(data)),
        gap(8 * mm),
        kv_table(facts, 0.26, mono=("Package fingerprint", "Journal chain head")),
        gap(4 * mm),
        note(
            "The package fingerprint is the SHA-256 of the evidence manifest: every file attached "
            "to this PDF is listed there with its own SHA-256. `auditapp verify` checks them."
        ),
        gap(10 * mm),
        _marking_box(),
        PageBreak(),
    ]


def _status_reason(data: ReportData) -> str:
    if data.audit.draft_forced:
        return "exported as a draft on request"
    if data.status_label == "FINAL":
        return "an officer and an auditor have signed off"
    missing = " and ".join(data.missing_signoffs) or "a sign-off"
    return f"DRAFT until both an officer and an auditor have signed off (missing: {missing})"


def _status_band(status: str, reason: str) -> Table:
    colour = FINAL_COLOUR if status == "FINAL" else DRAFT_COLOUR
    s = styles()
    big = Paragraph(f'<font color="white" size="20"><b>{status}</b></font>', s.body)
    text = Paragraph(
        f'<font color="white">{markup(reason[:1].upper() + reason[1:])}</font>', s.body
    )
    t = Table([[big, text]], colWidths=[40 * mm, FRAME_WIDTH - 40 * mm], rowHeights=[14 * mm])
    t.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BACKGROUND", (0, 0), (-1, -1), colour),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    return t


def _marking_box() -> Table:
    s = styles()
    body = [
        Paragraph(f"<b>{markup(MARKING)}</b>", s.body),
        gap(3),
        p(
            "The assessed entity prepared this package with auditapp to help its Qualified "
            "Security Assessor. It follows the layout of the PCI DSS v4.x ROC template so that "
            "an assessor finds things where they expect them, but only a QSA can issue a Report "
            "on Compliance or an Attestation of Compliance, on PCI SSC's own templates. "
            "Statuses here are the entity's self-assessment and are headed Finding as in the ROC.",
            s.small,
        ),
    ]
    t = Table([[body]], colWidths=[FRAME_WIDTH])
    t.setStyle(
        TableStyle(
            [
                TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), 1.2, HEAD_FILL),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return t


class Contents(TableOfContents):  # type: ignore[misc]
    """The table of contents, told beforehand which entries will come.

    An empty contents on the first pass would be shorter than the real one, shifting every
    page after it and costing a third pass; laid out with the expected entries (and a wide
    page number) the first pass already has the final layout.
    """

    def expect(self, story: list[Flowable]) -> None:
        expected = [
            (e.level, markup(e.title), 888, e.key)
            for e in (getattr(f, "outline_entry", None) for f in story)
            if e is not None and e.toc
        ]
        self._entries = expected


def contents() -> list[Flowable]:
    s = styles()
    toc = Contents(dotsMinLevel=0)
    toc.levelStyles = [s.toc0, s.toc1]
    # The default cell padding would push a long contents onto a second page.
    toc.tableStyle = TableStyle(
        [
            TABLE_FONT,
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return [
        Mark("h:contents", "Contents", 0, toc=False),
        Paragraph("Contents", s.h0),
        toc,
        PageBreak(),
    ]


def attestation(data: ReportData) -> list[Flowable]:
    story: list[Flowable] = [
        Heading("2", "Attestation and sign-offs", 0),
        *para(
            "A sign-off records that a member of the audit team confirms the package as it "
            "stood at that moment: the journal chain head at signing ties the statement to the "
            "exact audit state. The package is FINAL once an officer and an auditor have both "
            "signed; until then every page is marked DRAFT."
        ),
        Heading("2.1", "Audit team", 1),
        table(
            ["Member", "Role"],
            [[m.name, m.role] for m in sorted(data.members, key=lambda m: (m.role, m.name))],
            [0.6, 0.4],
            empty="No members recorded.",
        ),
        Heading("2.2", "Sign-offs", 1),
        table(
            ["Member", "Role", "Signed", "Statement", "Journal head at signing"],
            [
                [s.member, s.role, moment(s.signed_at), s.statement, s.journal_head]
                for s in sorted(data.signoffs, key=lambda s: (s.signed_at, s.member))
            ],
            [0.18, 0.1, 0.15, 0.35, 0.22],
            mono=(4,),
            empty="Nobody has signed off yet.",
        ),
        Heading("2.3", "Missing sign-offs", 1),
    ]
    if data.missing_signoffs:
        roles = ", ".join(data.missing_signoffs)
        story.append(p(f"Still to sign: {roles}. Until they have, the package is DRAFT."))
    else:
        story.append(p("None: an officer and an auditor have signed off."))
    if data.audit.draft_forced:
        story.append(note("This copy was exported with --draft and is marked DRAFT regardless."))
    story.append(PageBreak())
    return story
