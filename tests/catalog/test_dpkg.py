"""dpkg status and distroless status.d: real-shaped stanzas and the hostile ones (item B15)."""

from __future__ import annotations

import pytest

from auditapp.catalog.dpkg import DpkgCataloger
from auditapp.catalog.interface import OsRelease, Package, ReadPlan, Skipped
from tests.catalog.files import LAYER, DictFiles, run

BOOKWORM = OsRelease("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm")
STATUS = "var/lib/dpkg/status"
BIG_DESCRIPTION = "".join(f" line {n} of a very long description\n" for n in range(30_000))

# Stanzas as dpkg writes them; the hostile ones are marked.
STATUS_TEXT = (
    """Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12988
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
 .
 This package includes shared versions of the standard C library.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries (i386)

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2+b1
Description: Secure Sockets Layer toolkit - shared libraries

Package: mount
Status: hold ok installed
Architecture: amd64
Source: util-linux
Version: 1:2.38.1-5+deb12u1
Description: tools for mounting and manipulating filesystems

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: removed, only its configuration files are left

Package: noversion
Status: install ok installed
Architecture: amd64
Description: hostile: no Version field

Package: badversion
Status: install ok installed
Architecture: all
Version: 1:5.#
Description: hostile: invalid character in the version

Package: bigdesc
Status: install ok installed
Architecture: all
Version: 2.0
Description: a 1 MB description is fine: we never keep it
"""
    + BIG_DESCRIPTION
    + """
Package: bigversion
Status: install ok installed
Architecture: all
Version: 1."""
    + "0" * (1024 * 1024)
    + """

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data"""  # no final newline
)


def package(
    name: str,
    version: str,
    purl: str,
    source: str,
    source_version: str,
    path: str = STATUS,
) -> Package:
    return Package("deb", name, version, purl, path, LAYER, (), source, source_version)


EXPECTED = [
    package(
        "libc6",
        "2.36-9+deb12u4",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
        "glibc",
        "2.36-9+deb12u4",
    ),
    package(
        "libc6",
        "2.36-9+deb12u4",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=i386&distro=debian-12",
        "glibc",
        "2.36-9+deb12u4",
    ),
    package(
        "libssl3",
        "3.0.11-1~deb12u2+b1",
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2%2Bb1?arch=amd64&distro=debian-12",
        "openssl",
        "3.0.11-1~deb12u2",
    ),
    package(
        "mount",
        "1:2.38.1-5+deb12u1",
        "pkg:deb/debian/mount@1:2.38.1-5%2Bdeb12u1?arch=amd64&distro=debian-12",
        "util-linux",
        "1:2.38.1-5+deb12u1",
    ),
    package(
        "bigdesc",
        "2.0",
        "pkg:deb/debian/bigdesc@2.0?arch=all&distro=debian-12",
        "bigdesc",
        "2.0",
    ),
    package(
        "tzdata",
        "2024a-0+deb12u1",
        "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
        "tzdata",
        "2024a-0+deb12u1",
    ),
]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def expected_skips(text: str) -> list[Skipped]:
    return [
        Skipped(
            "dpkg",
            STATUS,
            f"stanza at line {line_of(text, 'Package: noversion')} (Package: noversion): "
            "no Version field",
        ),
        Skipped(
            "dpkg",
            STATUS,
            f"stanza at line {line_of(text, 'Package: badversion')} (Package: badversion): "
            "version '1:5.#' is not a valid Debian version",
        ),
        Skipped(
            "dpkg",
            STATUS,
            f"stanza at line {line_of(text, 'Package: bigversion')} (Package: bigversion): "
            "Version field is longer than 512 characters",
        ),
    ]


def test_status_with_hostile_stanzas() -> None:
    result = run(DpkgCataloger(), {STATUS: STATUS_TEXT.encode()}, BOOKWORM)
    assert list(result.packages) == EXPECTED
    assert list(result.skipped) == expected_skips(STATUS_TEXT)
    assert not result.incomplete


def test_crlf_gives_the_same_result() -> None:
    crlf = STATUS_TEXT.replace("\n", "\r\n")
    result = run(DpkgCataloger(), {STATUS: crlf.encode()}, BOOKWORM)
    assert list(result.packages) == EXPECTED
    assert list(result.skipped) == expected_skips(STATUS_TEXT)


def test_other_distributions_and_no_os_release() -> None:
    text = (
        b"Package: bash\nStatus: install ok installed\nArchitecture: arm64\nVersion: 5.1-6ubuntu1\n"
    )
    jammy = OsRelease("ubuntu", "22.04")
    [found] = run(DpkgCataloger(), {STATUS: text}, jammy).packages
    assert found.purl == "pkg:deb/ubuntu/bash@5.1-6ubuntu1?arch=arm64&distro=ubuntu-22.04"
    [found] = run(DpkgCataloger(), {STATUS: text}, None).packages
    assert found.purl == "pkg:deb/debian/bash@5.1-6ubuntu1?arch=arm64"
    [found] = run(DpkgCataloger(), {STATUS: text}, OsRelease("debian", "")).packages
    assert found.purl == "pkg:deb/debian/bash@5.1-6ubuntu1?arch=arm64&distro=debian"


def test_installed_states() -> None:
    states = {
        "install ok installed": True,
        "install ok unpacked": True,
        "install ok half-configured": True,
        "install ok triggers-pending": True,
        "deinstall ok installed": True,  # marked for removal, still on disk
        "deinstall ok config-files": False,
        "purge ok not-installed": False,
        "install reinstreq half-installed": False,
    }
    text = "\n".join(
        f"Package: p{n}\nStatus: {status}\nVersion: 1.0\n" for n, status in enumerate(states)
    )
    result = run(DpkgCataloger(), {STATUS: text.encode()})
    found = {p.name for p in result.packages}
    assert found == {f"p{n}" for n, counted in enumerate(states.values()) if counted}
    assert result.skipped == ()


def test_malformed_stanzas() -> None:
    text = (
        "Package: garbage\nStatus: install ok installed\nthis line has no colon\nVersion: 1\n\n"
        "Package: twice\nStatus: install ok installed\nVersion: 1\nversion: 2\n\n"
        "Package: status\nStatus: install ok\nVersion: 1\n\n"
        "Package: nostatus\nVersion: 1\n\n"
        "Package: badsource\nStatus: install ok installed\nVersion: 1\nSource: a b c\n\n"
        "Package: Bad Name\nStatus: install ok installed\nVersion: 1\n\n"
        "Status: install ok installed\nVersion: 1\n\n"
        "Package: epoch\nStatus: install ok installed\nVersion: x:1.0\n\n"
        "Package: continued\nStatus: install ok installed\nVersion: 1\n 2\n\n"
        "Package: good\nStatus: install ok installed\nVersion: 0.1\n"
    )
    result = run(DpkgCataloger(), {STATUS: text.encode()})
    assert [p.name for p in result.packages] == ["good"]
    assert [s.reason for s in result.skipped] == [
        "stanza at line 1 (Package: garbage): line 3 is not a 'Field: value' line",
        "stanza at line 6 (Package: twice): line 9 repeats the Version field",
        "stanza at line 11 (Package: status): Status 'install ok' is not 'want flag state'",
        "stanza at line 15 (Package: nostatus): no Status field",
        "stanza at line 18 (Package: badsource): Source 'a b c' is not 'name [(version)]'",
        "stanza at line 23 (Package: Bad Name): Package 'Bad Name' is not valid",
        "stanza at line 27 (no Package field): no Package field",
        "stanza at line 30 (Package: epoch): version 'x:1.0': epoch is not a number",
        "stanza at line 34 (Package: continued): version '1\\n2' is not a valid Debian version",
    ]


@pytest.mark.timeout(60)  # bounded: a hostile input must not make it loop or crawl
def test_a_million_continuation_lines_are_linear() -> None:
    text = "Package: many\nStatus: install ok installed\nVersion: 1\n" + " 0\n" * 1_000_000
    result = run(DpkgCataloger(), {STATUS: text.encode()})
    assert result.packages == ()
    assert [s.reason for s in result.skipped] == [
        "stanza at line 1 (Package: many): Version field is longer than 512 characters"
    ]


def test_distroless_status_d() -> None:
    files = {
        "var/lib/dpkg/status.d/base": (
            b"Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n"
            b"Maintainer: Santiago Vila <sanvila@debian.org>\nInstalled-Size: 341\n"
        ),
        "var/lib/dpkg/status.d/libssl3": (
            b"Package: libssl3\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n"
            b"Architecture: amd64\nStatus: install ok installed\n"
        ),
        "var/lib/dpkg/status.d/libssl3.md5sums": b"d41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n",
        "var/lib/dpkg/status.d/nested/x": b"Package: nested\nVersion: 1\n",
    }
    result = run(DpkgCataloger(), files, BOOKWORM)
    assert result.skipped == ()
    assert [(p.name, p.version, p.purl, p.source_name, p.path) for p in result.packages] == [
        (
            "base-files",
            "12.4+deb12u5",
            "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
            "base-files",
            "var/lib/dpkg/status.d/base",
        ),
        (
            "libssl3",
            "3.0.11-1~deb12u2",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            "openssl",
            "var/lib/dpkg/status.d/libssl3",
        ),
    ]


def test_plan() -> None:
    cataloger = DpkgCataloger()
    assert cataloger.plan(STATUS, 1, 0o644) == ReadPlan(max_bytes=8 * 1024 * 1024)
    assert cataloger.plan("var/lib/dpkg/status.d/zlib1g", 1, 0o644) is not None
    for other in (
        "var/lib/dpkg/status-old",
        "var/lib/dpkg/status.d/zlib1g.md5sums",
        "var/lib/dpkg/info/zlib1g.list",
        "var/lib/dpkg/status.d/a/b",
        "opt/var/lib/dpkg/status",
    ):
        assert cataloger.plan(other, 1, 0o644) is None


def test_over_the_cap_is_incomplete() -> None:
    result = run(DpkgCataloger(), {STATUS: b"x" * (8 * 1024 * 1024 + 1)})
    assert result.packages == ()
    assert result.skipped == (
        Skipped("dpkg", STATUS, "dpkg database unreadable: over the size cap"),
    )
    assert result.incomplete


def test_a_million_bad_stanzas_are_one_summary() -> None:
    text = "junk\n\n" * 300_000 + "Package: ok\nStatus: install ok installed\nVersion: 1\n"
    result = run(DpkgCataloger(), {STATUS: text.encode()})
    assert [p.name for p in result.packages] == ["ok"]
    assert len(result.skipped) == 101
    assert result.skipped[0].reason == (
        "stanza at line 1 (no Package field): line 1 is not a 'Field: value' line"
    )
    assert result.skipped[-1].reason == "299900 more bad stanzas not listed"


class _Everything:
    """Another cataloger that plans every file, as in a real scan with many catalogers."""

    name = "everything"

    def plan(self, path: str, size: int, mode: int) -> ReadPlan:
        return ReadPlan(max_bytes=1 << 30)

    def catalog(self, files: object, os_release: object) -> None:
        raise NotImplementedError


def test_files_planned_by_other_catalogers_are_ignored() -> None:
    files = {
        STATUS: b"Package: a\nStatus: install ok installed\nVersion: 1\n",
        "var/lib/dpkg/status-old": b"Package: old\nStatus: install ok installed\nVersion: 1\n",
        "etc/passwd": b"root:x:0:0::/root:/bin/sh\n",
    }
    result = DpkgCataloger().catalog(DictFiles(files, _Everything()), None)  # type: ignore[arg-type]
    assert [p.name for p in result.packages] == ["a"]
