"""The one-pass range evaluation agrees with OSV's sorted walk, on many generated ranges."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from auditapp.vulns.matching import AffectedEntry, Target, evaluate
from auditapp.vulns.versions import InvalidVersion, VersionScheme, scheme_for_osv

# Equal versions written differently ("1.0" == "1.0.0" in PEP 440), pre-releases, a bad one.
_PYPI = ["0", "0.9", "1.0", "1.0.0", "1.0rc1", "1.1", "1.5", "2.0", "2.0.post1", "3", "bad!", "*"]
_GO = ["0", "0.0.0-20200101000000-abcdef123456", "1.0.0", "1.1.0", "1.2.0-rc.1", "1.2.0", "2.0.0"]
_GO_INSTALLED = ["v0.0.0-20190101000000-abcdef123456", "v1.0.0", "v1.1.5", "v1.2.0", "v9.0.0"]
_KINDS = ["introduced", "introduced", "fixed", "fixed", "last_affected", "limit"]


def _walk(
    events: Sequence[tuple[str, str]], version: Any, scheme: VersionScheme
) -> tuple[bool, tuple[str, ...]]:
    """OSV's algorithm as written: key every event, sort, walk (raises on a bad version)."""
    limits = [scheme.key(v) for k, v in events if k == "limit" and v != "*"]
    if limits and not any(version < limit for limit in limits):
        return False, ()
    keyed = [
        (None if (kind == "introduced" and value == "0") else scheme.key(value), i, kind, value)
        for i, (kind, value) in enumerate(events)
        if kind != "limit"
    ]
    keyed.sort(key=lambda e: (0,) if e[0] is None else (1, e[0], e[1]))
    affected = False
    for key, _, kind, _value in keyed:
        if kind == "introduced" and (key is None or version >= key):
            affected = True
        elif (kind == "fixed" and version >= key) or (kind == "last_affected" and version > key):
            affected = False
    if not affected:
        return False, ()
    fixes = [(k, v) for k, _, kind, v in keyed if kind == "fixed" and k is not None and k > version]
    return True, (min(fixes)[1],) if fixes else ()


def _reference(
    entry: AffectedEntry, version: str, scheme: VersionScheme
) -> tuple[bool, tuple[str, ...], bool]:
    """(affected, fixes, unevaluable) by the sorted walk, explicit versions after the ranges."""
    try:
        key = scheme.key(version)
    except InvalidVersion:
        return False, (), True
    problem = False
    for _, events in entry.ranges:
        try:
            hit, fixes = _walk(events, key, scheme)
        except InvalidVersion:
            problem = True
            continue
        if hit:
            return True, fixes, False
    if version in entry.versions:
        readable = []
        for _, events in entry.ranges:
            for kind, value in events:
                try:
                    if kind == "fixed" and scheme.key(value) > key:
                        readable.append((scheme.key(value), value))
                except InvalidVersion:
                    continue
        return True, (min(readable)[1],) if readable else (), False
    return False, (), problem


@pytest.mark.parametrize(
    ("ecosystem", "pool", "installed"),
    [("PyPI", _PYPI, _PYPI[1:]), ("Go", _GO, _GO_INSTALLED)],
)
def test_one_pass_agrees_with_the_sorted_walk(
    ecosystem: str, pool: list[str], installed: list[str]
) -> None:
    scheme = scheme_for_osv(ecosystem)
    assert scheme is not None
    rng = random.Random(4)
    kinds_seen = set()
    for _ in range(3000):
        ranges = tuple(
            (
                "ECOSYSTEM",
                tuple((rng.choice(_KINDS), rng.choice(pool)) for _ in range(rng.randint(0, 5))),
            )
            for _ in range(rng.randint(1, 3))
        )
        listed = tuple(rng.sample(installed, rng.randint(0, 2)))
        entry = AffectedEntry("T-1", ecosystem, ranges, listed)
        for version in installed:
            verdict = evaluate(entry, Target(ecosystem, "x", version), scheme)
            got = (verdict.affected, verdict.fixed_versions, bool(verdict.unevaluable))
            assert got == _reference(entry, version, scheme), (ranges, listed, version)
            kinds_seen.add(got)
    assert len(kinds_seen) >= 4  # affected with and without a fix, unaffected, unevaluable
