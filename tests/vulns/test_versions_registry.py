"""Which scheme orders which ecosystem: OSV ecosystem names (with releases) and purl types."""

from __future__ import annotations

import pytest

from auditapp.vulns.versions import (
    AlpineScheme,
    DebianScheme,
    GoScheme,
    InvalidVersion,
    KeyedScheme,
    MavenScheme,
    NpmScheme,
    PypiScheme,
    RpmScheme,
    VersionScheme,
    scheme_for_osv,
    scheme_for_purl_type,
)


@pytest.mark.parametrize(
    ("ecosystem", "scheme", "name"),
    [
        ("Debian", DebianScheme, "Debian"),
        ("Debian:12", DebianScheme, "Debian"),
        ("Ubuntu", DebianScheme, "Debian"),
        ("Ubuntu:22.04:LTS", DebianScheme, "Debian"),
        ("Ubuntu:Pro:18.04:LTS", DebianScheme, "Debian"),
        ("Alpine", AlpineScheme, "Alpine"),
        ("Alpine:v3.19", AlpineScheme, "Alpine"),
        ("Wolfi", AlpineScheme, "Alpine"),
        ("Chainguard", AlpineScheme, "Alpine"),
        ("Red Hat", RpmScheme, "RPM"),
        ("Red Hat:enterprise_linux:9::appstream", RpmScheme, "RPM"),
        ("Rocky Linux:9", RpmScheme, "RPM"),
        ("AlmaLinux", RpmScheme, "RPM"),
        ("AlmaLinux:8", RpmScheme, "RPM"),
        ("openSUSE", RpmScheme, "RPM"),
        ("openSUSE:Leap 15.5", RpmScheme, "RPM"),
        ("SUSE", RpmScheme, "RPM"),
        ("SUSE:Linux Enterprise Server 15 SP5", RpmScheme, "RPM"),
        ("PyPI", PypiScheme, "PyPI"),
        ("npm", NpmScheme, "npm"),
        ("Go", GoScheme, "Go"),
        ("Maven", MavenScheme, "Maven"),
    ],
)
def test_osv_ecosystems(ecosystem: str, scheme: type[KeyedScheme], name: str) -> None:
    found = scheme_for_osv(ecosystem)
    assert isinstance(found, scheme)
    assert found.name == name


@pytest.mark.parametrize(
    "ecosystem", ["", "crates.io", "RubyGems", "NuGet", "GIT", "pypi", "debian", ":12"]
)
def test_osv_ecosystems_without_a_scheme(ecosystem: str) -> None:
    assert scheme_for_osv(ecosystem) is None


@pytest.mark.parametrize(
    ("purl_type", "scheme"),
    [
        ("deb", DebianScheme),
        ("apk", AlpineScheme),
        ("rpm", RpmScheme),
        ("pypi", PypiScheme),
        ("npm", NpmScheme),
        ("golang", GoScheme),
        ("maven", MavenScheme),
        ("PyPI", PypiScheme),  # purl types are case-insensitive
    ],
)
def test_purl_types(purl_type: str, scheme: type[KeyedScheme]) -> None:
    assert isinstance(scheme_for_purl_type(purl_type), scheme)


@pytest.mark.parametrize("purl_type", ["", "cargo", "gem", "generic", "docker", "go"])
def test_purl_types_without_a_scheme(purl_type: str) -> None:
    assert scheme_for_purl_type(purl_type) is None


def test_one_scheme_object_per_ecosystem_so_caches_are_shared() -> None:
    assert scheme_for_osv("Debian:12") is scheme_for_osv("Ubuntu:22.04:LTS")
    assert scheme_for_osv("Debian") is scheme_for_purl_type("deb")
    assert scheme_for_osv("Go") is scheme_for_purl_type("golang")


def test_schemes_satisfy_the_protocol() -> None:
    schemes: list[VersionScheme] = [
        DebianScheme(),
        AlpineScheme(),
        RpmScheme(),
        PypiScheme(),
        NpmScheme(),
        GoScheme(),
        MavenScheme(),
    ]
    assert [s.name for s in schemes] == ["Debian", "Alpine", "RPM", "PyPI", "npm", "Go", "Maven"]
    for scheme in schemes:
        assert scheme.compare("1.0.0", "1.0.0") == 0


def test_keys_and_rejections_are_cached_but_long_strings_are_not() -> None:
    scheme = PypiScheme()
    scheme.key("1.0")
    scheme.key("1.0")
    with pytest.raises(InvalidVersion):
        scheme.key("not a version")
    with pytest.raises(InvalidVersion, match="not a version"):
        scheme.key("not a version")  # the cached rejection is raised afresh, same message
    scheme.key("1." * 300 + "1")
    info = scheme.cache_info()
    assert (info.hits, info.misses, info.currsize) == (2, 2, 2)
