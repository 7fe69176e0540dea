"""dpkg's version order (deb-version(7), lib/dpkg/version.c), used for Debian and Ubuntu."""

from __future__ import annotations

import pytest

from auditapp.vulns.versions import DebianScheme, InvalidVersion
from tests.vulns import (
    HOSTILE,
    Row,
    agree_with_reference,
    assert_ordered,
    assert_survives,
    random_versions,
)

# hostile versions are rejected or read quickly: each test here is bounded (pytest-timeout)
pytestmark = pytest.mark.timeout(60)

DEBIAN = DebianScheme()

ORDER: list[Row] = [
    "0~",
    "0",
    "0.9~beta1",
    "1.0~~",
    "1.0~~a",
    "1.0~",
    "1.0~rc1",
    "1.0~rc1-1",
    "1.0~rc2",
    ("1.0", "1.00", "0:1.0", "1.0-0"),
    "1.0-1",
    "1.0-1ubuntu0.1",  # letters sort before every other character
    "1.0-1ubuntu1",
    "1.0-1+b1",
    "1.0-1+deb12u1",
    "1.0-1+deb12u2",
    "1.0-1.1",
    "1.0-2~bpo11+1",
    "1.0-2",
    "1.0-10",
    "1.0a",
    "1.0+dfsg",
    "1.0+dfsg-1",
    "1.0.0",
    "1.0.1",
    "1.1",
    "1.2.3~~",
    "1.2.3~",
    "1.2.3",
    "2.30-5",
    "2.30-10",
    "2.30-10+deb12u1",
    "10.0",
    "1:0.9",
    "1:1.0-1",
    "2:0.1",
]

DPKG_SAMPLES = [
    "1:2.36.1-8+deb11u1",
    "2.36.1-8+deb11u1",
    "3.0.11-1~deb12u2",
    "1.2.13.dfsg-1",
    "7.88.1-10+deb12u5",
    "252.22-1~deb12u1",
    "1:9.18.24-1",
    "2.2.40-1.1",
    "0.20221109-1",
    "1.0.8+ds-1",
    "4.3+20221106-1",
]


def verrevcmp(a: str, b: str) -> int:
    """A line-by-line port of dpkg's verrevcmp, the reference for the fuzz test."""

    def order(char: str) -> int:
        if char.isdigit():
            return 0
        if char.isalpha():
            return ord(char)
        if char == "~":
            return -1
        return ord(char) + 256 if char else 0

    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = order(a[i]) if i < len(a) else 0
            bc = order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def dpkg_compare(a: str, b: str) -> int:
    def split(version: str) -> tuple[int, str, str]:
        epoch, colon, rest = version.partition(":")
        if not colon:
            epoch, rest = "0", version
        upstream, hyphen, revision = rest.rpartition("-")
        return (int(epoch), upstream, revision) if hyphen else (int(epoch), rest, "")

    (ea, ua, ra), (eb, ub, rb) = split(a), split(b)
    if ea != eb:
        return ea - eb
    return verrevcmp(ua, ub) or verrevcmp(ra, rb)


def test_dpkg_order() -> None:
    assert_ordered(DEBIAN, ORDER)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0~rc1", "1.0"),
        ("1.0", "1.0+dfsg"),
        ("2.0", "1:0.9"),
        ("1.0-1", "1.0-1+deb12u1"),
        ("2.30-5", "2.30-10"),
        ("1.2.3~~", "1.2.3~"),
        ("2.36.1-8+deb11u1", "2.36.1-8+deb11u2"),
        ("3.0.11-1~deb12u2", "3.0.11-1"),
        ("1:9.18.19-1~deb12u1", "1:9.18.24-1"),
    ],
)
def test_tricky_pairs(lower: str, higher: str) -> None:
    assert DEBIAN.compare(lower, higher) == -1
    assert DEBIAN.compare(higher, lower) == 1


def test_blanks_around_the_version_are_ignored_as_dpkg_does() -> None:
    assert DEBIAN.key(" 1.0-1\t") == DEBIAN.key("1.0-1")


def test_agrees_with_a_port_of_verrevcmp() -> None:
    pieces = ["0", "1", "2", "10", "007", ".", "~", "+", "-", "a", "b", "Z", "dfsg", "~rc", ":"]
    bodies = ["1" + body for body in random_versions(pieces, 600, seed=11)]
    versions = [f"{epoch}{body}" for epoch in ("", "1:") for body in bodies] + DPKG_SAMPLES
    agree_with_reference(DEBIAN, dpkg_compare, versions, pairs=6_000)


@pytest.mark.parametrize(
    "version",
    ["", "   ", "1.0-", ":1.0", "a:1.0", "1:", "-1", "1.0 2", "1.0\n", "1.0é", "99999999999:1"],
)
def test_invalid(version: str) -> None:
    with pytest.raises(InvalidVersion) as raised:
        DEBIAN.key(version)
    assert "Debian" in str(raised.value)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(DEBIAN, version)


def test_a_long_valid_version_keys_exactly() -> None:
    assert DEBIAN.compare("1." + "9" * 5_000, "1." + "9" * 4_999 + "8") == 1
