"""`render_pdf`: the audit package's PDF, laid out after the PCI DSS v4.x ROC template, from a
`ReportData` alone, byte for byte the same for the same data."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from reportlab.platypus import Flowable

from auditapp.report.model import ReportData
from auditapp.report.pdf.appendix import appendix
from auditapp.report.pdf.checklist import checklist_parts
from auditapp.report.pdf.cover import Contents, attestation, contents, cover
from auditapp.report.pdf.dependencies import dependencies
from auditapp.report.pdf.fonts import register_fonts
from auditapp.report.pdf.network import network
from auditapp.report.pdf.page import PackageDocument
from auditapp.report.pdf.register import register
from auditapp.report.pdf.scope import scope
from auditapp.report.pdf.summary import executive_summary
from auditapp.report.pdf.threats import threat_model


def story(data: ReportData, fingerprint: str) -> list[Flowable]:
    """Every flowable of the document, section after section."""
    parts: list[Callable[[ReportData], list[Flowable]]] = [
        attestation,
        executive_summary,
        scope,
        network,
        checklist_parts,
        dependencies,
        threat_model,
        register,
        appendix,
    ]
    flowables = [*cover(data, fingerprint), *contents()]
    for part in parts:
        flowables += part(data)
    for flowable in flowables:
        if isinstance(flowable, Contents):
            flowable.expect(flowables)
    return flowables


def render_pdf(data: ReportData, fingerprint: str) -> bytes:
    """The package PDF. Times come from `data`, never the clock; `fingerprint` is the SHA-256
    of the evidence manifest, printed on the cover and in every footer."""
    register_fonts()
    buffer = BytesIO()
    document = PackageDocument(buffer, data, fingerprint)
    document.multiBuild(story(data, fingerprint))
    if document.drawn_with != document.page:
        # The last pass printed a page count the layout did not keep: lay out once more
        # knowing it (it cannot change again: the footer is outside the frame).
        buffer = BytesIO()
        again = PackageDocument(buffer, data, fingerprint)
        again.known_pages = document.page
        again.multiBuild(story(data, fingerprint))
    return buffer.getvalue()
