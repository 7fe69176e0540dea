"""What is inside each image: the image filesystem and one cataloger per ecosystem."""

from auditapp.catalog.interface import (
    Cataloger,
    CatalogResult,
    FileInfo,
    ImageFiles,
    OsRelease,
    Package,
    ReadPlan,
    Skipped,
)

__all__ = [
    "CatalogResult",
    "Cataloger",
    "FileInfo",
    "ImageFiles",
    "OsRelease",
    "Package",
    "ReadPlan",
    "Skipped",
]
