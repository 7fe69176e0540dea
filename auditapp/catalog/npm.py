"""npm packages: what is installed under node_modules/, and what a package-lock.json (v1-v3)
declares when its project has no node_modules in the image.

Installed means a package.json directly under `node_modules/<name>/` or
`node_modules/@scope/<name>/`, at any depth. Other package.json files inside a package (test
fixtures, build outputs, vendored copies) are never read. The application's own manifest, a
package.json outside node_modules, is listed too (with its path, name and version) when it sits
in a Node project root, i.e. beside a node_modules folder or a lockfile: so package.json files
shipped as data by other ecosystems (a Python wheel's static assets) are not taken for npm
packages.
"""

from __future__ import annotations

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

MANIFEST, LOCKFILE = "package.json", "package-lock.json"
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256  # v1 dependency nesting; real trees are a few dozen deep
MAX_ENTRIES = 500_000  # entries walked in one lockfile
MAX_SKIPS_PER_FILE = 100
PROJECT_MARKERS = (LOCKFILE, "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
HIDDEN_LOCKFILE = "node_modules/.package-lock.json"  # npm 7+ writes it into every node_modules

_NAME = re.compile(r"(@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*\Z", re.IGNORECASE)
_VERSION = re.compile(r"[0-9][^\s\x00-\x1f\x7f]{0,255}\Z")


class BadEntry(ValueError):
    """A manifest or lockfile entry that cannot become a Package."""


def is_installed_manifest(path: str) -> bool:
    """node_modules/<name>/package.json or node_modules/@scope/<name>/package.json."""
    parts = path.split("/")
    if len(parts) < 3 or parts[-1] != MANIFEST:
        return False
    folder, parent = parts[-2], parts[-3]
    if folder.startswith(".") or folder == "node_modules":
        return False
    if parent == "node_modules":
        return not folder.startswith("@")
    return len(parts) > 3 and parent.startswith("@") and parts[-4] == "node_modules"


def is_project_file(path: str, basename: str) -> bool:
    parts = path.split("/")
    return parts[-1] == basename and "node_modules" not in parts


def project_of(path: str) -> str:
    """The folder that holds the node_modules a path is in (or the file's own folder), with a
    trailing slash, "" for the root."""
    parts = path.split("/")
    end = parts.index("node_modules") if "node_modules" in parts else len(parts) - 1
    return "".join(part + "/" for part in parts[:end])


def _json(data: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise BadEntry(f"not UTF-8 (offset {error.start})") from None
    except RecursionError:
        raise BadEntry("JSON nested too deeply to parse") from None
    except ValueError as error:
        raise BadEntry(f"not valid JSON: {error}") from None
    if not isinstance(loaded, dict):
        raise BadEntry("not a JSON object")
    return loaded


def licenses_of(entry: dict[str, Any]) -> tuple[str, ...]:
    """The `license` string (or legacy {"type": ...}) and legacy `licenses` list."""
    legacy = entry.get("licenses")
    declared = [entry.get("license"), *(legacy[:20] if isinstance(legacy, list) else [])]
    found: list[str] = []
    for item in declared:
        value = item.get("type") if isinstance(item, dict) else item
        if isinstance(value, str) and 0 < len(value) <= 200 and value not in found:
            found.append(value)
    return tuple(found)


def to_package(name: Any, version: Any, info: FileInfo, entry: dict[str, Any]) -> Package:
    if not isinstance(name, str) or not name:
        raise BadEntry("no name")
    if not isinstance(version, str) or not version:
        raise BadEntry("no version")
    if version.startswith("npm:") and "@" in version[5:]:  # an alias: npm:real-name@1.2.3
        name, _, version = version[4:].rpartition("@")
    if len(name) > 214 or not _NAME.match(name):
        raise BadEntry(f"name {name[:80]!r} is not a valid npm name")
    if not _VERSION.match(version):
        raise BadEntry(f"version {version[:80]!r} is not a registry version")
    scope, _, bare = name.rpartition("/")
    purl = PackageURL(type="npm", namespace=scope or None, name=bare, version=version)
    return Package(
        ecosystem="npm",
        name=name,
        version=version,
        purl=str(purl.to_string()),
        path=info.path,
        layer=info.layer,
        licenses=licenses_of(entry),
    )


def installed_package(data: bytes, info: FileInfo) -> Package:
    manifest = _json(data)
    return to_package(manifest.get("name"), manifest.get("version"), info, manifest)


def app_package(data: bytes, info: FileInfo) -> Package | None:
    """An application's manifest without a name or version (usual for private apps) is simply
    not a package: None, not a failure."""
    manifest = _json(data)
    if not (manifest.get("name") and manifest.get("version")):
        return None
    return to_package(manifest.get("name"), manifest.get("version"), info, manifest)


@dataclass
class LockReading:
    """What one lockfile yields; a problem with one entry is one skip, the rest are kept."""

    info: FileInfo
    packages: dict[tuple[str, str], Package] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the first MAX_SKIPS_PER_FILE
    bad: int = 0
    entries: int = 0

    def problem(self, text: str) -> None:
        self.bad += 1
        if self.bad <= MAX_SKIPS_PER_FILE:
            self.problems.append(text)

    def add(self, key: str, name: Any, entry: Any) -> None:
        self.entries += 1
        try:
            if not isinstance(entry, dict):
                raise BadEntry("not a JSON object")
            package = to_package(name, entry.get("version"), self.info, entry)
            self.packages.setdefault((package.name, package.version), package)
        except BadEntry as error:
            self.problem(f"{key[:200]}: {error}")

    def full(self) -> bool:
        if self.entries < MAX_ENTRIES:
            return False
        self.problem(f"more than {MAX_ENTRIES} entries; the rest not read")
        return True


def read_v1(reading: LockReading, dependencies: Any) -> None:
    """The nested `dependencies` tree, walked with an explicit stack: depth and size are capped
    and a subtree is never walked twice, so no input can recurse or loop."""
    stack: list[tuple[Any, int, str]] = [(dependencies, 1, "")]
    seen: set[int] = set()
    while stack:
        tree, depth, where = stack.pop()
        if not isinstance(tree, dict) or id(tree) in seen:
            continue
        seen.add(id(tree))
        for name, entry in tree.items():
            if reading.full():
                return
            key = f"{where}dependencies/{name}"[:300]  # bounded: it is kept on the stack
            reading.add(key, name, entry)
            nested = entry.get("dependencies") if isinstance(entry, dict) else None
            if nested and depth >= MAX_DEPTH:
                reading.problem(f"{key}: nested deeper than {MAX_DEPTH} levels; not read")
            elif nested:
                stack.append((nested, depth + 1, key + "/"))


def read_v2(reading: LockReading, packages: Any) -> None:
    """The flat `packages` map keyed by install path. Links point at workspace folders (local
    code, not registry packages) and are not followed, so they cannot form a cycle."""
    if not isinstance(packages, dict):
        reading.problem("'packages' is not a JSON object")
        return
    for key, entry in packages.items():
        start = key.rfind("node_modules/")
        if start < 0 or (isinstance(entry, dict) and entry.get("link")):
            continue  # the root project, a workspace folder, or a link to one
        if reading.full():
            return
        name = entry.get("name") if isinstance(entry, dict) else None  # set for aliases
        reading.add(key, name or key[start + len("node_modules/") :], entry)


def read_lockfile(data: bytes, info: FileInfo) -> LockReading:
    reading = LockReading(info)
    lock = _json(data)
    version = lock.get("lockfileVersion")
    if type(version) is not int or version not in (1, 2, 3):
        shown = "a JSON " + type(version).__name__ if isinstance(version, dict | list) else version
        raise BadEntry(f"unknown lockfileVersion {json.dumps(shown)[:40]}")
    if version == 1:
        read_v1(reading, lock.get("dependencies", {}))
    else:
        read_v2(reading, lock.get("packages", {}))
    return reading


class NpmCataloger:
    name = "npm"
    interest = PathInterest(suffixes=(MANIFEST, LOCKFILE))

    def plan(self, path: str, size: int, mode: int) -> ReadPlan | None:
        if is_installed_manifest(path) or is_project_file(path, MANIFEST):
            return ReadPlan(max_bytes=MAX_MANIFEST_BYTES)
        if is_project_file(path, LOCKFILE):
            return ReadPlan(max_bytes=MAX_LOCKFILE_BYTES)
        return None

    def catalog(self, files: ImageFiles, os_release: OsRelease | None) -> CatalogResult:
        planned = [info for info in files.planned() if self.plan(info.path, 0, 0)]
        installed = {info.path for info in planned if is_installed_manifest(info.path)}
        with_modules = {project_of(path) for path in installed}
        packages: list[Package] = []
        skipped: list[Skipped] = []
        for info in planned:
            try:
                if info.path in installed:
                    packages.append(installed_package(self._read(files, info), info))
                else:
                    packages += self._project_file(files, info, with_modules, skipped)
            except BadEntry as error:
                skipped.append(Skipped(self.name, info.path, str(error)))
        return CatalogResult(packages=tuple(packages), skipped=tuple(skipped))

    def _project_file(
        self, files: ImageFiles, info: FileInfo, with_modules: set[str], skipped: list[Skipped]
    ) -> list[Package]:
        """A lockfile counts when its project has no node_modules; a manifest when it is in a
        project root."""
        folder = project_of(info.path)
        has_modules = folder in with_modules or self._has(files, folder, HIDDEN_LOCKFILE)
        if info.path.endswith(LOCKFILE):
            return [] if has_modules else self._lockfile(files, info, skipped)
        if not (has_modules or self._has(files, folder, *PROJECT_MARKERS)):
            return []
        found = app_package(self._read(files, info), info)
        return [found] if found else []

    def _read(self, files: ImageFiles, info: FileInfo) -> bytes:
        data = files.read(info.path)
        if data is None:
            raise BadEntry(files.unreadable(info.path) or "could not be read")
        return data

    def _has(self, files: ImageFiles, folder: str, *names: str) -> bool:
        return any(files.info(folder + name) is not None for name in names)

    def _lockfile(self, files: ImageFiles, info: FileInfo, skipped: list[Skipped]) -> list[Package]:
        reading = read_lockfile(self._read(files, info), info)
        skipped += (Skipped(self.name, info.path, problem) for problem in reading.problems)
        if reading.bad > len(reading.problems):
            more = f"{reading.bad - len(reading.problems)} more bad entries not listed"
            skipped.append(Skipped(self.name, info.path, more))
        return list(reading.packages.values())
