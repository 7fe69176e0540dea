"""Maven's version order (ComparableVersion, as the POM reference specifies it)."""

from __future__ import annotations

import pytest

from auditapp.vulns.versions import MavenScheme
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

MAVEN = MavenScheme()

ORDER: list[Row] = [
    "0.1",
    ("1-alpha1", "1-a1", "1-alpha-1", "1.0-ALPHA-1", "1.0.alpha1"),
    "1-alpha2snapshot",
    "1-alpha2",
    "1-alpha-123",
    "1-beta-2",
    ("1-beta123", "1-b123"),
    ("1-m2", "1-milestone-2"),
    "1-m11",
    "1-rc",
    ("1-cr2", "1-rc2", "1.0-RC2", "1.0.rc2"),
    "1-rc123",
    ("1-SNAPSHOT", "1.0-snapshot"),
    ("1", "1.0", "1.0.0", "1-0", "1.ga", "1-GA", "1.final", "1.0.RELEASE", "1-", "1.", "1-0.0"),
    "1-sp",
    "1-sp-1",
    "1-sp2",
    "1-sp123",
    "1-sp.1",
    "1-a",  # "a" not followed by a digit is just an unknown qualifier
    "1-abc",
    "1-def",
    "1-foo2",
    "1-foo10",
    "1-pom-1",
    "1-1-snapshot",
    ("1-1", "1-ga-1", "1-0-1", "1.0-1"),
    "1-1.1",
    "1-2",
    "1-123",
    "1.0.1-alpha",
    ("1.0.1", "1.0.1.0", "1.0.1-final"),
    "1.0.1-sp",
    "1.0.1-1",
    "1.1",
    "2.0.0-M1",
    "2.0.0-RC1",
    ("2.0.0", "2.0.0.Final"),
    "2.0.a",  # a qualifier after a dot counts as after a hyphen (Maven 3.9, MNG-7644)
    "2-1",
    "2.0.2",
    "2.1-1",
    "2.13.2",
    "2.13.2.1",
    "2.13.2.2",
    "2.13.3",
    "9.4.43.v20210629",
    "9.4.44.v20210927",
    "31.1-android",
    "31.1-jre",
    "32.0.0-android",
]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0-alpha1", "1.0"),
        ("1-SNAPSHOT", "1"),
        ("1.0-sp", "1.0.1"),
        ("2.14.1", "2.15.0"),
        ("2.15.0-rc1", "2.15.0"),
        ("5.3.17", "5.3.18.RELEASE"),
    ],
)
def test_tricky_pairs(lower: str, higher: str) -> None:
    assert MAVEN.compare(lower, higher) == -1
    assert MAVEN.compare(higher, lower) == 1


def test_maven_order() -> None:
    assert_ordered(MAVEN, ORDER)


def test_equal_forms() -> None:
    assert MAVEN.compare("1.0", "1") == 0
    assert MAVEN.compare("5.3.18.RELEASE", "5.3.18") == 0


# The specification, followed literally: tokens with their separator, trimming from the end
# and before each hyphen, comparison with "null" padding chosen by the other side's token.
KNOWN = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]


def spec_tokens(version: str) -> list[tuple[str, int | str]]:
    raw: list[tuple[str, str, bool]] = []  # (separator, text, directly followed by a digit)
    separator, text = ".", ""
    for char in version.lower():
        if char in ".-":
            raw.append((separator, text, False))
            separator, text = char, ""
        elif text and text[-1].isdigit() != char.isdigit():
            raw.append((separator, text, char.isdigit()))
            separator, text = "-", char
        else:
            text += char
    raw.append((separator, text, False))
    tokens: list[tuple[str, int | str]] = []
    for sep, piece, before_digit in raw:
        if piece == "" or piece.isdigit():
            tokens.append((sep, int(piece or "0")))
            continue
        if before_digit:
            piece = {"a": "alpha", "b": "beta", "m": "milestone"}.get(piece, piece)
        piece = {"cr": "rc", "ga": "", "final": "", "release": ""}.get(piece, piece)
        tokens.append(("-", piece))
    i = len(tokens) - 1
    while i >= 0:
        if tokens[i][1] in (0, ""):
            tokens.pop(i)
            i -= 1
            continue
        while i >= 0 and tokens[i][0] != "-":
            i -= 1
        i -= 1
    return tokens


def token_cmp(x: tuple[str, int | str], y: tuple[str, int | str]) -> int:
    def kind(token: tuple[str, int | str]) -> int:  # qualifier < -number < .number
        return 0 if isinstance(token[1], str) else (1 if token[0] == "-" else 2)

    if kind(x) != kind(y):
        return -1 if kind(x) < kind(y) else 1
    a, b = x[1], y[1]
    if isinstance(a, str) and isinstance(b, str):
        rank_a = KNOWN.index(a) if a in KNOWN else len(KNOWN)
        rank_b = KNOWN.index(b) if b in KNOWN else len(KNOWN)
        if rank_a != rank_b:
            return -1 if rank_a < rank_b else 1
        return (a > b) - (a < b)
    assert isinstance(a, int) and isinstance(b, int)
    return (a > b) - (a < b)


def spec_compare(a: str, b: str) -> int:
    ta, tb = spec_tokens(a), spec_tokens(b)
    for i in range(max(len(ta), len(tb))):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x is None:
            assert y is not None
            x = (".", 0) if y[0] == "." and isinstance(y[1], int) else ("-", "")
        if y is None:
            y = (".", 0) if x[0] == "." and isinstance(x[1], int) else ("-", "")
        result = token_cmp(x, y)
        if result:
            return result
    return 0


def test_agrees_with_the_specification_followed_literally() -> None:
    pieces = ["0", "1", "2", "10", ".", ".", "-", "alpha", "a", "b", "m", "rc", "cr"]
    pieces += ["snapshot", "ga", "final", "release", "sp", "foo", "x", ".0", "-0", ".1", "-1"]
    versions = random_versions(pieces, 1_000, seed=8, max_parts=6)
    versions += ["1" + body for body in random_versions(pieces, 1_000, seed=9, max_parts=5)]
    agree_with_reference(MAVEN, spec_compare, versions, pairs=20_000)


@pytest.mark.parametrize("version", ["", "1." * 200, "1\n", "1\x00"])
def test_invalid(version: str) -> None:
    assert_rejects_quickly(MAVEN, version)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(MAVEN, version)
