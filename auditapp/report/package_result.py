"""What an export wrote: its own light module, because the window reads it (from the export's
process) without loading the report stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackageResult:
    fingerprint: str
    status: str  # DRAFT or FINAL, as printed on every page
    pages: int
    pdf: Path
    bytes: int  # of the PDF
    files: int  # companion files attached (besides the manifest)
    bundle: Path | None = None
    bundle_bytes: int = 0
    blobs: int = 0  # evidence blobs in the bundle
