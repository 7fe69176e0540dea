"""Java archives (jar, war, ear and Jenkins plugins): Maven coordinates from pom.properties and
MANIFEST.MF, including archives nested inside archives, read in memory under hard caps."""

from __future__ import annotations

import functools
import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from packageurl import PackageURL

from auditapp.catalog.interface import (
    CatalogResult,
    ImageFiles,
    OsRelease,
    Package,
    PathInterest,
    ReadPlan,
    Skipped,
)

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi")
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_ATTRIBUTE = 4096  # characters kept of one manifest value
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
               NotImplementedError, RuntimeError, ValueError, struct.error)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    """Caps on reading one top-level archive and everything nested in it."""

    max_depth: int = 8
    max_archives: int = 4_000
    max_bytes: int = 512 * 1024 * 1024  # uncompressed bytes read, all entries together
    max_metadata_bytes: int = 1024 * 1024  # one MANIFEST.MF or pom.properties
    max_entries: int = 250_000  # zipfile keeps an object per entry: bound them before opening


@dataclass
class _Budget:
    """What reading one top-level file may still spend; shared by all archives inside it."""

    limits: Limits
    archives: int = 0
    entries: int = 0
    byte_budget: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.archives = self.limits.max_archives - 1  # the top-level archive itself
        self.entries, self.byte_budget = self.limits.max_entries, self.limits.max_bytes

    def problem(self, path: str, reason: str) -> None:
        self.problems.append({"path": path, "reason": reason})

    def read(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, parent: str
    ) -> bytes | None:
        """An entry's content, or None (and a problem) when it is over `cap` or the budget."""
        limit = min(cap, self.byte_budget)
        where = _join(parent, info.filename)
        if info.file_size > limit:
            self.problem(where, f"{info.file_size} bytes, over the cap of {limit}: not read")
            return None
        try:
            with archive.open(info) as stream:
                data = stream.read(limit + 1)
        except _ZIP_ERRORS as error:
            self.problem(where, f"unreadable entry: {error.__class__.__name__}: {error}")
            return None
        self.byte_budget -= len(data)
        if len(data) > limit:  # the declared size lied: an overlapping entry or a bomb
            self.problem(where, f"inflates past the cap of {limit} bytes: not read")
            return None
        return data


def declared_entries(data: bytes) -> int:
    """Entries the central directory declares, read before zipfile builds one object for each."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise ValueError("not a zip archive (no end of central directory record)")
    (count,) = struct.unpack_from("<H", data, at + 10)
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        (end64,) = struct.unpack_from("<Q", data, locator + 8)
        if end64 + 40 <= len(data) and data[end64 : end64 + 4] == b"PK\x06\x06":
            (count,) = struct.unpack_from("<Q", data, end64 + 32)
    return int(count)


def _open(data: bytes, budget: _Budget) -> zipfile.ZipFile:
    count = declared_entries(data)
    if count > budget.entries:
        raise ValueError(f"{count} zip entries, over the cap of {budget.entries}")
    budget.entries -= count
    return zipfile.ZipFile(io.BytesIO(data))


def parse_manifest(data: bytes) -> dict[str, str]:
    """Main attributes of a MANIFEST.MF: the section before the first blank line."""
    attributes: dict[str, str] = {}
    name = ""
    for line in data.decode("utf-8", "replace").splitlines():
        if not line:
            break
        if line.startswith(" ") and name:
            attributes[name] = (attributes[name] + line[1:])[:MAX_ATTRIBUTE]
            continue
        name, colon, value = line.partition(":")
        if not colon:
            name = ""
            continue
        name = name.strip()[:200]
        attributes[name] = value.strip()[:MAX_ATTRIBUTE]
    return attributes


def parse_properties(data: bytes) -> dict[str, str]:
    """The simple `key=value` lines Maven writes to pom.properties."""
    properties: dict[str, str] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        match = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)", line)
        if match and line[0] not in "#!":
            properties[match[1]] = match[2].strip()[:MAX_ATTRIBUTE]
    return properties


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _is_pom(name: str) -> bool:
    return name.startswith("META-INF/maven/") and name.endswith("/pom.properties")


def _join(outer: str, inner: str) -> str:
    """`inner` as seen from the image: app.war!WEB-INF/lib/x.jar."""
    return f"{outer}!{inner}" if outer and inner else outer or inner


def _read_archive(
    data: bytes, path: str, depth: int, budget: _Budget
) -> tuple[dict[str, Any], list[tuple[str, bytes, int]]]:
    """What one archive says about itself, and the archives nested in it (read, not opened)."""
    record: dict[str, Any] = {"path": path, "manifest": {}, "poms": []}
    nested: list[tuple[str, bytes, int]] = []
    with _open(data, budget) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            if name.upper() == "META-INF/MANIFEST.MF" and not record["manifest"]:
                content = budget.read(archive, info, budget.limits.max_metadata_bytes, path)
                record["manifest"] = parse_manifest(content) if content else {}
            elif _is_pom(name):
                content = budget.read(archive, info, budget.limits.max_metadata_bytes, path)
                if content is not None:
                    record["poms"].append({"path": name} | parse_properties(content))
            elif _is_archive(name):
                child = _join(path, name)
                if depth + 1 > budget.limits.max_depth:
                    limit = budget.limits.max_depth
                    budget.problem(child, f"nested more than {limit} archives deep: not read")
                elif budget.archives <= 0:
                    limit = budget.limits.max_archives
                    budget.problem(child, f"over the cap of {limit} archives: not read")
                elif (content := budget.read(archive, info, budget.byte_budget, path)) is not None:
                    budget.archives -= 1
                    nested.append((child, content, depth + 1))
    return record, nested


def read_archives(data: bytes, limits: Limits = Limits()) -> dict[str, Any]:
    """Every archive in a top-level one, depth first and without recursion; ValueError when the
    top-level file is not a readable zip, a problem record for a bad nested one."""
    budget = _Budget(limits)
    records: list[dict[str, Any]] = []
    pending: list[tuple[str, bytes, int]] = [("", data, 0)]
    while pending:
        path, content, depth = pending.pop()
        try:
            record, nested = _read_archive(content, path, depth, budget)
        except _ZIP_ERRORS as error:
            if not path:
                raise ValueError(f"cannot read as a zip archive: {error}") from error
            budget.problem(path, f"cannot read as a zip archive: {error}")
            continue
        records.append(record)
        pending.extend(reversed(nested))
    return {"archives": records, "problems": budget.problems}


def extract_archives(data: bytes, limits: Limits = Limits()) -> bytes:
    """The `ReadPlan.transform`: a Java archive to compact JSON of what its archives declare."""
    try:
        found = read_archives(data, limits)
    except ValueError:
        raise
    except Exception as error:  # a transform may only raise ValueError (ReadPlan contract)
        raise ValueError(f"unreadable archive: {error.__class__.__name__}: {error}") from error
    return json.dumps(found, separators=(",", ":"), sort_keys=True).encode()


class JavaArchiveCataloger:
    """Maven artifacts in jar/war/ear files, and in the archives packed inside them."""

    name = "java"
    interest = PathInterest(suffixes=ARCHIVE_SUFFIXES)

    def __init__(self, limits: Limits = Limits()) -> None:
        transform = functools.partial(extract_archives, limits=limits)
        # No magic: a .jar that is not a zip must be reported, and a jar with a launch script
        # in front of the zip (Spring Boot "executable" jars) is still a readable zip.
        self._plan = ReadPlan(max_bytes=MAX_ARCHIVE_BYTES, transform=transform)

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return self._plan if _is_archive(path) else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        incomplete = False
        for file in files.planned():
            if not _is_archive(file.path):
                continue  # planned by another cataloger
            problem = files.unreadable(file.path)
            content = files.read(file.path) if problem is None else None
            if problem is not None or content is None:
                reason = problem or "content not available"
                skipped.append(Skipped(self.name, file.path, f"unreadable: {reason}"))
                continue
            found: list[Package] = []
            skips: list[Skipped] = []
            try:
                summary = json.loads(content)
                for record in summary["archives"]:
                    _archive_packages(record, file.path, file.layer, found, skips)
                for item in summary["problems"]:
                    skips.append(Skipped(self.name, _join(file.path, item["path"]), item["reason"]))
            except Exception as error:  # one bad file never stops the others
                reason = f"unparsed archive summary: {error.__class__.__name__}: {error}"
                skipped.append(Skipped(self.name, file.path, reason))
                continue
            packages += found
            skipped += skips
            incomplete = incomplete or bool(summary["problems"])
        return CatalogResult(tuple(packages), tuple(skipped), incomplete=incomplete)


def _archive_packages(
    record: dict[str, Any], image_path: str, layer: str, out: list[Package], skipped: list[Skipped]
) -> None:
    path = _join(image_path, record["path"])
    manifest: dict[str, str] = record["manifest"]
    licenses = _licenses(manifest.get("Bundle-License", ""))
    poms: list[dict[str, str]] = record["poms"]
    for pom in poms:
        parts = pom["path"].split("/")
        group = pom.get("groupId") or (parts[2] if len(parts) == 5 else "")
        artifact = pom.get("artifactId") or (parts[3] if len(parts) == 5 else "")
        version = pom.get("version", "")
        if not (group and artifact and version):
            reason = f"{pom['path']} lacks groupId, artifactId or version"
            skipped.append(Skipped("java", path, reason))
            continue
        own = licenses if len(poms) == 1 else ()
        out.append(_package(group, artifact, version, path, layer, own))
    if poms:
        return
    version = manifest.get("Implementation-Version") or manifest.get("Bundle-Version", "")
    if not version:
        skipped.append(Skipped("java", path, "no version in manifest or pom.properties"))
        return
    artifact = artifact_from_file_name(path.rsplit("!", 1)[-1], version)
    out.append(_package("", artifact, version, path, layer, licenses))


def artifact_from_file_name(path: str, version: str = "") -> str:
    """commons-lang3-3.12.0.jar -> commons-lang3: the artifactId Maven would have used."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if version and stem.endswith(f"-{version}"):
        return stem[: -len(version) - 1]
    return re.split(r"-(?=\d)", stem, maxsplit=1)[0] or stem


def _licenses(value: str) -> tuple[str, ...]:
    """Bundle-License: comma-separated names or URLs, each with optional ;attributes."""
    return tuple(
        name for part in value.split(",") if (name := part.split(";", 1)[0].strip().strip('"'))
    )


def _package(
    group: str, artifact: str, version: str, path: str, layer: str, licenses: tuple[str, ...]
) -> Package:
    purl = PackageURL(type="maven", namespace=group or None, name=artifact, version=version)
    name = f"{group}:{artifact}" if group else artifact
    return Package("maven", name, version, purl.to_string(), path, layer, licenses)
