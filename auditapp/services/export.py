"""Exporting the audit package (the PDF with its companions, and optionally the bundle zip) and
verifying one.

Export is a read: anyone who may read the audit may export it (auditors above all), and it is
not journaled. The package prints the journal's chain head and must come out byte-identical
from the same state; a journal entry per export would change that state with every export.
"""

from __future__ import annotations

from pathlib import Path

from auditapp.progress import Progress
from auditapp.report.package import (
    PackageResult,
    Renderer,
    VerifyReport,
    export_package,
    verify_package,
)
from auditapp.services.workspace import Caller, Workspace

ExportResult = PackageResult


def export(
    ws: Workspace,
    caller: Caller,
    *,
    pdf: Path,
    bundle: Path | None = None,
    draft: bool = False,
    progress: Progress | None = None,
    renderer: Renderer | None = None,
) -> ExportResult:
    """Write the caller's audit as a package PDF at `pdf` (and a bundle zip at `bundle`).
    `renderer` is the PDF renderer; by default auditapp's own."""
    from auditapp.services.report_data import gather
    from auditapp.services.report_parts import evidence_blobs

    if renderer is None:
        from auditapp.report.pdf import render_pdf

        renderer = render_pdf
    if progress is not None:
        progress.start("reading the audit")
    data = gather(ws, caller, draft=draft)
    return export_package(
        data,
        pdf=pdf,
        renderer=renderer,
        bundle=bundle,
        blobs=evidence_blobs(ws, caller) if bundle is not None else (),
        progress=progress,
    )


def verify(path: Path) -> VerifyReport:
    """Is `path` an intact package PDF or bundle? Needs no database."""
    return verify_package(path)
