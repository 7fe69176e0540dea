"""Debian packages from dpkg's database: var/lib/dpkg/status, and distroless images' one
stanza per file under var/lib/dpkg/status.d/."""

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

STATUS_PATH = "var/lib/dpkg/status"
STATUS_DIR = "var/lib/dpkg/status.d/"
MAX_BYTES = 8 * 1024 * 1024
MAX_VALUE = 512  # longest Package/Version/Architecture/Source/Status value we accept
MAX_SKIPS_PER_FILE = 100  # a file of a million bad stanzas is one summary, not a million rows
# States in which all of a package's files are on disk. "config-files", "half-installed" and
# "not-installed" packages are not counted (and are not errors either).
INSTALLED_STATES = frozenset(
    {"installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending"}
)
WANTED = frozenset({"package", "version", "architecture", "source", "status"})

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+.\-]*\Z")
_ARCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*\Z")
_SOURCE = re.compile(r"(\S+)(?:[ \t]+\(([^()\s]+)\))?\Z")
_UPSTREAM = re.compile(r"[0-9][A-Za-z0-9.+~:\-]*\Z")
_REVISION = re.compile(r"[A-Za-z0-9.+~]+\Z")


@dataclass(frozen=True)
class Stanza:
    line: int  # where it starts, 1-based
    fields: dict[str, str]  # lower-case field name -> value, only the fields in WANTED
    error: str = ""


class BadRecord(ValueError):
    """One stanza that cannot become a Package."""


def parse_stanzas(text: str) -> Iterator[Stanza]:
    """The paragraphs of a deb822 file. CRLF and a missing final newline are fine; a line that is
    neither `Field: value` nor a continuation, or a repeated field, marks its stanza bad."""
    fields: dict[str, str] = {}
    start, error, current = 0, "", ""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if start:
                yield Stanza(start, fields, error)
            fields, start, error, current = {}, 0, "", ""
            continue
        start = start or number
        if line[0] in " \t":
            # A continuation of a field we keep (never legitimate there); it is refused as too
            # long later, so stop growing it (a million continuations would be quadratic).
            if current in fields and len(fields[current]) <= MAX_VALUE:
                fields[current] += "\n" + line.strip()
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or not key or " " in key:
            error = error or f"line {number} is not a 'Field: value' line"
            current = ""
            continue
        current = key if key in WANTED else ""
        if current in fields:
            error = error or f"line {number} repeats the {key.capitalize()} field"
        elif current:
            fields[current] = value.strip()
    if start:
        yield Stanza(start, fields, error)


def check_version(version: str) -> str:
    """`version` if dpkg would accept it ([epoch:]upstream[-revision]); BadRecord otherwise."""
    epoch, colon, rest = version.partition(":")
    if not colon:
        epoch, rest = "", version
    elif not epoch.isdigit():
        raise BadRecord(f"version {version!r}: epoch is not a number")
    upstream, hyphen, revision = rest.rpartition("-")
    if not hyphen:
        upstream, revision = rest, ""
    if not _UPSTREAM.match(upstream) or (hyphen and not _REVISION.match(revision)):
        raise BadRecord(f"version {version!r} is not a valid Debian version")
    return version


def _field(stanza: Stanza, key: str, pattern: re.Pattern[str] | None = None) -> str:
    value = stanza.fields.get(key, "")
    if not value:
        raise BadRecord(f"no {key.capitalize()} field")
    if len(value) > MAX_VALUE:
        raise BadRecord(f"{key.capitalize()} field is longer than {MAX_VALUE} characters")
    if pattern is not None and not pattern.match(value):
        raise BadRecord(f"{key.capitalize()} {value[:80]!r} is not valid")
    return value


def is_installed(stanza: Stanza, status_required: bool) -> bool:
    if "status" not in stanza.fields and not status_required:
        return True  # distroless status.d files carry no Status: they list installed packages
    words = _field(stanza, "status").split()
    if len(words) != 3:
        raise BadRecord(f"Status {stanza.fields['status'][:80]!r} is not 'want flag state'")
    return words[2] in INSTALLED_STATES


def to_package(stanza: Stanza, info: FileInfo, os_release: OsRelease | None) -> Package:
    name = _field(stanza, "package", _NAME)
    version = check_version(_field(stanza, "version"))
    arch = _field(stanza, "architecture", _ARCH) if "architecture" in stanza.fields else ""
    source_name, source_version = name, version
    if "source" in stanza.fields:
        match = _SOURCE.match(_field(stanza, "source"))
        if match is None or not _NAME.match(match[1]):
            raise BadRecord(f"Source {stanza.fields['source'][:80]!r} is not 'name [(version)]'")
        source_name = match[1]
        source_version = check_version(match[2]) if match[2] else version
    purl = distro_purl("deb", "debian", name, version, arch, os_release)
    return Package(
        ecosystem="deb",
        name=name,
        version=version,
        purl=purl,
        path=info.path,
        layer=info.layer,
        source_name=source_name,
        source_version=source_version,
    )


def _describe(stanza: Stanza) -> str:
    name = stanza.fields.get("package", "")
    label = f"Package: {name[:80]}" if name else "no Package field"
    return f"stanza at line {stanza.line} ({label})"


def catalog_file(
    text: str, info: FileInfo, os_release: OsRelease | None, status_required: bool
) -> tuple[list[Package], list[Skipped]]:
    packages: list[Package] = []
    skipped: list[Skipped] = []
    bad = 0
    for stanza in parse_stanzas(text):
        try:
            if stanza.error:
                raise BadRecord(stanza.error)
            if is_installed(stanza, status_required):
                packages.append(to_package(stanza, info, os_release))
        except BadRecord as error:
            bad += 1
            if bad <= MAX_SKIPS_PER_FILE:
                skipped.append(
                    Skipped(DpkgCataloger.name, info.path, f"{_describe(stanza)}: {error}")
                )
    if bad > MAX_SKIPS_PER_FILE:
        more = f"{bad - MAX_SKIPS_PER_FILE} more bad stanzas not listed"
        skipped.append(Skipped(DpkgCataloger.name, info.path, more))
    return packages, skipped


def _is_status_d(path: str) -> bool:
    name = path[len(STATUS_DIR) :]
    return path.startswith(STATUS_DIR) and "/" not in name and not name.endswith(".md5sums")


class DpkgCataloger:
    name = "dpkg"
    interest = PathInterest(suffixes=(STATUS_PATH,), prefixes=(STATUS_DIR,))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        if path == STATUS_PATH or _is_status_d(path):
            return ReadPlan(max_bytes=MAX_BYTES)
        return None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        incomplete = False
        for info in files.planned():
            if not (info.path == STATUS_PATH or _is_status_d(info.path)):
                continue
            data = files.read(info.path)
            if data is None:
                reason = files.unreadable(info.path) or "could not be read"
                skipped.append(Skipped(self.name, info.path, f"dpkg database unreadable: {reason}"))
                incomplete = True
                continue
            text = data.decode("utf-8", errors="replace")
            found, bad = catalog_file(text, info, os_release, info.path == STATUS_PATH)
            packages += found
            skipped += bad
        return CatalogResult(
            packages=tuple(packages), skipped=tuple(skipped), incomplete=incomplete
        )
