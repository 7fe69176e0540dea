"""npm and Go module versions: Semantic Versioning 2.0.0 precedence, two front doors.

SemVer 2.0.0 (semver.org, items 2, 9-11): MAJOR.MINOR.PATCH without leading zeros, compared
numerically; a pre-release (`-` and dot-separated identifiers) sorts below its release;
pre-release identifiers compare numerically when both are numbers, numbers below alphanumerics,
alphanumerics in ASCII order, and a longer list above its own prefix; build metadata (`+...`)
is ignored. Numbers have no size limit (compared by length, then digits).

npm follows node-semver's strict parser: surrounding blanks and a leading `=` and/or `v` are
accepted, longer than 256 characters or a number above 2^53-1 is rejected.
Go follows golang.org/x/mod/semver: `v` first, with the short forms `v1` = `v1.0.0` and
`v1.2` = `v1.2.0`. OSV's Go records write versions without the `v` ("1.2.3", "0.0.0-2023..."),
so those are accepted as well, but only in full MAJOR.MINOR.PATCH form (a bare "0" is OSV's
"introduced: 0", not v0.0.0). `+incompatible` is build metadata and pseudo-versions
(`v0.0.0-20230102150405-abcdef123456`, `v1.2.4-0.2023...`, `v1.2.3-pre.0.2023...`) are
ordinary pre-releases, so both order by the rules above, as in Go.
"""

from __future__ import annotations

import re

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

# (major length, major, minor length, minor, patch length, patch, pre-release)
SemverKey = tuple[int, str, int, str, int, str, tuple[tuple[int, int, str], ...]]

_NUMBER = re.compile(r"0|[1-9][0-9]*")
_IDENTIFIERS = re.compile(r"[0-9A-Za-z.-]+")
_RELEASE: tuple[tuple[int, int, str], ...] = ((2, 0, ""),)  # above any identifier's (0|1, ...)
_NPM_MAX_LENGTH = 256
_NPM_MAX_SAFE_INTEGER = 2**53 - 1


def _identifiers(text: str, *, no_leading_zeros: bool) -> list[str] | None:
    """Dot-separated non-empty [0-9A-Za-z-] identifiers, or None."""
    if not _IDENTIFIERS.fullmatch(text):
        return None
    parts = text.split(".")
    for part in parts:
        if not part:
            return None
        if no_leading_zeros and len(part) > 1 and part[0] == "0" and part.isdigit():
            return None
    return parts


def _parse(text: str, *, short_forms: bool) -> SemverKey | str:
    """The key of `text` (no prefix), or why it is not SemVer."""
    core, plus, build = text.partition("+")
    if plus and _identifiers(build, no_leading_zeros=False) is None:
        return "bad build metadata after '+'"
    core, dash, prerelease = core.partition("-")
    numbers = core.split(".")
    if short_forms and not dash and not plus and len(numbers) < 3:
        numbers += ["0"] * (3 - len(numbers))
    if len(numbers) != 3:
        return "it needs MAJOR.MINOR.PATCH"
    major, minor, patch = numbers
    if not (_NUMBER.fullmatch(major) and _NUMBER.fullmatch(minor) and _NUMBER.fullmatch(patch)):
        return "MAJOR.MINOR.PATCH must be numbers without leading zeros"
    pre = _RELEASE
    if dash:
        identifiers = _identifiers(prerelease, no_leading_zeros=True)
        if identifiers is None:
            return "bad pre-release after '-'"
        pre = tuple(
            (0, len(part), part) if part.isdigit() else (1, 0, part) for part in identifiers
        )
    return len(major), major, len(minor), minor, len(patch), patch, pre


def npm_key(version: str) -> SemverKey:
    if len(version) > _NPM_MAX_LENGTH:
        raise InvalidVersion(version, "npm", f"longer than {_NPM_MAX_LENGTH} characters")
    text = version.strip()
    text = text.removeprefix("=").removeprefix("v")
    parsed = _parse(text, short_forms=False)
    if isinstance(parsed, str):
        raise InvalidVersion(version, "npm", parsed)
    for length, digits in ((parsed[0], parsed[1]), (parsed[2], parsed[3]), (parsed[4], parsed[5])):
        if length > 16 or int(digits) > _NPM_MAX_SAFE_INTEGER:
            raise InvalidVersion(version, "npm", "a number above 2^53-1")
    return parsed


def go_key(version: str) -> SemverKey:
    if version.startswith("v"):
        parsed = _parse(version[1:], short_forms=True)
    else:
        parsed = _parse(version, short_forms=False)
    if isinstance(parsed, str):
        raise InvalidVersion(version, "Go", parsed)
    return parsed


class NpmScheme(KeyedScheme):
    """node-semver's order, used for npm packages."""

    name = "npm"

    def parse(self, version: str) -> SemverKey:
        return npm_key(version)


class GoScheme(KeyedScheme):
    """golang.org/x/mod/semver's order, used for Go modules."""

    name = "Go"

    def parse(self, version: str) -> SemverKey:
        return go_key(version)
