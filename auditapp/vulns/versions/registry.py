"""Which version scheme orders which ecosystem, by OSV ecosystem name or by purl type."""

from __future__ import annotations

from auditapp.vulns.versions.alpine import AlpineScheme
from auditapp.vulns.versions.debian import DebianScheme
from auditapp.vulns.versions.interface import VersionScheme
from auditapp.vulns.versions.maven import MavenScheme
from auditapp.vulns.versions.pypi import PypiScheme
from auditapp.vulns.versions.rpm import RpmScheme
from auditapp.vulns.versions.semver import GoScheme, NpmScheme

DEBIAN = DebianScheme()
ALPINE = AlpineScheme()
RPM = RpmScheme()
PYPI = PypiScheme()
NPM = NpmScheme()
GO = GoScheme()
MAVEN = MavenScheme()

# OSV ecosystem names (ossf.github.io/osv-schema, "affected[].package.ecosystem") before any
# ":release" suffix.
_BY_OSV_ECOSYSTEM: dict[str, VersionScheme] = {
    "Debian": DEBIAN,
    "Ubuntu": DEBIAN,
    "Alpine": ALPINE,
    "Wolfi": ALPINE,
    "Chainguard": ALPINE,
    "Red Hat": RPM,
    "Rocky Linux": RPM,
    "AlmaLinux": RPM,
    "openSUSE": RPM,
    "SUSE": RPM,
    "Mageia": RPM,
    "openEuler": RPM,
    "PyPI": PYPI,
    "npm": NPM,
    "Go": GO,
    "Maven": MAVEN,
}

_BY_PURL_TYPE: dict[str, VersionScheme] = {
    "deb": DEBIAN,
    "apk": ALPINE,
    "rpm": RPM,
    "pypi": PYPI,
    "npm": NPM,
    "golang": GO,
    "maven": MAVEN,
}


def scheme_for_osv(ecosystem: str) -> VersionScheme | None:
    """The scheme of an OSV ecosystem such as "Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19"
    or "PyPI"; None for an ecosystem auditapp cannot order."""
    base = ecosystem.partition(":")[0].strip()
    return _BY_OSV_ECOSYSTEM.get(base)


def scheme_for_purl_type(purl_type: str) -> VersionScheme | None:
    """The scheme of a package URL type ("deb", "golang" ...; case-insensitive), or None."""
    return _BY_PURL_TYPE.get(purl_type.strip().lower())
