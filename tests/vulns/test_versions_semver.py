"""SemVer 2.0.0 precedence for npm (node-semver) and Go modules (golang.org/x/mod/semver)."""

from __future__ import annotations

import random

import pytest

from auditapp.vulns.versions import GoScheme, NpmScheme
from tests.vulns import (
    HOSTILE,
    Row,
    agree_with_reference,
    assert_ordered,
    assert_rejects_quickly,
    assert_survives,
)

# hostile versions are rejected or read quickly: each test here is bounded (pytest-timeout)
pytestmark = pytest.mark.timeout(60)

NPM = NpmScheme()
GO = GoScheme()

# The example from semver.org item 11, then the edges around it.
NPM_ORDER: list[Row] = [
    "0.0.0-0",
    "0.0.0",
    "0.0.1",
    "0.9.99999",
    "1.0.0-0",
    "1.0.0-1",
    "1.0.0-2",
    "1.0.0-10",
    "1.0.0--",  # "-" is an alphanumeric identifier, above every number
    "1.0.0-0a",
    "1.0.0-A",
    "1.0.0-Z",
    "1.0.0-alpha",
    "1.0.0-alpha.0",
    ("1.0.0-alpha.1", "1.0.0-alpha.1+build.5"),
    "1.0.0-alpha.1.0",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    ("1.0.0", "v1.0.0", "=1.0.0", "=v1.0.0", " 1.0.0 ", "1.0.0+20130313144700", "1.0.0+a.b"),
    "1.0.1-alpha",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
    "10.0.0",
    "9007199254740991.0.0",
]

GO_ORDER: list[Row] = [
    "v0.0.0-20160722212129-ac0cc4484ad4",  # pseudo-versions of untagged modules
    ("v0.0.0-20230102150405-abcdef123456", "0.0.0-20230102150405-abcdef123456"),
    "v0.0.0",
    "v0.0.1",
    ("v0.1.0", "v0.1"),
    ("v1.0.0", "v1", "1.0.0", "v1.0.0+incompatible", "v1.0.0+meta"),
    "v1.2.3-alpha",
    "v1.2.3-pre",
    "v1.2.3-pre.0.20230102150405-abcdef123456",  # a pseudo-version after v1.2.3-pre
    "v1.2.3-pre.1",
    "v1.2.3",
    "v1.2.4-0.20230102150405-abcdef123456",  # after v1.2.3, before v1.2.4
    "v1.2.4-0.20230102160000-0123456789ab",
    "v1.2.4-alpha.1",
    ("v1.2.4", "1.2.4"),
    "v1.16.0-0",
    "v1.16.0",
    ("v2.0.0+incompatible", "2.0.0+incompatible"),
    "v2.1.1-0.20170519163204-f913f5f9c7c6+incompatible",
    "v2.7.0-rc.0+incompatible",
    "v3.0.0",
    "v4.0.0-preview1",
    "v10.0.0",
    "v123456789012345678901234567890.0.0",  # Go compares numbers of any length
]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0-alpha", "1.0.0"),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.9.0", "1.10.0"),
    ],
)
def test_npm_tricky_pairs(lower: str, higher: str) -> None:
    assert NPM.compare(lower, higher) == -1
    assert NPM.compare(higher, lower) == 1


def test_npm_order() -> None:
    assert_ordered(NPM, NPM_ORDER)


def test_go_order() -> None:
    assert_ordered(GO, GO_ORDER)


def test_go_pseudo_version_sits_between_its_base_and_the_next_release() -> None:
    pseudo = "v1.2.4-0.20230102150405-abcdef123456"
    assert GO.compare("v1.2.3", pseudo) == -1
    assert GO.compare(pseudo, "v1.2.4") == -1


def semver_compare(a: str, b: str) -> int:
    """SemVer 2.0.0 item 11, written from the text, the reference for the fuzz test."""

    def parse(text: str) -> tuple[list[int], list[str] | None]:
        text = text.strip().lstrip("=v").partition("+")[0]
        core, dash, pre = text.partition("-")
        numbers = [int(n) for n in core.split(".")] + [0] * (3 - core.count(".") - 1)
        return numbers, pre.split(".") if dash else None

    (na, pa), (nb, pb) = parse(a), parse(b)
    if na != nb:
        return -1 if na < nb else 1
    if pa is None or pb is None:
        return 0 if pa == pb else (1 if pa is None else -1)
    for x, y in zip(pa, pb, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


def semver_versions(count: int, seed: int, prefix: str) -> list[str]:
    rng = random.Random(seed)
    ids = ["0", "1", "2", "10", "alpha", "beta", "rc", "A", "-", "0a", "x-1", "20230102150405-ab"]
    out = []
    for _ in range(count):
        text = prefix + ".".join(rng.choice(["0", "1", "2", "10"]) for _ in range(3))
        if rng.random() < 0.6:
            text += "-" + ".".join(rng.choice(ids) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            text += "+" + rng.choice(["incompatible", "build.1", "001"])
        out.append(text)
    return out


def test_npm_agrees_with_the_semver_text() -> None:
    agree_with_reference(NPM, semver_compare, semver_versions(1_500, 2, ""), pairs=8_000)


def test_go_agrees_with_the_semver_text() -> None:
    versions = semver_versions(800, 3, "v") + semver_versions(700, 4, "")
    agree_with_reference(GO, semver_compare, versions, pairs=8_000)


@pytest.mark.parametrize(
    "version",
    [
        "",
        "0",  # OSV's introduced "0" is not a version
        "1",
        "1.2",
        "v1.2.3",
        "1.2.3.4",
        "01.2.3",
        "1.02.3",
        "1.2.3-01",
        "1.2.3-",
        "1.2.3-a..b",
        "1.2.3+",
        "1.2.3-a_b",
        "1.2.3 4",
        "a.b.c",
        "9007199254740992.0.0",
        "1.2.3-" + "a" * 300,
        "１.２.３",
    ],
)
def test_npm_invalid(version: str) -> None:
    if version == "v1.2.3":
        NPM.key(version)  # node-semver accepts a leading "v"
        return
    assert_rejects_quickly(NPM, version)


@pytest.mark.parametrize(
    "version",
    [
        "",
        "0",  # OSV's introduced "0" is not a version
        "1.2",  # short forms need the "v", as in Go
        "v",
        "v1.2-pre",
        "v1.2.3.4",
        "v01.2.3",
        "v1.2.3-01",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.3+a..b",
        " v1.2.3",
        "=v1.2.3",
        "V1.2.3",
    ],
)
def test_go_invalid(version: str) -> None:
    assert_rejects_quickly(GO, version)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(NPM, version)
    assert_survives(GO, version)


def test_a_long_go_pre_release_keys_quickly() -> None:
    long = "v1.0.0-" + ".".join(["a1"] * 3_000)
    assert GO.compare(long, "v1.0.0") == -1
