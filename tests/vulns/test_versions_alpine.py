"""apk-tools' version order (src/version.c), used for Alpine, Wolfi and Chainguard."""

from __future__ import annotations

import random

import pytest

from auditapp.vulns.versions import AlpineScheme, InvalidVersion
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

ALPINE = AlpineScheme()

ORDER: list[Row] = [
    "0",
    "0.1_alpha_pre2",  # a pre-release suffix after another sorts even lower
    "0.1_alpha",
    "0.1_alpha1",
    "0.1_alpha2",
    "0.1_beta",
    "0.1_pre20060810",
    "0.1_rc1",
    "0.1",
    "0.1-r0",  # apk: the version that ends sorts below one with a revision
    "0.1-r1",
    "0.1_p1",
    "0.1a",
    "0.1.0",
    "1.2.07.8",  # a leading zero makes apk compare the digits as strings: "07" < "3"
    "1.2.3_rc1",
    "1.2.3",
    "1.2.3~0a1b",  # a commit hash sorts above the revision and above the plain version
    "1.2.3~1234",
    "1.2.3~1234-r1",
    "1.2.3~2345-r0",
    "1.2.3_cvs",
    "1.2.3_svn",
    "1.2.3_git20230717",
    "1.2.3_hg",
    "1.2.3_p1",
    "1.2.3_p1-r1",
    "1.2.3_p2",
    "1.2.3_p10",
    "1.2.3a",
    "1.2.3b-r1",
    "1.2.3.1",
    "1.2.4",
    "1.2.12.04",
    "3.1.4-r5",
    "3.1.4-r10",
    ("6", "006"),  # the first number is always an integer
    "8.2.0",
    "8.2.001",
    "8.2.0015",
    "8.2.002",
    "20050718-r1",
]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.2.3_rc1", "1.2.3"),
        ("1.2.3", "1.2.3_p1"),
        ("1.2.3", "1.2.3-r1"),
        ("1.2.3-r1", "1.2.3_p1"),  # the post-release suffix outranks the package revision
        ("1.2.4_git20230717-r4", "1.2.4_git20230718-r0"),
        ("3.1.4-r5", "3.1.4-r6"),
        ("1.36.1-r15", "1.36.1-r19"),
        ("1.06-r6", "006"),
        ("0.9.28.1", "087-r1"),
        ("2.12r-r4", "2.12r-r5"),
    ],
)
def test_tricky_pairs(lower: str, higher: str) -> None:
    assert ALPINE.compare(lower, higher) == -1
    assert ALPINE.compare(higher, lower) == 1


def test_apk_order() -> None:
    assert_ordered(ALPINE, ORDER)


# A port of apk-tools' tokenizer and compare loop, kept as close to the C as Python allows.
INITIAL, DIGIT, LETTER, SUFFIX, SUFFIX_NO, HASH, REVISION, END, INVALID = range(9)
SUFFIXES = {"alpha": 1, "beta": 2, "pre": 3, "rc": 4, "cvs": 6, "svn": 7, "git": 8, "hg": 9}
SUFFIXES["p"] = 10
NONE_SUFFIX = 5


def tokens(text: str) -> list[tuple[int, str, int]]:
    out: list[tuple[int, str, int]] = []
    pos = 0

    def digits(start: int) -> int:
        end = start
        while end < len(text) and text[end].isdigit():
            end += 1
        return end

    end = digits(0)
    out.append((INITIAL, text[:end], 0) if end else (INVALID, "", 0))
    pos = end
    while out[-1][0] < END:
        kind = out[-1][0]
        if pos == len(text):
            out.append((END, "", 0))
            break
        char = text[pos]
        if "a" <= char <= "z" and kind <= DIGIT:
            out.append((LETTER, char, 0))
            pos += 1
        elif (char == "." and kind <= DIGIT) or (char.isdigit() and kind == SUFFIX):
            if char == ".":
                pos += 1
            end = digits(pos)
            new = SUFFIX_NO if kind == SUFFIX else DIGIT
            out.append((new, text[pos:end], 0) if end > pos else (INVALID, "", 0))
            pos = end
        elif char == "_" and kind <= SUFFIX_NO:
            end = pos + 1
            while end < len(text) and "a" <= text[end] <= "z":
                end += 1
            name = text[pos + 1 : end]
            out.append((SUFFIX, name, SUFFIXES[name]) if name in SUFFIXES else (INVALID, "", 0))
            pos = end
        elif char == "~" and kind < HASH:
            end = pos + 1
            while end < len(text) and text[end] in "0123456789abcdef":
                end += 1
            out.append((HASH, text[pos + 1 : end], 0) if end > pos + 1 else (INVALID, "", 0))
            pos = end
        elif char == "-" and kind < REVISION and text.startswith("-r", pos):
            end = digits(pos + 2)
            out.append((REVISION, text[pos + 2 : end], 0) if end > pos + 2 else (INVALID, "", 0))
            pos = end
        else:
            out.append((INVALID, "", 0))
    return out


def token_cmp(a: tuple[int, str, int], b: tuple[int, str, int]) -> int:
    kind = a[0]
    if kind == DIGIT and (a[1][0] == "0" or b[1][0] == "0"):
        return (a[1] > b[1]) - (a[1] < b[1])
    if kind in (INITIAL, DIGIT, SUFFIX_NO, REVISION):
        x, y = int(a[1]), int(b[1])
    elif kind == LETTER:
        x, y = ord(a[1]), ord(b[1])
    elif kind == SUFFIX:
        x, y = a[2], b[2]
    else:
        return (a[1] > b[1]) - (a[1] < b[1])
    return (x > y) - (x < y)


def apk_compare(a: str, b: str) -> int:
    ta, tb = tokens(a), tokens(b)
    for x, y in zip(ta, tb, strict=False):
        if x[0] != y[0] or x[0] >= END:
            break
        result = token_cmp(x, y)
        if result:
            return result
    if x[0] == y[0]:
        return 0
    if x[0] == SUFFIX and x[2] < NONE_SUFFIX:
        return -1
    if y[0] == SUFFIX and y[2] < NONE_SUFFIX:
        return 1
    return -1 if x[0] > y[0] else 1


def apk_versions(count: int, seed: int) -> list[str]:
    """Valid apk versions built from the grammar, with many near-collisions."""
    rng = random.Random(seed)
    numbers = ["0", "1", "2", "9", "10", "01", "007", "00"]
    out = []
    for _ in range(count):
        text = rng.choice(["0", "1", "2", "01"])
        text += "".join("." + rng.choice(numbers) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.2:
            text += rng.choice("abz")
        for _ in range(rng.choice([0, 0, 1, 2])):
            text += "_" + rng.choice(list(SUFFIXES)) + rng.choice(["", "", "1", "2", "01", "10"])
        if rng.random() < 0.2:
            text += "~" + rng.choice(["0a", "1f", "a0", "1f0"])
        if rng.random() < 0.5:
            text += "-r" + rng.choice(["0", "1", "2", "10", "01"])
        out.append(text)
    return out


def test_agrees_with_a_port_of_apk_version_compare() -> None:
    agree_with_reference(ALPINE, apk_compare, apk_versions(1_500, seed=5), pairs=10_000)


def test_accepts_exactly_what_apk_version_validate_accepts() -> None:
    pieces = ["0", "1", "10", "07", ".", "a", "z", "A", "_alpha", "_p", "_", "_x", "~1f", "~"]
    pieces += ["-r0", "-r", "-", "+", "2"]
    for version in random_versions(pieces, 3_000, seed=9, max_parts=5):
        valid = tokens(version)[-1][0] == END
        try:
            ALPINE.key(version)
        except InvalidVersion:
            assert not valid, version
        else:
            assert valid, version


@pytest.mark.parametrize(
    "version",
    [
        "",
        "a",
        ".1",
        "_pre1",
        "-r1",
        "0.1bc",
        "0.1a1",
        "0.1a.1",
        "0.1_",
        "0.1_-r0",
        "0.1__alpha",
        "0.1_1_alpha",
        "0.1_foobar",
        "0.1_pre2~",
        "0.1_pre2~1234xbcd",
        "0.1_pre2~1234ABCD",
        "0.1_pre2~1234abcd_pre1",
        "0.1-pre1.1",
        "0.1-r",
        "0.1-r2_pre1",
        "0.1-r2-r3",
        "0.1-r2.1",
        "1.0.",
        "1.0-1",
        "1.0 ",
        "1.0+dfsg",
        "v1.0",
    ],
)
def test_invalid(version: str) -> None:
    assert_rejects_quickly(ALPINE, version)
    with pytest.raises(InvalidVersion, match="Alpine"):
        ALPINE.key(version)


@pytest.mark.parametrize(
    "version",
    [
        "1.2",
        "0.1_pre2",
        "0.1_pre2~1234abcd",
        "0.1_p1_pre2",
        "0.1_alpha1_pre2",
        "0.1_git20240101_pre1",
    ],
)
def test_valid(version: str) -> None:
    ALPINE.key(version)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(ALPINE, version)
