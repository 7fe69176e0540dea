"""Python distributions: the core metadata in `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and
`*.egg-info` files, wherever they are (system, site-packages, virtualenvs)."""

from __future__ import annotations

import re
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from packageurl import PackageURL

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

MAX_BYTES = 1024 * 1024
MAX_LICENSE = 200  # a longer License header is the licence text itself, not a name for it
SUFFIXES = (".dist-info/METADATA", ".egg-info/PKG-INFO", ".egg-info")

_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]{0,510}[A-Z0-9])?\Z", re.IGNORECASE)  # PEP 508
_VERSION = re.compile(r"[^\s\x00-\x1f\x7f]{1,256}\Z")
_SEPARATORS = re.compile(r"[-_.]+")


class BadMetadata(ValueError):
    """A metadata file that does not describe a distribution."""


def is_metadata_path(path: str) -> bool:
    return path.endswith(SUFFIXES)


def normalize_name(name: str) -> str:
    """The PEP 503 form used in purls: lower case, runs of -_. become one -."""
    return _SEPARATORS.sub("-", name).lower()


def parse_metadata(data: bytes) -> Message:
    """The RFC 822 header block of a core metadata file. Only that block must be UTF-8: the
    body (the long description) is never read, and old eggs often have Latin-1 there."""
    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte {head[error.start]:#04x} at offset {error.start}"
        raise BadMetadata(f"headers are not UTF-8 ({where})") from None
    return HeaderParser(policy=compat32).parsestr(text.lstrip("\ufeff"), headersonly=True)


def _header(message: Message, key: str) -> str:
    value = message.get(key)
    return str(value).strip() if value is not None else ""


def declared_licenses(message: Message) -> tuple[str, ...]:
    """License-Expression (PEP 639) when given; otherwise a short License header plus the names
    in `License :: ...` classifiers. "UNKNOWN" (old setuptools' placeholder) is not a licence."""
    expression = _header(message, "License-Expression")
    if expression:
        return (expression[:MAX_LICENSE],)
    found: list[str] = []
    license_ = _header(message, "License")
    if license_ and license_ != "UNKNOWN" and len(license_) <= MAX_LICENSE and "\n" not in license_:
        found.append(license_)
    for classifier in message.get_all("Classifier") or []:
        parts = [part.strip() for part in str(classifier).split("::")]
        if len(parts) > 2 and parts[0] == "License" and parts[-1] not in found:
            found.append(parts[-1])
    return tuple(found)


def to_package(message: Message, info: FileInfo) -> Package:
    name, version = _header(message, "Name"), _header(message, "Version")
    if not name:
        raise BadMetadata("no Name header")
    if not version:
        raise BadMetadata(f"no Version header (Name: {name[:80]})")
    if not _NAME.match(name):
        raise BadMetadata(f"Name {name[:80]!r} is not a valid distribution name")
    if not _VERSION.match(version):
        raise BadMetadata(f"Version {version[:80]!r} is not valid")
    purl = PackageURL(type="pypi", name=normalize_name(name), version=version)
    return Package(
        ecosystem="pypi",
        name=name,
        version=version,
        purl=str(purl.to_string()),
        path=info.path,
        layer=info.layer,
        licenses=declared_licenses(message),
    )


class PythonCataloger:
    """One package per metadata file: the same distribution in two environments is two
    packages, each with its own path."""

    name = "python"
    interest = PathInterest(suffixes=SUFFIXES)

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=MAX_BYTES) if is_metadata_path(path) else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        for info in files.planned():
            if not is_metadata_path(info.path):
                continue
            data = files.read(info.path)
            try:
                if data is None:
                    raise BadMetadata(files.unreadable(info.path) or "could not be read")
                packages.append(to_package(parse_metadata(data), info))
            except BadMetadata as error:
                skipped.append(Skipped(self.name, info.path, str(error)))
        return CatalogResult(packages=tuple(packages), skipped=tuple(skipped))
