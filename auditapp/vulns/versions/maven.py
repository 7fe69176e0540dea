"""Maven artifact versions, in the order of Maven's ComparableVersion.

Implements the POM reference's "Version Order Specification" (maven.apache.org/pom.html),
the documented form of org.apache.maven.artifact.versioning.ComparableVersion, with the
Maven 3.9 rule that a qualifier after a dot counts as after a hyphen (MNG-7644, `1.0.RC1` =
`1.0-RC1`) and `release` as a synonym of `ga`/`final`:

- Lower-cased, the version is split into tokens at `.`, `-` and every digit/non-digit
  transition (a transition counts as `-`); an empty token is 0; a number is `.n` or `-n`
  after its separator, a qualifier is a qualifier whatever precedes it.
- `a`, `b`, `m` directly followed by a digit mean alpha, beta, milestone; `cr` is `rc`;
  `ga`, `final`, `release` are the empty qualifier.
- Trailing "null" tokens (0, the empty qualifier) are trimmed, then again before each hyphen
  from the end: `1.0.0 = 1`, `1.0-final = 1`, `1.0.0-foo.0.0 = 1-foo`, `1-ga-1 = 1-1`.
- Tokens compare in order, the shorter version padded with nulls (0 against `.n`, the empty
  qualifier otherwise): qualifiers < `-n` < `.n`; numbers numerically; qualifiers as
  alpha < beta < milestone < rc < snapshot < "" < sp < any other qualifier (those
  lexically). So `1-alpha1 < 1-SNAPSHOT < 1 = 1.0 < 1-sp < 1-foo < 1-1 < 1.0.1`.

Like Maven 4, a version longer than 256 characters is refused.
"""

from __future__ import annotations

import re

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

MavenToken = tuple[int | str, ...]
MavenKey = tuple[MavenToken, ...]

_NAME = "Maven"
_MAX_LENGTH = 256
_TOKENS = re.compile(r"[0-9]+|[^0-9.\-]+|[.\-]")

_QUALIFIER, _DASH_NUMBER, _DOT_NUMBER = 0, 1, 2
_NULL_RANK = 5
_KNOWN = {"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": _NULL_RANK, "sp": 6}
_ALIASES = {"cr": "rc", "ga": "", "final": "", "release": ""}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}
_UNKNOWN_RANK = 7
# Past the last token: below every number and every qualifier from "" up, above alpha ..
# snapshot. A null token still in a trimmed version is always followed, in its group, by a
# number above 0, so the end sorts below it too.
_END = (_QUALIFIER, _NULL_RANK)


def _split(text: str) -> list[tuple[str, int | str]]:
    """(separator, token) pairs: the separator is "." or "-"; a token is an int or a
    qualifier, as the specification splits and renames them."""
    tokens: list[tuple[str, int | str]] = []
    separator = "."  # the first token behaves as if after a dot
    expect_token = True  # a separator just passed, or the start: an empty token is 0
    pieces = _TOKENS.findall(text)
    for index, piece in enumerate(pieces):
        if piece in (".", "-"):
            if expect_token:
                tokens.append((separator, 0))
            separator, expect_token = piece, True
            continue
        if not expect_token:
            separator = "-"  # a digit/non-digit transition
        if "0" <= piece[0] <= "9":  # ASCII digits only, as in Maven
            tokens.append((separator, int(piece)))
        else:
            followed_by_digit = index + 1 < len(pieces) and "0" <= pieces[index + 1][0] <= "9"
            name = _SHORT.get(piece, piece) if followed_by_digit else piece
            tokens.append(("-", _ALIASES.get(name, name)))
        expect_token = False
    if expect_token and pieces:
        tokens.append((separator, 0))
    return tokens


def _is_null(token: tuple[str, int | str]) -> bool:
    return token[1] == 0 or token[1] == ""


def _trim(tokens: list[tuple[str, int | str]]) -> list[tuple[str, int | str]]:
    """Drop trailing nulls, then the nulls before each remaining hyphen, from the end."""
    kept: list[tuple[str, int | str]] = []
    trimming = True
    for token in reversed(tokens):
        if trimming and _is_null(token):
            continue
        kept.append(token)
        trimming = token[0] == "-"
    kept.reverse()
    return kept


def _token_key(token: tuple[str, int | str]) -> MavenToken:
    separator, value = token
    if isinstance(value, int):
        return (_DOT_NUMBER if separator == "." else _DASH_NUMBER, value)
    rank = _KNOWN.get(value, _UNKNOWN_RANK)
    return (_QUALIFIER, rank, value if rank == _UNKNOWN_RANK else "")


def maven_key(version: str) -> MavenKey:
    if not version:
        raise InvalidVersion(version, _NAME, "the version is empty")
    if len(version) > _MAX_LENGTH:
        raise InvalidVersion(version, _NAME, f"longer than {_MAX_LENGTH} characters")
    if not version.isprintable():
        raise InvalidVersion(version, _NAME, "control characters")
    tokens = _trim(_split(version.lower()))
    return (*map(_token_key, tokens), _END)


class MavenScheme(KeyedScheme):
    """Maven's ComparableVersion order, used for Maven artifacts."""

    name = _NAME

    def parse(self, version: str) -> MavenKey:
        return maven_key(version)
