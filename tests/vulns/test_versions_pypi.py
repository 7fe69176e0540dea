"""PEP 440 order, through `packaging`, for Python packages."""

from __future__ import annotations

import random

import pytest
from packaging.version import Version

from auditapp.vulns.versions import PypiScheme
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

PYPI = PypiScheme()

ORDER: list[Row] = [
    "0.dev0",
    "0",
    "0.9",
    "1.0.dev0",
    ("1.0.dev1", "1.0-dev1", "1.0dev1"),
    "1.0a1.dev1",
    ("1.0a1", "1.0alpha1", "1.0-a1", "1.0.a.1"),
    "1.0a2",
    "1.0a10",
    ("1.0b1", "1.0beta1"),
    ("1.0rc1", "1.0c1", "1.0pre1", "1.0preview1"),
    ("1.0", "1.0.0", "1", "v1.0", " 1.0 ", "0!1.0"),
    "1.0+abc",
    "1.0+abc.1",
    "1.0+abc.2",
    "1.0+1",
    ("1.0+2", "1.0+02"),
    "1.0+10",
    "1.0.post0.dev1",
    ("1.0.post0", "1.0.post", "1.0-0"),
    ("1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0.r1"),
    "1.0.post2",
    "1.0.1",
    "1.1.dev1",
    "1.1",
    "2.0",
    "2019.9.12",
    "1!0.5",
    "1!2.0",
    "2!0.1",
]


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.dev1", "1.0a1"),
        ("1.0a1", "1.0b1"),
        ("1.0b1", "1.0rc1"),
        ("1.0rc1", "1.0"),
        ("1.0", "1.0.post1"),
        ("2.0", "1!0.5"),
        ("1.0", "1.0+local"),
        ("1.26.4", "1.26.5"),
        ("3.8-rc", "3.8"),
    ],
)
def test_tricky_pairs(lower: str, higher: str) -> None:
    assert PYPI.compare(lower, higher) == -1
    assert PYPI.compare(higher, lower) == 1


def test_pep440_order() -> None:
    assert_ordered(PYPI, ORDER)


def test_equal_forms() -> None:
    assert PYPI.compare("1.0", "1.0.0") == 0
    assert PYPI.key("1.0") == PYPI.key("1.0.0.0")


def pep440_versions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = rng.choice(["", "", "", "1!"])
        text += ".".join(rng.choice(["0", "1", "2", "10"]) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.4:
            text += rng.choice(["a", "b", "rc"]) + rng.choice(["0", "1", "2"])
        if rng.random() < 0.3:
            text += ".post" + rng.choice(["0", "1", "2"])
        if rng.random() < 0.3:
            text += ".dev" + rng.choice(["0", "1"])
        if rng.random() < 0.3:
            text += "+" + ".".join(rng.choice(["1", "2", "a", "b", "10"]) for _ in range(2))
        out.append(text)
    return out


def test_agrees_with_packaging_version_order() -> None:
    def reference(a: str, b: str) -> int:
        va, vb = Version(a), Version(b)
        return (va > vb) - (va < vb)

    agree_with_reference(PYPI, reference, pep440_versions(2_000, seed=1), pairs=10_000)


@pytest.mark.parametrize(
    "version", ["", "1.0-n653", "2019-09-12", "latest", "1.0+", "1..0", "1.0.x", "=1.0"]
)
def test_invalid(version: str) -> None:
    assert_rejects_quickly(PYPI, version)


@pytest.mark.parametrize("version", HOSTILE)
def test_hostile_input(version: str) -> None:
    assert_survives(PYPI, version)
