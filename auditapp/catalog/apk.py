"""Alpine (and Wolfi) packages from apk's database, lib/apk/db/installed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from auditapp.catalog.interface import (
    CatalogResult,
    FileInfo,
    ImageFiles,
    OsRelease,
    Package,
    PathInterest,
    ReadPlan,
    Skipped,
)
from auditapp.catalog.os_release import distro_purl

INSTALLED_PATH = "lib/apk/db/installed"
MAX_BYTES = 8 * 1024 * 1024
MAX_VALUE = 512
MAX_SKIPS_PER_FILE = 100
# Fields that say what the package is; each appears once per stanza. Others (R:, Z:, a: ...)
# repeat once per file the package owns.
IDENTITY = frozenset("PVALoC")
FIELD_NAMES = {"P": "P: (name)", "V": "V: (version)", "A": "A: (arch)", "o": "o: (origin)"}

_LINE = re.compile(r"[A-Za-z]:")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+\-]*\Z")
_VERSION = re.compile(r"[0-9][A-Za-z0-9._+~\-]*\Z")
_ARCH = re.compile(r"[A-Za-z0-9_\-]+\Z")


@dataclass(frozen=True)
class Stanza:
    line: int
    fields: dict[str, str]  # only IDENTITY fields
    error: str = ""


class BadRecord(ValueError):
    """One stanza that cannot become a Package."""


def parse_stanzas(text: str) -> Iterator[Stanza]:
    """The blank-line separated records of the database. Like apk itself, a line that is not
    `X:value`, or an identity field given twice with different values (two checksums, two
    names: two records run together), makes its record unusable."""
    fields: dict[str, str] = {}
    start, error = 0, ""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if start:
                yield Stanza(start, fields, error)
            fields, start, error = {}, 0, ""
            continue
        start = start or number
        if not _LINE.match(line):
            error = error or f"line {number} is not an 'X:value' line"
            continue
        key, value = line[0], line[2:].strip()
        if key not in IDENTITY:
            continue
        if key in fields and fields[key] != value:
            error = error or f"line {number} repeats {key}: with a different value"
        fields.setdefault(key, value)
    if start:
        yield Stanza(start, fields, error)


def _field(stanza: Stanza, key: str, pattern: re.Pattern[str]) -> str:
    label = FIELD_NAMES.get(key, f"{key}:")
    value = stanza.fields.get(key, "")
    if not value:
        raise BadRecord(f"no {label}")
    if len(value) > MAX_VALUE or not pattern.match(value):
        raise BadRecord(f"{label} {value[:80]!r} is not valid")
    return value


def to_package(stanza: Stanza, info: FileInfo, os_release: OsRelease | None) -> Package:
    if stanza.error:
        raise BadRecord(stanza.error)
    name = _field(stanza, "P", _NAME)
    version = _field(stanza, "V", _VERSION)
    arch = _field(stanza, "A", _ARCH) if "A" in stanza.fields else ""
    origin = _field(stanza, "o", _NAME) if "o" in stanza.fields else name
    license_ = stanza.fields.get("L", "")[:MAX_VALUE]
    purl = distro_purl("apk", "alpine", name, version, arch, os_release)
    return Package(
        ecosystem="apk",
        name=name,
        version=version,
        purl=purl,
        path=info.path,
        layer=info.layer,
        licenses=(license_,) if license_ else (),
        source_name=origin,
        source_version=version,  # an origin (aport) builds all its subpackages at one version
    )


def catalog_file(
    text: str, info: FileInfo, os_release: OsRelease | None
) -> tuple[list[Package], list[Skipped]]:
    packages: list[Package] = []
    skipped: list[Skipped] = []
    bad = 0
    for stanza in parse_stanzas(text):
        try:
            packages.append(to_package(stanza, info, os_release))
        except BadRecord as error:
            bad += 1
            if bad <= MAX_SKIPS_PER_FILE:
                name = stanza.fields.get("P", "")[:80] or "no name"
                reason = f"record at line {stanza.line} ({name}): {error}"
                skipped.append(Skipped(ApkCataloger.name, info.path, reason))
    if bad > MAX_SKIPS_PER_FILE:
        more = f"{bad - MAX_SKIPS_PER_FILE} more bad records not listed"
        skipped.append(Skipped(ApkCataloger.name, info.path, more))
    return packages, skipped


class ApkCataloger:
    """The purl namespace is the os-release ID (alpine, wolfi ...), "alpine" when unknown."""

    name = "apk"
    interest = PathInterest(suffixes=(INSTALLED_PATH,))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=MAX_BYTES) if path == INSTALLED_PATH else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        incomplete = False
        for info in files.planned():
            if info.path != INSTALLED_PATH:
                continue
            data = files.read(info.path)
            if data is None:
                reason = files.unreadable(info.path) or "could not be read"
                skipped.append(Skipped(self.name, info.path, f"apk database unreadable: {reason}"))
                incomplete = True
                continue
            found, bad = catalog_file(data.decode("utf-8", errors="replace"), info, os_release)
            packages += found
            skipped += bad
        return CatalogResult(
            packages=tuple(packages), skipped=tuple(skipped), incomplete=incomplete
        )
