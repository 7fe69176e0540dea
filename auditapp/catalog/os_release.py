"""Which distribution an image is built on, from os-release(5), and the purl (with its `distro`
qualifier) the OS package catalogers derive from it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from packageurl import PackageURL

from auditapp.catalog.interface import (
    CatalogResult,
    ImageFiles,
    OsRelease,
    PathInterest,
    ReadPlan,
    Skipped,
)

ETC_PATH = "etc/os-release"
LIB_PATH = "usr/lib/os-release"
# A real os-release is a few hundred bytes; the cap only keeps a hostile one small.
MAX_BYTES = 64 * 1024

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Inside double quotes os-release(5) allows shell escapes of these four characters only.
_ESCAPABLE = '$"\\`'


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value pairs of an os-release file: comments and blank lines ignored, values unquoted
    and unescaped as os-release(5) describes; malformed lines are ignored (the format is
    advisory, and one odd line must not hide the distribution)."""
    fields: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if _KEY.match(key):
            fields[key] = _unquote(value.strip())
    return fields


def _unquote(value: str) -> str:
    if value[:1] == "'":
        end = value.find("'", 1)
        return value[1:end] if end > 0 else value[1:]
    if value[:1] != '"':
        return _unescape(value, closing="")
    return _unescape(value[1:], closing='"')


def _unescape(value: str, closing: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value) and value[index + 1] in _ESCAPABLE:
            out.append(value[index + 1])
            index += 2
            continue
        if closing and char == closing:
            break
        out.append(char)
        index += 1
    return "".join(out)


def os_release_from_text(text: str) -> OsRelease | None:
    """The OsRelease a file describes, or None when it holds no os-release field at all.

    What the file says is kept: distroless images say ID=debian with PRETTY_NAME "Distroless".
    A file without ID gets "linux", the default os-release(5) defines.
    """
    fields = parse_os_release(text)
    known = ("ID", "VERSION_ID", "PRETTY_NAME", "NAME", "VERSION_CODENAME", "ID_LIKE")
    if not any(key in fields for key in known):
        return None
    return OsRelease(
        id=fields.get("ID", "").strip().lower() or "linux",
        version_id=fields.get("VERSION_ID", "").strip(),
        pretty_name=fields.get("PRETTY_NAME", "").strip(),
        version_codename=fields.get("VERSION_CODENAME", "").strip(),
        id_like=tuple(fields.get("ID_LIKE", "").lower().split()),
    )


def detect_os_release(files: ImageFiles) -> OsRelease | None:
    """The image's OsRelease: etc/os-release first (it overrides), then usr/lib/os-release."""
    for path in (ETC_PATH, LIB_PATH):
        data = files.read(path)
        if data is None:
            continue
        found = os_release_from_text(data.decode("utf-8", errors="replace"))
        if found is not None:
            return found
    return None


def distro_qualifier(os_release: OsRelease | None) -> str:
    """The purl `distro` qualifier, e.g. "debian-12"; just the id when the release has no
    VERSION_ID (Debian testing), "" when the distribution is unknown."""
    if os_release is None:
        return ""
    if not os_release.version_id:
        return os_release.id
    return f"{os_release.id}-{os_release.version_id}"


def distro_purl(
    purl_type: str,
    default_namespace: str | None,
    name: str,
    version: str,
    arch: str,
    os_release: OsRelease | None,
    extra_qualifiers: Mapping[str, str] | None = None,
) -> str:
    """The purl of an OS package, e.g. "pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12":
    namespaced by the distribution's id (`default_namespace` when it is unknown), qualified by
    arch, `extra_qualifiers` and distro, leaving out the empty ones."""
    qualifiers = {"arch": arch, **(extra_qualifiers or {}), "distro": distro_qualifier(os_release)}
    purl = PackageURL(
        type=purl_type,
        namespace=os_release.id if os_release else default_namespace,
        name=name,
        version=version,
        qualifiers={key: value for key, value in qualifiers.items() if value},
    )
    return str(purl.to_string())


class OsReleaseCataloger:
    """Finds no packages; tells the other catalogers which distribution they are looking at."""

    name = "os-release"
    interest = PathInterest(suffixes=(ETC_PATH, LIB_PATH))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=MAX_BYTES) if path in (ETC_PATH, LIB_PATH) else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        skipped = tuple(
            Skipped(self.name, path, reason)
            for path in (ETC_PATH, LIB_PATH)
            if (reason := files.unreadable(path)) is not None
        )
        return CatalogResult(os_release=detect_os_release(files), skipped=skipped)
