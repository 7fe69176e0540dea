"""One image's inventory: walk its layers once, then let every cataloger read the merged view."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from auditapp.catalog.imagefs import ImageScanner, ScanLimits
from auditapp.catalog.interface import (
    Cataloger,
    CatalogResult,
    FileInfo,
    ImageFiles,
    OsRelease,
    Package,
    SecretFile,
    Skipped,
)
from auditapp.formats.streams import LayerSource


@dataclass(frozen=True)
class Inventory:
    os_release: OsRelease | None
    packages: tuple[Package, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[str, ...]  # why the inventory is incomplete; empty when complete
    setid_files: tuple[FileInfo, ...]
    secrets: tuple[SecretFile, ...]
    entries: int

    @property
    def complete(self) -> bool:
        return not self.problems

    def per_ecosystem(self) -> Counter[str]:
        return Counter(p.ecosystem for p in self.packages)


def take_inventory(
    layers: Sequence[LayerSource],
    catalogers: Sequence[Cataloger],
    os_detector: Cataloger,
    limits: ScanLimits | None = None,
) -> Inventory:
    """Scan once, detect the OS, run each cataloger; a cataloger that fails is recorded, not
    fatal, and marks the inventory incomplete (never "no packages")."""
    image = ImageScanner([os_detector, *catalogers], limits).scan(layers)
    problems: list[str] = []
    os_release = _run(os_detector, image, None, problems).os_release
    packages: list[Package] = []
    skipped: list[Skipped] = []
    secrets: list[SecretFile] = []
    for cataloger in catalogers:
        result = _run(cataloger, image, os_release, problems)
        packages.extend(result.packages)
        skipped.extend(result.skipped)
        secrets.extend(result.secrets)
        if result.incomplete:
            reasons = "; ".join(s.reason for s in result.skipped) or "see skipped records"
            problems.append(f"{cataloger.name}: {reasons}")
    everything = [os_detector, *catalogers]
    for link in image.dangling_links(
        lambda path: any(c.plan(path, 0, 0o644) is not None for c in everything)
    ):
        problems.append(f"{link} is a link to a file that is not in the image; not read")
    skipped.extend(Skipped("image", "", note) for note in image.notes)
    return Inventory(
        os_release=os_release,
        packages=tuple(sorted(packages, key=lambda p: (p.ecosystem, p.name, p.version, p.path))),
        skipped=tuple(skipped),
        problems=tuple(image.problems + problems),  # read problems, e.g. link loops, too
        setid_files=tuple(image.setid_files()),
        secrets=tuple(secrets),
        entries=image.entries,
    )


def _run(
    cataloger: Cataloger, image: ImageFiles, os_release: OsRelease | None, problems: list[str]
) -> CatalogResult:
    try:
        return cataloger.catalog(image, os_release)
    except Exception as error:  # a cataloger bug must not pass for "no packages"
        problems.append(f"{cataloger.name} failed: {error.__class__.__name__}: {error}")
        return CatalogResult(incomplete=True)
