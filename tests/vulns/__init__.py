"""Vulnerability data, version ordering and matching; `assert_ordered` checks an ordering table."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from auditapp.vulns.versions import InvalidVersion, VersionScheme

# One row of an ordering table: a version, or a tuple of versions that sort equal.
Row = str | tuple[str, ...]

# Strings no scheme should choke on: empty, blank, and absurdly long in shapes that make naive
# parsers backtrack or recurse (every one must give InvalidVersion or a key, quickly).
HOSTILE = (
    "",
    " ",
    "\x00",
    "1" * 10_000,
    "1." * 5_000,
    "1" + ".1" * 4_999 + "x",
    "1-" * 5_000,
    "1.0" + "a" * 9_997,
    "1.0-" + "a1" * 4_998,
    "v1.0.0-" + "a." * 4_996 + "!",
    "~" * 10_000,
    "1:" * 5_000,
    "0" * 9_999 + "1",
    "1.0" + "." * 9_997,
)


def assert_ordered(scheme: VersionScheme, table: Sequence[Row]) -> None:
    """Every earlier row sorts before every later one; versions in one row sort equal."""
    groups = [(row,) if isinstance(row, str) else row for row in table]
    keys = [[scheme.key(version) for version in group] for group in groups]
    for i, group in enumerate(groups):
        for a, key_a in zip(group, keys[i], strict=True):
            hash(key_a)
            for b, key_b in zip(group, keys[i], strict=True):
                assert key_a == key_b, f"{a} should equal {b}"
                assert hash(key_a) == hash(key_b)
                assert scheme.compare(a, b) == 0, f"{a} should equal {b}"
            for later, later_keys in zip(groups[i + 1 :], keys[i + 1 :], strict=True):
                for b, key_b in zip(later, later_keys, strict=True):
                    assert key_a < key_b, f"{a} should sort before {b}"
                    assert scheme.compare(a, b) == -1, f"{a} should sort before {b}"
                    assert scheme.compare(b, a) == 1, f"{b} should sort after {a}"
    flat = [version for group in groups for version in group]
    shuffled = flat[:]
    random.Random(4).shuffle(shuffled)
    ranks = {version: i for i, group in enumerate(groups) for version in group}
    assert [ranks[v] for v in sorted(shuffled, key=scheme.key)] == [ranks[v] for v in flat]


def assert_rejects_quickly(scheme: VersionScheme, version: str) -> None:
    """`version` gives InvalidVersion naming the scheme (the modules using this bound each
    test with a 60 s timeout: a hostile version must not make parsing crawl)."""
    try:
        scheme.key(version)
    except InvalidVersion as error:
        assert error.scheme == scheme.name
        assert error.version == version
        assert scheme.name in str(error)
        assert len(str(error)) < 300  # a 10,000-character version is shown shortened
    else:
        raise AssertionError(f"{version[:40]!r} should be invalid for {scheme.name}")


def assert_survives(scheme: VersionScheme, version: str) -> None:
    """A key or InvalidVersion, never another exception (the 60 s bound of the modules using
    this catches a long stall)."""
    try:
        key = scheme.key(version)
    except InvalidVersion as error:
        assert error.scheme == scheme.name
    else:
        assert key == scheme.key(version)
        hash(key)


def agree_with_reference(
    scheme: VersionScheme,
    reference: Callable[[str, str], int],
    versions: Sequence[str],
    pairs: int = 4_000,
    seed: int = 7,
) -> None:
    """`scheme.compare` has the sign of an independent port of the ecosystem's comparison on
    random pairs from `versions` (invalid ones are skipped)."""
    valid = []
    for version in versions:
        try:
            scheme.key(version)
        except InvalidVersion:
            continue
        valid.append(version)
    assert len(valid) > len(versions) // 2, "the generator should make mostly valid versions"
    rng = random.Random(seed)
    for _ in range(pairs):
        a, b = rng.choice(valid), rng.choice(valid)
        expected = reference(a, b)
        expected = (expected > 0) - (expected < 0)
        assert scheme.compare(a, b) == expected, (a, b, expected)


def random_versions(
    alphabet: Sequence[str], count: int, seed: int, max_parts: int = 7
) -> list[str]:
    """Versions glued from pieces of `alphabet`, biased towards near-collisions."""
    rng = random.Random(seed)
    return ["".join(rng.choices(alphabet, k=rng.randint(1, max_parts))) for _ in range(count)]
