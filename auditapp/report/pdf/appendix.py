"""Section 10, the appendix: the evidence manifest (the ROC's section 6 evidence tables), short
excerpts of the collected evidence pointing to its attachment, and the methodology."""

from __future__ import annotations

import json

from reportlab.platypus import Flowable, KeepTogether

from auditapp.report.model import Companion, EvidenceRow, ReportData
from auditapp.report.pdf.blocks import (
    Heading,
    excerpt,
    gap,
    joined,
    kv_table,
    note,
    p,
    rich,
    subhead,
    table,
)
from auditapp.report.pdf.summary import data_age
from auditapp.report.pdf.words import moment

EXCERPT_LINES = 6
_TEXT_TYPES = ("application/json", "application/yaml", "application/x-yaml", "application/xml")


def appendix(data: ReportData) -> list[Flowable]:
    return [
        Heading("10", "Appendix", 0),
        Heading("10.1", "Evidence manifest", 1),
        p(
            "Every piece of evidence the package rests on. SYS-n: system evidence auditapp "
            "collected; DOC-n: documents people attached. The SHA-256 identifies the exact "
            "content; the snapshots are attached to this PDF under the names given."
        ),
        _manifest(data),
        Heading("10.2", "Evidence excerpts", 1),
        *_excerpts(data),
        Heading("10.3", "Methodology", 1),
        *_methodology(data),
        Heading("10.4", "Rule catalogue", 1),
        table(
            ["Rule", "Title", "Severity", "PCI DSS", "CIS Docker"],
            [
                [r.id, r.title, r.severity, joined(r.pci), joined(r.cis)]
                for r in sorted(data.methodology.rules, key=lambda r: r.id)
            ],
            [0.3, 0.3, 0.09, 0.15, 0.16],
            mono=(0,),
            empty="No rules are listed.",
        ),
    ]


def _manifest(data: ReportData) -> Flowable:
    return table(
        ["Ref.", "Title", "Kind", "Source", "Collected", "SHA-256 and file"],
        [
            [
                e.ref,
                e.title,
                e.kind,
                e.source,
                f"{e.collected_by}\n{moment(e.collected_at)}",
                f"{e.sha256}\n{e.file_name} ({e.size:,} bytes)",
            ]
            for e in _ordered(data.evidence)
        ],
        [0.08, 0.17, 0.13, 0.16, 0.16, 0.30],
        mono=(5,),
        empty="No evidence has been collected or attached.",
    )


def _ordered(rows: tuple[EvidenceRow, ...]) -> list[EvidenceRow]:
    """SYS before DOC, each by number."""

    def key(e: EvidenceRow) -> tuple[int, str, int]:
        prefix, _, number = e.ref.partition("-")
        return (prefix != "SYS", prefix, int(number) if number.isdigit() else 0)

    return sorted(rows, key=key)


def _excerpts(data: ReportData) -> list[Flowable]:
    attached = {c.name: c for c in data.companions}
    story: list[Flowable] = []
    for e in _ordered(data.evidence):
        companion = attached.get(e.file_name)
        head = rich([(f"{e.ref}  ", True), (e.title, False)])
        if companion is None:
            body: list[Flowable] = [
                note(
                    f"{e.media_type}, {e.size:,} bytes, not embedded in this PDF: the "
                    "SHA-256 in the manifest identifies it."
                )
            ]
        elif _is_text(companion):
            body = excerpt(_readable(companion), companion.name, EXCERPT_LINES)
        else:
            body = [
                note(
                    f"{companion.media_type}, {len(companion.data):,} bytes: complete in "
                    f"the attachment {companion.name}."
                )
            ]
        story.append(KeepTogether([head, *body, gap(4)]))
    return story or [note("No evidence to show.")]


def _readable(c: Companion) -> str:
    """The companion's text; JSON indented, since snapshots are stored on one long line."""
    text = c.data.decode("utf-8", errors="replace")
    if "json" in c.media_type:
        try:
            return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
        except ValueError:
            pass  # shown as it is
    return text


def _is_text(c: Companion) -> bool:
    return (
        c.media_type.startswith("text/")
        or c.media_type in _TEXT_TYPES
        or (c.media_type.endswith("+json"))
    )


def _methodology(data: ReportData) -> list[Flowable]:
    m = data.methodology
    audit = data.audit
    analysed = "not analysed yet"
    if m.analysed_at is not None:
        analysed = f"{moment(m.analysed_at)} by {m.analysed_by or 'unknown'}"
    return [
        p(
            "auditapp collects evidence from the Docker Engine (docker info and docker inspect "
            "of every container, network and volume), from image archives and compose files, "
            "and from people. It catalogues the packages in each image, matches them against "
            "the imported vulnerability data, and runs its rules over the evidence. People "
            "decide each item's status; every change is kept in a hash-chained journal."
        ),
        gap(4),
        kv_table(
            [
                ("auditapp version", m.auditapp_version),
                ("Checklist", f"{m.checklist} ({audit.checklist_title})"),
                ("Standards", f"PCI DSS v{audit.pci_dss_version}; {audit.cis_benchmark}"),
                ("Rule catalogue", m.rule_catalogue),
                ("Last analysis", analysed),
                ("Journal", f"{audit.journal_entries} entries, head {audit.journal_head}"),
            ],
            0.24,
        ),
        gap(6),
        subhead("Vulnerability data snapshot per ecosystem"),
        *data_age(data),
    ]
