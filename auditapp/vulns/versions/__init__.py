"""Version order per ecosystem (dpkg, apk, rpm, PEP 440, SemVer for npm and Go, Maven)."""

from auditapp.vulns.versions.alpine import AlpineScheme
from auditapp.vulns.versions.debian import DebianScheme
from auditapp.vulns.versions.interface import (
    KEY_CACHE_SIZE,
    InvalidVersion,
    KeyedScheme,
    VersionScheme,
)
from auditapp.vulns.versions.maven import MavenScheme
from auditapp.vulns.versions.pypi import PypiScheme
from auditapp.vulns.versions.registry import scheme_for_osv, scheme_for_purl_type
from auditapp.vulns.versions.rpm import RpmScheme
from auditapp.vulns.versions.semver import GoScheme, NpmScheme

__all__ = [
    "KEY_CACHE_SIZE",
    "AlpineScheme",
    "DebianScheme",
    "GoScheme",
    "InvalidVersion",
    "KeyedScheme",
    "MavenScheme",
    "NpmScheme",
    "PypiScheme",
    "RpmScheme",
    "VersionScheme",
    "scheme_for_osv",
    "scheme_for_purl_type",
]
