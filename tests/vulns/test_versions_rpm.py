"""rpm's version order (lib/rpmvercmp.c and EVR comparison), for Red Hat, Rocky, Alma, SUSE."""

from __future__ import annotations

import pytest

from auditapp.vulns.versions import RpmScheme
from tests.vulns import (
    HOSTILE,
    Row,
    agree_with_reference,
    assert_ordered,
    assert_rejects_quickly,
    assert_survives,
    random_versions,
)

# hostile versions are rejected or read quickly: each test here is bounded (pytest-timeout)
pytestmark = pytest.mark.timeout(60)

RPM = RpmScheme()

ORDER: list[Row] = [
    "0.9",
    "1.0~~",
    "1.0~rc1",
    "1.0~rc1-1.el9",
    "1.0~rc2",
    ("1.0", "0:1.0", ":1.0", "1_0", "1.0.", "01.00"),  # separators only separate; no release
    "1.0-1",
    "1.0-1.el8",
    "1.0-1.el8_9",
    "1.0-1.el8_10",
    "1.0-1.el9",
    "1.0-2",
    "1.0-10",
    "1.0^",
    "1.0^git1",
    "1.0^git1^x",
    "1.0^git2",
    "1.0A",  # strcmp: upper case first
    "1.0a",
    "1.0a1",
    "1.0b",
    "1.0.0",
    "1.0.1",
    "1.0.1.fc39",
    "1.01.1",
    "1.10",
    "2.17-326.el7_9",
    "2.28-225.el8",
    "2.28-225.el8_8.6",
    "9.9.9",
    "1:0.1",
    "1:9.9",
    "2:1.0",
    "10:1.0",
]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0~rc1", "1.0"),
        ("1.0", "1.0^git1"),
        ("1.0^git1", "1.0.1"),
        ("1.0a", "1.0.1"),
        ("1:9.9", "2:1.0"),
        ("3.0.7-24.el9", "3.0.7-25.el9"),
        ("1:3.0.7-27.el9", "1:3.0.7-28.el9_4"),
        ("5.14.0-362.8.1.el9_3", "5.14.0-362.13.1.el9_3"),
        ("2.5.0-150400.4.6.1", "2.5.0-150400.4.9.1"),
    ],
)
def test_tricky_pairs(lower: str, higher: str) -> None:
    assert RPM.compare(lower, higher) == -1
    assert RPM.compare(higher, lower) == 1


def test_rpm_order() -> None:
    assert_ordered(RPM, ORDER)


def rpmvercmp(a: str, b: str) -> int:
    """A port of rpm's rpmvercmp, pointer walk and all, the reference for the fuzz test."""
    if a == b:
        return 0
    i = j = 0

    def at(text: str, k: int) -> str:
        return text[k] if k < len(text) else ""

    def isalnum(char: str) -> bool:
        return char.isascii() and char.isalnum()

    while i < len(a) or j < len(b):
        while i < len(a) and not isalnum(a[i]) and a[i] not in "~^":
            i += 1
        while j < len(b) and not isalnum(b[j]) and b[j] not in "~^":
            j += 1
        ca, cb = at(a, i), at(b, j)
        if ca == "~" or cb == "~":
            if ca != "~":
                return 1
            if cb != "~":
                return -1
            i, j = i + 1, j + 1
            continue
        if ca == "^" or cb == "^":
            if ca == "":
                return -1
            if cb == "":
                return 1
            if ca != "^":
                return 1
            if cb != "^":
                return -1
            i, j = i + 1, j + 1
            continue
        if not (ca and cb):
            break
        isnum = ca.isdigit()
        end_a, end_b = i, j
        while end_a < len(a) and isalnum(a[end_a]) and a[end_a].isdigit() == isnum:
            end_a += 1
        while end_b < len(b) and isalnum(b[end_b]) and b[end_b].isdigit() == isnum:
            end_b += 1
        if end_b == j:
            return 1 if isnum else -1
        one, two = a[i:end_a], b[j:end_b]
        if isnum:
            one, two = one.lstrip("0"), two.lstrip("0")
            if len(one) != len(two):
                return 1 if len(one) > len(two) else -1
        if one != two:
            return -1 if one < two else 1
        i, j = end_a, end_b
    if i >= len(a) and j >= len(b):
        return 0
    return -1 if i >= len(a) else 1


def evr_compare(a: str, b: str) -> int:
    def split(evr: str) -> tuple[str, str, str | None]:
        digits = len(evr) - len(evr.lstrip("0123456789"))
        epoch, rest = ("0", evr)
        if evr[digits : digits + 1] == ":":
            epoch, rest = evr[:digits] or "0", evr[digits + 1 :]
        version, hyphen, release = rest.rpartition("-")
        return (epoch, version, release) if hyphen else (epoch, rest, None)

    (ea, va, ra), (eb, vb, rb) = split(a), split(b)
    result = rpmvercmp(ea, eb) or rpmvercmp(va, vb)
    if result or ra == rb:
        return result
    if ra is None or rb is None:  # rpm skips the release here; the key puts "none" first
        return -1 if ra is None else 1
    return rpmvercmp(ra, rb)


def test_agrees_with_a_port_of_rpmvercmp() -> None:
    pieces = ["0", "1", "2", "10", "007", ".", "_", "+", "~", "^", "a", "b", "Z", "rc", "el9"]
    pieces += ["-1", "-2.el9", "1:", "~~", "^^"]
    versions = ["1" + body for body in random_versions(pieces, 1_500, seed=3)]
    agree_with_reference(RPM, evr_compare, versions, pairs=8_000)


@pytest.mark.parametrize("version", ["", "1.0-", "-1", ":", "1:", "1:-1", "1.0 1", "1.0\t", "1.é"])
def test_invalid(version: str) -> None:
    assert_rejects_quickly(RPM, version)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(RPM, version)
