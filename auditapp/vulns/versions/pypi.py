"""Python package versions, in PEP 440 order, parsed by `packaging` (PyPA's own implementation).

PEP 440 ("Version specifiers", Summary of permitted suffixes and relative ordering): epoch
(`1!`), then the release segment with trailing zeros ignored (`1.0 == 1.0.0`), then
`X.devN < X.aN < X.bN < X.rcN < X < X.postN`, a dev release of a pre or post release just
below it, and a local version label (`+ubuntu1`) above the same public version, its segments
compared numerically when both are numbers, numbers above strings. `packaging.version.Version`
parses and normalises (`1.0-1` is `1.0.post1`, `3.8-rc` is `3.8rc0`); the key repeats
packaging's own comparison key from the parsed parts, as plain tuples of ints and strings;
plain releases ("1.26.5", most versions in advisories) are read directly, to the same key.
"""

from __future__ import annotations

from packaging.version import Version

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

PypiKey = tuple[
    int,
    tuple[int, ...],
    tuple[int | str, ...],
    int,
    tuple[int, ...],
    tuple[tuple[int, int, str], ...],
]

_NAME = "PyPI"


_STABLE = ((2,), -1, (1,), ())  # pre, post, dev, local of a plain release such as "1.2.3"


def _trimmed(release: tuple[int, ...]) -> tuple[int, ...]:
    """The release without trailing zeros: 1.0.0 == 1."""
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    return release[:end]


def pypi_key(version: str) -> PypiKey:
    parts = version.split(".")
    if all(part.isascii() and part.isdigit() and len(part) < 100 for part in parts):
        # Most versions are plain releases; packaging would read them the same way.
        return 0, _trimmed(tuple(map(int, parts))), *_STABLE
    try:
        parsed = Version(version)
    except ValueError as error:  # packaging's InvalidVersion, or int() refusing a huge number
        raise InvalidVersion(version, _NAME, "not PEP 440") from error
    pre: tuple[int | str, ...]
    if parsed.pre is not None:
        pre = (1, *parsed.pre)  # ("a" | "b" | "rc", n): the letters already sort in that order
    elif parsed.dev is not None and parsed.post is None:
        pre = (0,)  # 1.0.dev1 sorts before 1.0a1
    else:
        pre = (2,)
    post = -1 if parsed.post is None else parsed.post
    dev = (1,) if parsed.dev is None else (0, parsed.dev)
    local: tuple[tuple[int, int, str], ...] = ()
    if parsed.local is not None:
        local = tuple(
            (1, int(part), "") if part.isdigit() else (0, 0, part)
            for part in parsed.local.split(".")
        )
    return parsed.epoch, _trimmed(parsed.release), pre, post, dev, local


class PypiScheme(KeyedScheme):
    """PEP 440's order, used for Python packages."""

    name = _NAME

    def parse(self, version: str) -> PypiKey:
        return pypi_key(version)
