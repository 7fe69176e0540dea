"""The audit package around the PDF: the manifest and fingerprint of the companion files, the
companions attached inside the PDF, the bundle zip, atomic export, and `verify`.

One module per job (package_manifest, package_pdf, package_bundle, package_export,
package_verify, package_verify_bundle); this one is the face the services import.
"""

from __future__ import annotations

from auditapp.report.package_atomic import atomic_output
from auditapp.report.package_bundle import BundleSummary, write_bundle
from auditapp.report.package_export import Renderer, export_package
from auditapp.report.package_manifest import (
    BUNDLE_MANIFEST_NAME,
    MANIFEST_NAME,
    Manifest,
    ManifestFile,
    PackageError,
    build_manifest,
)
from auditapp.report.package_pdf import attach
from auditapp.report.package_result import PackageResult
from auditapp.report.package_verify import Check, Outcome, VerifyReport, verify_package
from auditapp.report.package_verify_bundle import ZipLimits, verify_bundle

__all__ = [
    "BUNDLE_MANIFEST_NAME",
    "MANIFEST_NAME",
    "BundleSummary",
    "Check",
    "Manifest",
    "ManifestFile",
    "Outcome",
    "PackageError",
    "PackageResult",
    "Renderer",
    "VerifyReport",
    "ZipLimits",
    "atomic_output",
    "attach",
    "build_manifest",
    "export_package",
    "verify_bundle",
    "verify_package",
    "write_bundle",
]
