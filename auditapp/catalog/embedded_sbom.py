"""Components that CycloneDX SBOMs shipped inside Python distributions declare: pip's list of
the libraries it vendors (`pip/_vendor/bom.cdx.json`) and PEP 770 SBOMs
(`*.dist-info/sboms/*.json`), which name the C libraries and Rust crates built into a wheel.

The distribution itself is found through its dist-info, so the SBOM's `metadata.component`,
components that are parts of it (same purl, or the same bom-ref), and crates built from its own
source tree (a `file:` download_url) are not listed again. Components the SBOM marks
`"scope": "excluded"` are not in the wheel and are not listed either.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

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
from auditapp.catalog.python import normalize_name

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32  # nested `components`; real SBOMs nest two or three levels
MAX_COMPONENTS = 20_000  # components walked in one file; real ones have hundreds
MAX_SKIPS_PER_FILE = 100
MAX_PURL = 2048
MAX_KEY = 300  # a bom-ref shown in a path is cut here
MAX_LICENSE = 200
MAX_LICENSES = 20
PIP_VENDOR_SBOM = "/pip/_vendor/bom.cdx.json"

_VERSION = re.compile(r"[^\s\x00-\x1f\x7f]{1,256}\Z")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,256}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Purl types whose namespace is part of the package's name as its ecosystem spells it
# (deb/rpm/apk namespaces are the distribution, not part of the name).
_SLASH_NAMESPACED = frozenset({"npm", "golang", "composer", "github", "gitlab", "bitbucket"})


Identity = tuple[str, str, str, str]  # purl type, namespace, name, version


class BadSbom(ValueError):
    """A file that cannot be read as a CycloneDX SBOM at all."""


class BadComponent(ValueError):
    """One component that cannot become a Package."""


def is_sbom_path(path: str) -> bool:
    """pip's vendored-library SBOM, or a JSON file directly in a dist-info `sboms/` folder."""
    if path.endswith(PIP_VENDOR_SBOM):
        return True
    parts = path.split("/")
    return (
        len(parts) >= 3
        and parts[-1].endswith(".json")
        and parts[-2] == "sboms"
        and parts[-3].endswith(".dist-info")
    )


def load_bom(data: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise BadSbom(f"not UTF-8 (offset {error.start})") from None
    except RecursionError:
        raise BadSbom("JSON nested too deeply to parse") from None
    except ValueError as error:
        raise BadSbom(f"not valid JSON: {error}") from None
    if not isinstance(loaded, dict):
        raise BadSbom("not a JSON object")
    declared = loaded.get("bomFormat")
    if declared != "CycloneDX":
        shown = repr(declared[:40]) if isinstance(declared, str) else type(declared).__name__
        raise BadSbom(f"not a CycloneDX SBOM (bomFormat {shown}); its components are not listed")
    return loaded


def parse_purl(text: Any) -> PackageURL:
    if not isinstance(text, str) or not text:
        raise BadComponent("no purl")
    if len(text) > MAX_PURL:
        raise BadComponent(f"purl longer than {MAX_PURL} characters")
    try:
        purl = PackageURL.from_string(text)
    except ValueError as error:
        raise BadComponent(f"purl {text[:80]!r} is not valid: {error}") from None
    if purl.type == "pypi":  # the PEP 503 form the Python cataloger uses, so purls agree
        purl = purl._replace(name=normalize_name(purl.name))
    return purl


def identity(purl: PackageURL) -> Identity:
    """What names one package, without qualifiers or subpath (a part of it)."""
    return purl.type, purl.namespace or "", purl.name, purl.version or ""


def package_name(purl: PackageURL) -> str:
    """The name as auditapp's own cataloger for that ecosystem spells it."""
    if purl.namespace and purl.type == "maven":
        return f"{purl.namespace}:{purl.name}"
    if purl.namespace and purl.type in _SLASH_NAMESPACED:
        return f"{purl.namespace}/{purl.name}"
    return str(purl.name)


def licenses_of(component: dict[str, Any]) -> tuple[str, ...]:
    """`licenses[].expression`, `licenses[].license.id` or, failing that, `.license.name`."""
    declared = component.get("licenses")
    found: list[str] = []
    for item in declared[:MAX_LICENSES] if isinstance(declared, list) else ():
        if not isinstance(item, dict):
            continue
        value = item.get("expression")
        license_ = item.get("license")
        if value is None and isinstance(license_, dict):
            value = license_.get("id")
            value = value if isinstance(value, str) and value.strip() else license_.get("name")
        if isinstance(value, str):
            value = value.strip()
            if 0 < len(value) <= MAX_LICENSE and not _CONTROL.search(value) and value not in found:
                found.append(value)
    return tuple(found)


def component_key(component: dict[str, Any], index: str) -> str:
    """How a path names a component: its bom-ref, else its name, else its place in the file."""
    for value in (component.get("bom-ref"), component.get("name")):
        if isinstance(value, str) and value.strip():
            return _CONTROL.sub("?", value.strip())[:MAX_KEY]
    return index


def dist_info_identity(path: str) -> Identity | None:
    """The distribution whose `<name>-<version>.dist-info/sboms/` holds an SBOM."""
    parts = path.split("/")
    if len(parts) < 3 or parts[-2] != "sboms" or not parts[-3].endswith(".dist-info"):
        return None
    name, _, version = parts[-3].removesuffix(".dist-info").partition("-")
    return ("pypi", "", normalize_name(name), version) if name and version else None


@dataclass(frozen=True)
class Own:
    """The distribution an SBOM describes: its `metadata.component`, and the dist-info that
    holds the SBOM."""

    bom_ref: str = ""
    identities: frozenset[Identity] = frozenset()

    @classmethod
    def of(cls, bom: dict[str, Any], path: str) -> Own:
        found = {dist_info_identity(path)}
        metadata = bom.get("metadata")
        component = metadata.get("component") if isinstance(metadata, dict) else None
        component = component if isinstance(component, dict) else {}
        bom_ref = component.get("bom-ref")
        with contextlib.suppress(BadComponent):
            found.add(identity(parse_purl(component.get("purl"))))
        identities = frozenset(item for item in found if item is not None)
        return cls(bom_ref if isinstance(bom_ref, str) else "", identities)

    def is_itself(self, component: dict[str, Any]) -> bool:
        return bool(self.bom_ref) and component.get("bom-ref") == self.bom_ref

    def includes(self, purl: PackageURL) -> bool:
        """A part of the distribution (pillow lists its C extensions with its own purl plus a
        subpath), or something built from its own source tree (a workspace crate)."""
        if identity(purl) in self.identities:
            return True
        return str(purl.qualifiers.get("download_url", "")).startswith("file:")


@dataclass
class SbomReading:
    """What one SBOM yields; a problem with one component is one skip, the rest are kept."""

    info: FileInfo
    own: Own
    packages: dict[str, Package] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # the first few (key, why)
    bad: int = 0
    walked: int = 0
    truncated: bool = False

    def problem(self, key: str, why: str) -> None:
        self.bad += 1
        if self.bad <= MAX_SKIPS_PER_FILE:
            self.problems.append((key, why))

    def add(self, component: dict[str, Any], key: str) -> None:
        if self.own.is_itself(component):  # pip lists itself, without a purl, this way
            return
        try:
            purl = parse_purl(component.get("purl"))
            if self.own.includes(purl):
                return
            version = purl.version or component.get("version")
            if not isinstance(version, str) or not version:
                raise BadComponent("no version")
            if not _VERSION.match(version):
                raise BadComponent(f"version {version[:80]!r} is not valid")
            name = package_name(purl)
            if not _NAME.match(name):
                raise BadComponent(f"name {name[:80]!r} is not valid")
            text = str(purl._replace(version=version, subpath=None).to_string())
        except BadComponent as error:
            self.problem(key, str(error))
            return
        self.packages.setdefault(
            text,
            Package(
                ecosystem=purl.type,
                name=name,
                version=version,
                purl=text,
                path=f"{self.info.path}#{key}",
                layer=self.info.layer,
                licenses=licenses_of(component),
            ),
        )

    def skips(self, cataloger: str) -> list[Skipped]:
        found = [Skipped(cataloger, f"{self.info.path}#{k}", why) for k, why in self.problems]
        if self.bad > len(self.problems):
            more = f"{self.bad - len(self.problems)} more bad components not listed"
            found.append(Skipped(cataloger, self.info.path, more))
        if self.truncated:
            rest = f"more than {MAX_COMPONENTS} components; the rest not read"
            found.append(Skipped(cataloger, self.info.path, rest))
        return found


def read_sbom(data: bytes, info: FileInfo) -> SbomReading:
    """Every component, nested ones too, walked with an explicit stack and capped in depth and
    count, so no input can recurse or run long."""
    bom = load_bom(data)
    top = bom.get("components", [])
    if not isinstance(top, list):
        raise BadSbom("'components' is not a JSON array")
    reading = SbomReading(info, Own.of(bom, info.path))
    stack: list[tuple[list[Any], int, str]] = [(top, 1, "components")]
    while stack:
        components, depth, where = stack.pop()
        for index, component in enumerate(components):
            place = f"{where}[{index}]"
            if reading.walked >= MAX_COMPONENTS:
                reading.truncated = True
                return reading
            reading.walked += 1
            if not isinstance(component, dict):
                reading.problem(place, "not a JSON object")
                continue
            if component.get("scope") == "excluded":
                continue  # declared as not shipped, and so neither is anything inside it
            key = component_key(component, place)
            reading.add(component, key)
            nested = component.get("components")
            if nested is None:
                continue
            if not isinstance(nested, list):
                reading.problem(key, "its 'components' is not a JSON array")
            elif nested and depth >= MAX_DEPTH:
                reading.problem(key, f"components nested deeper than {MAX_DEPTH}; not read")
            elif nested:
                stack.append((nested, depth + 1, f"{place}.components"[:MAX_KEY]))
    return reading


class EmbeddedSbomCataloger:
    """One package per component an SBOM in the image declares, with the SBOM's path and the
    component's bom-ref as its path: the same library in two SBOMs is two packages."""

    name = "sbom"
    interest = PathInterest(suffixes=(PIP_VENDOR_SBOM, ".json"))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        return ReadPlan(max_bytes=MAX_BYTES) if is_sbom_path(path) else None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        packages: list[Package] = []
        skipped: list[Skipped] = []
        for info in files.planned():
            if not is_sbom_path(info.path):
                continue
            data = files.read(info.path)
            try:
                if data is None:
                    raise BadSbom(files.unreadable(info.path) or "could not be read")
                reading = read_sbom(data, info)
            except BadSbom as error:
                skipped.append(Skipped(self.name, info.path, str(error)))
                continue
            packages += reading.packages.values()
            skipped += reading.skips(self.name)
        return CatalogResult(packages=tuple(packages), skipped=tuple(skipped))
