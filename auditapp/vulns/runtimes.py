"""Which language runtimes an inventory shows, and the release line ("cycle") a version belongs
to, for the lifecycle status in lifecycle.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol


# What is read of the catalog's Package; vulns does not import catalog (layers).
class PackageFacts(Protocol):
    @property
    def ecosystem(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def path(self) -> str: ...


def runtime_cycle(kind: str, version: str) -> str | None:
    """The release line a runtime version belongs to: python 3.11.2 → "3.11", go v1.22.1 →
    "1.22", node 20.11.0 → "20", java 17.0.9 → "17" and java 1.8.0_392 / 8u392 → "8"."""
    return cycle_key(version, 2 if kind in ("python", "go") else 1, java=kind == "java")


def cycle_key(version: str, parts: int, java: bool = False) -> str | None:
    """The first `parts` numbers of a version ("22.04.3", 2 → "22.04"), None when it has none."""
    found = re.match(r"(?:go|v)?(\d+(?:\.\d+)*)", version.strip())
    numbers = found.group(1).split(".") if found else []
    if java and numbers[:1] == ["1"] and len(numbers) > 1:
        numbers = numbers[1:]  # Java 8 and older call themselves 1.8
    return ".".join(numbers[:parts]) or None


# ---- runtimes in an inventory ------------------------------------------------------------------

_OS_ECOSYSTEMS = frozenset({"deb", "apk", "rpm"})
# OS package names that carry a runtime's own version (exact names, so "python3-requests" or
# "nodejs-doc" never count).
_RUNTIME_NAMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("python", re.compile(r"python(?:2(?:\.7)?|3(?:\.\d+)?|3\d{1,2})?(?:-minimal)?")),
    ("node", re.compile(r"nodejs(?:-current|\d+)?")),
    ("go", re.compile(r"golang-\d+\.\d+-go|golang-go|golang|go")),
    (
        "java",
        re.compile(
            r"openjdk-?\d+(?:-jre|-jdk)?(?:-headless|-base)?"
            r"|java-(?:\d+|1\.\d+\.\d+)-(?:openjdk|amazon-corretto)(?:-headless|-devel)?"
            r"|temurin-\d+-(?:jre|jdk)"
        ),
    ),
)
_SITE_PACKAGES = re.compile(r"(?:^|/)lib/python(\d+\.\d+)/(?:site|dist)-packages/")


def detect_runtimes(packages: Sequence[PackageFacts]) -> list[tuple[str, str]]:
    """The (kind, version) of each language runtime an inventory shows, one per release line.

    - Go: the toolchain a binary was built with is the golang package "stdlib" (v1.22.1), or
      the deb/apk/rpm packages golang-1.22-go, golang-go, go, golang.
    - Python: deb/apk/rpm packages python3.11, python3.11-minimal, python3, python39, python2.7,
      python; else (official python images build it into /usr/local, outside any package
      database) the lib/pythonX.Y/site-packages directory a PyPI package lives in, which gives
      the release line ("3.12") only.
    - Node.js: deb/apk/rpm nodejs, nodejs-current, nodejs20. A Node.js built into /usr/local
      (official node images) is not in any package database and is not found here.
    - Java: openjdk-17-jre-headless (deb), openjdk17-jre (apk), java-17-openjdk-headless and
      java-1.8.0-openjdk (rpm), java-17-amazon-corretto, temurin-17-jdk. A JDK unpacked into
      /opt (eclipse-temurin images) is not found here.

    Versions are the upstream part of the package version: "3.11.2-6+deb12u1" gives "3.11.2".
    """
    found: dict[tuple[str, str], str] = {}
    for package in packages:
        kind = _runtime_kind(package)
        version = _upstream(package.version) if kind else None
        key = runtime_cycle(kind, version) if kind and version else None
        if kind and version and key:
            found.setdefault((kind, key), version)
    for package in packages:
        hint = _SITE_PACKAGES.search(package.path) if package.ecosystem == "pypi" else None
        if hint:
            found.setdefault(("python", hint.group(1)), hint.group(1))
    return [(kind, version) for (kind, _), version in found.items()]


def _runtime_kind(package: PackageFacts) -> str | None:
    if package.ecosystem == "golang":
        return "go" if package.name == "stdlib" else None
    if package.ecosystem not in _OS_ECOSYSTEMS:
        return None
    return next((kind for kind, names in _RUNTIME_NAMES if names.fullmatch(package.name)), None)


def _upstream(version: str) -> str | None:
    """3.11.2-6+deb12u1 → 3.11.2; 1:1.8.0.392.b08-4.el8 → 1.8.0.392; 8u392-ga-1 → 8u392;
    2:1.19~1 → 1.19; v1.22.1 → 1.22.1; 17.0.10_p7-r0 → 17.0.10."""
    without_epoch = version.split(":", 1)[1] if re.match(r"\d+:", version) else version
    found = re.match(r"v?(\d+(?:\.\d+)*(?:u\d+)?)", without_epoch)
    return found.group(1) if found else None
