"""Debian and Ubuntu package versions, in the order dpkg gives them.

Implements deb-version(7) as dpkg's lib/dpkg/version.c does (`dpkg_version_compare`,
`verrevcmp`): `[epoch:]upstream[-revision]`; epochs compare as integers, then the upstream
version, then the revision. Each of those two is read as alternating runs of non-digits and
digits: non-digit runs compare character by character, `~` first (even before the end of the
run), then letters, then every other character; digit runs compare as integers, an absent run
counting as 0. Parsing follows dpkg's parseversion (lib/dpkg/parsehelp.c): blanks around the
version are ignored, the epoch is what precedes the first colon, the revision what follows the
last hyphen; an empty epoch, upstream version or revision is an error. Characters outside
printable ASCII are rejected here (dpkg only warns about them) so every key is well defined.
"""

from __future__ import annotations

import re

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

DebianKey = str

_NAME = "Debian"
_INT_MAX = 2**31 - 1  # dpkg stores the epoch in an int
_MAX_LENGTH = 65_536  # keeps every run length below chr()'s limit; no real version comes close
_DIGITS = frozenset("0123456789")
_RUNS = re.compile(r"[0-9]+|[^0-9]+")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")

# A non-digit run becomes a string that sorts as dpkg's `order()` weights do: `~` lowest, then
# the end of the run (its terminator), letters, then every other character.
_TILDE, _END_OF_RUN = "\x01", "\x02"


def _weight(char: str) -> str:
    if char == "~":
        return _TILDE
    return char if char.isalpha() else chr(ord(char) + 256)


_WEIGHTS = str.maketrans(
    {chr(code): _weight(chr(code)) for code in range(0x21, 0x7F) if chr(code) not in _DIGITS}
)


def _number(digits: str) -> str:
    """A digit run as a string that sorts like its integer: length first, then the digits."""
    digits = digits.lstrip("0")
    return chr(len(digits)) + digits


def _verrev_key(text: str) -> str:
    """The key of an upstream version or revision: keys compare as verrevcmp compares.

    The text becomes (non-digit run, digit run) pairs, starting with a possibly empty non-digit
    run and ending with a possibly empty digit run, then an empty non-digit run for the end.
    Every piece is prefix-free (runs end in their terminator, numbers start with their
    length), so comparing the joined string compares the pieces in turn.
    """
    runs = _RUNS.findall(text)
    if not runs or runs[0][0] in _DIGITS:
        runs.insert(0, "")
    if len(runs) % 2:
        runs.append("")
    parts = []
    for index in range(0, len(runs), 2):
        parts.append(runs[index].translate(_WEIGHTS))
        parts.append(_END_OF_RUN)
        parts.append(_number(runs[index + 1]))
    parts.append(_END_OF_RUN)
    return "".join(parts)


def debian_key(version: str) -> DebianKey:
    if len(version) > _MAX_LENGTH:
        raise InvalidVersion(version, _NAME, f"longer than {_MAX_LENGTH:,} characters")
    text = version.strip(" \t")
    if not text:
        raise InvalidVersion(version, _NAME, "the version is empty")
    if not _PRINTABLE.fullmatch(text):
        raise InvalidVersion(version, _NAME, "blanks or characters outside printable ASCII")
    epoch = ""
    epoch_text, colon, rest = text.partition(":")
    if colon:
        if not epoch_text or not epoch_text.isdigit():
            raise InvalidVersion(version, _NAME, "the epoch before ':' is not a number")
        if len(epoch_text) > 10 or int(epoch_text) > _INT_MAX:
            raise InvalidVersion(version, _NAME, "the epoch is too big")
        if not rest:
            raise InvalidVersion(version, _NAME, "nothing after the epoch's ':'")
        epoch = epoch_text
        text = rest
    upstream, hyphen, revision = text.rpartition("-")
    if not hyphen:
        upstream, revision = text, ""
    elif not revision:
        raise InvalidVersion(version, _NAME, "the revision after the last '-' is empty")
    if not upstream:
        raise InvalidVersion(version, _NAME, "the upstream version is empty")
    return _number(epoch) + _verrev_key(upstream) + _verrev_key(revision)


class DebianScheme(KeyedScheme):
    """dpkg's order, used for Debian and Ubuntu packages and advisories."""

    name = _NAME

    def parse(self, version: str) -> DebianKey:
        return debian_key(version)
