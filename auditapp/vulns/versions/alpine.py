"""Alpine, Wolfi and Chainguard package versions, in the order apk-tools gives them.

Implements apk-tools' src/version.c (the tokenizer of apk-tools 2.14 / 3.x, with `~hash`):
`digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`. Both versions are read token by
token; tokens of the same kind compare by value (the first number as an integer; a later number
as an integer, unless either side has a leading zero, then as a string; the letter; the suffix
by rank; suffix numbers and `-r` revisions as integers; the commit hash as a string). Where the
kinds differ, a pre-release suffix (`_alpha _beta _pre _rc`) sorts first, and otherwise the
token kind that comes later in the grammar sorts lower: so `1.2_rc1 < 1.2 < 1.2-r1 < 1.2_p1 <
1.2a < 1.2.1`. The post-release suffixes are `_cvs _svn _git _hg _p`. Anything else apk rejects
(`apk_version_validate`) is an InvalidVersion.
"""

from __future__ import annotations

import re

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

AlpineKey = str

_NAME = "Alpine"
_MAX_LENGTH = 65_536  # keeps every number's length below chr()'s limit
# One match per apk token (a "." takes its digits, "_" its suffix name, "~" its hash, "-r" its
# number); any other character is a token of its own, and an invalid one.
_TOKENS = re.compile(r"[0-9]+|\.[0-9]*|[a-z]|_[a-z]*|~[0-9a-f]*|-r[0-9]*|.", re.DOTALL)

# apk's token kinds, in grammar order.
_INITIAL_DIGIT, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _COMMIT_HASH, _REVISION_NO = range(7)

# Each token becomes a rank character, then its value. Where two versions first differ in
# token kind, the rank decides: a pre-release suffix sorts lowest, the end of the version
# next, and the other kinds in reverse grammar order (apk: "the non-terminating version is
# greater unless it's a suffix indicating pre-release", and of two different kinds the later
# one is lower). Values are prefix-free, so the joined string compares token by token.
_PRE_SUFFIX = "\x01"
_END = "\x02"
_REVISION = "\x03"
_HASH = "\x04"
_SUFFIX_NUMBER = "\x05"
_POST_SUFFIX = "\x06"
_LETTER_RANK = "\x07"
_DIGIT_RANK = "\x08"
_INITIAL_RANK = "\x09"
# apk's suffix values: the four pre-release ones sort below "no suffix", the rest above.
_PRE_SUFFIXES = {"alpha": "\x01", "beta": "\x02", "pre": "\x03", "rc": "\x04"}
_POST_SUFFIXES = {"cvs": "\x06", "svn": "\x07", "git": "\x08", "hg": "\x09", "p": "\x0a"}


def _number(digits: str) -> str:
    """A number as a string that sorts like its integer: length first, then the digits."""
    digits = digits.lstrip("0")
    return chr(len(digits)) + digits


def alpine_key(version: str) -> AlpineKey:
    def invalid(reason: str) -> InvalidVersion:
        return InvalidVersion(version, _NAME, reason)

    if len(version) > _MAX_LENGTH:
        raise invalid(f"longer than {_MAX_LENGTH:,} characters")
    tokens = _TOKENS.findall(version)
    if not tokens or not "0" <= tokens[0][0] <= "9":
        raise invalid("it must start with a digit")
    parts = [_INITIAL_RANK, _number(tokens[0])]
    kind = _INITIAL_DIGIT
    for token in tokens[1:]:
        first = token[0]
        if first == ".":
            if kind > _DIGIT:
                raise invalid("'.' after a letter, suffix, hash or revision")
            digits = token[1:]
            if not digits:
                raise invalid("a '.' must be followed by digits")
            # apk compares these as strings when either has a leading zero ("1.05" < "1.1");
            # a string starting with "0" is below any without, as with memcmp.
            if digits[0] == "0":
                parts += (_DIGIT_RANK, "\x00", digits, "\x00")
            else:
                parts += (_DIGIT_RANK, "\x01", _number(digits))
            kind = _DIGIT
        elif "0" <= first <= "9":  # only a suffix name can be followed directly by digits
            if kind != _SUFFIX:
                raise invalid(f"digits {token!r} after a letter, hash or revision")
            parts += (_SUFFIX_NUMBER, _number(token))
            kind = _SUFFIX_NO
        elif "a" <= first <= "z":
            if kind > _DIGIT:
                raise invalid(f"letter {first!r} after a letter, suffix, hash or revision")
            parts += (_LETTER_RANK, first)
            kind = _LETTER
        elif first == "_":
            if kind > _SUFFIX_NO:
                raise invalid("'_' after a hash or revision")
            name = token[1:]
            if name in _PRE_SUFFIXES:
                parts += (_PRE_SUFFIX, _PRE_SUFFIXES[name])
            elif name in _POST_SUFFIXES:
                parts += (_POST_SUFFIX, _POST_SUFFIXES[name])
            else:
                raise invalid(f"unknown suffix {token!r}")
            kind = _SUFFIX
        elif first == "~":
            if kind >= _COMMIT_HASH or len(token) == 1:
                raise invalid("'~' must be followed by a lower-case hex commit hash, once")
            parts += (_HASH, token[1:], "\x00")
            kind = _COMMIT_HASH
        elif first == "-" and len(token) > 1:
            if kind >= _REVISION_NO or len(token) == 2:
                raise invalid("'-r' must be followed by digits, once, at the end")
            parts += (_REVISION, _number(token[2:]))
            kind = _REVISION_NO
        else:
            raise invalid(f"unexpected character {first!r}")
    parts.append(_END)
    return "".join(parts)


class AlpineScheme(KeyedScheme):
    """apk's order, used for Alpine, Wolfi and Chainguard packages and advisories."""

    name = _NAME

    def parse(self, version: str) -> AlpineKey:
        return alpine_key(version)
