"""One export, from `ReportData` to files on disk: the manifest and fingerprint, the rendered
PDF with its companions attached, and the optional bundle. Both files are written to temporary
files first and renamed into place only when both are complete, so a failure anywhere leaves
the previous export untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from auditapp.progress import NoProgress, Progress, check_cancelled
from auditapp.report.model import ReportData
from auditapp.report.package_atomic import AtomicFile
from auditapp.report.package_bundle import write_bundle_to
from auditapp.report.package_manifest import PackageError, build_manifest
from auditapp.report.package_pdf import attach
from auditapp.report.package_reader import UnreadablePdfError, page_count
from auditapp.report.package_result import PackageResult

Renderer = Callable[[ReportData, str], bytes]  # (data, fingerprint) -> the PDF's bytes


def export_package(
    data: ReportData,
    *,
    pdf: Path,
    renderer: Renderer,
    bundle: Path | None = None,
    blobs: Iterable[tuple[str, bytes]] = (),
    progress: Progress | None = None,
) -> PackageResult:
    """Render, attach and write the package; `blobs` ("<sha256>", bytes) go into the bundle."""
    progress = progress or NoProgress()
    if bundle is not None and Path(bundle).resolve() == Path(pdf).resolve():
        raise PackageError(f"the PDF and the bundle cannot both be {pdf}")
    check_evidence(data)
    manifest = build_manifest(data.companions, as_of=data.audit.as_of)
    progress.start("rendering the PDF")
    rendered = renderer(data, manifest.fingerprint)
    check_cancelled(progress)
    progress.start(f"attaching {len(data.companions)} files")
    pdf_bytes = attach(rendered, manifest, data.companions)
    try:
        pages = page_count(pdf_bytes)
    except UnreadablePdfError as error:
        raise PackageError(f"the rendered PDF cannot be read back: {error}") from error
    check_cancelled(progress)
    with ExitStack() as cleanup:
        outputs: list[AtomicFile] = []
        pdf_out = AtomicFile(Path(pdf))
        cleanup.callback(pdf_out.discard)  # after a commit there is nothing left to discard
        outputs.append(pdf_out)
        summary = None
        bundle_size = 0
        try:
            pdf_out.stream.write(pdf_bytes)
            if bundle is not None:
                bundle_out = AtomicFile(Path(bundle))
                cleanup.callback(bundle_out.discard)
                outputs.append(bundle_out)
                summary = write_bundle_to(
                    bundle_out.stream,
                    pdf_bytes,
                    manifest,
                    data.companions,
                    blobs,
                    pdf_name=Path(pdf).name,
                    progress=progress,
                )
                bundle_size = bundle_out.stream.tell()
        except OSError as error:
            raise PackageError(f"cannot write the package: {error.strerror or error}") from error
        check_cancelled(progress)
        for output in outputs:
            output.commit()
    return PackageResult(
        fingerprint=manifest.fingerprint,
        status=data.status_label,
        pages=pages,
        pdf=Path(pdf),
        bytes=len(pdf_bytes),
        files=len(data.companions),
        bundle=Path(bundle) if bundle is not None else None,
        bundle_bytes=bundle_size,
        blobs=summary.blobs if summary else 0,
    )


def check_evidence(data: ReportData) -> None:
    """Evidence attached as a companion must still be the evidence that was collected: its
    bytes are hashed again here, so a snapshot changed in the database stops the export."""
    companions = {c.name: c for c in data.companions}
    for row in data.evidence:
        companion = companions.get(row.file_name)
        if companion is not None and hashlib.sha256(companion.data).hexdigest() != row.sha256:
            raise PackageError(
                f"evidence {row.ref} ({row.title}) no longer matches the SHA-256 recorded when "
                "it was collected",
                hint="`auditapp journal verify` and `auditapp evidence list` show what changed",
            )
