"""RPM package versions (Red Hat, Rocky, AlmaLinux, SUSE, openSUSE ...), in rpm's order.

Implements rpm's lib/rpmvercmp.c (`rpmvercmp`) and EVR comparison (`rpmverCmp`):
`[epoch:]version[-release]`, the epoch being the leading digits before a colon and the release
what follows the last hyphen (rpm's `parseEVR`); a missing epoch is 0. Epochs compare as
integers, then versions, then releases, each with rpmvercmp: the text is split into runs of
ASCII letters and runs of digits, every other character only separating them; runs compare
pairwise, digits as integers, letters as strings (case-sensitive), and a digit run is newer
than a letter run. `~` sorts before anything, even the end (`1.0~rc1 < 1.0`); `^` sorts after
the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`).

rpm skips the release when only one side has one (for dependency ranges); a sort key needs a
total order, so here a missing release sorts before every release of the same version.
"""

from __future__ import annotations

import re

from auditapp.vulns.versions.interface import InvalidVersion, KeyedScheme

RpmKey = str

_NAME = "RPM"
_MAX_LENGTH = 65_536  # keeps every run length below chr()'s limit; no real version comes close
_SEGMENTS = re.compile(r"[A-Za-z]+|[0-9]+|[~^]")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# What can stand at one position of rpmvercmp's walk, as characters in rpm's order: `~`, the
# end, `^`, a letter run, a digit run. A letter run ends in "\0" (below every letter, so a
# shorter run that is a prefix of a longer one sorts first, as with strcmp); a digit run is
# its length then its digits, so it sorts like the integer.
_TILDE, _END, _CARET, _ALPHA, _NUMBER = "\x01", "\x02", "\x03", "\x04", "\x05"
_NO_RELEASE, _RELEASE = "\x00", "\x01"


def _number(digits: str) -> str:
    digits = digits.lstrip("0")
    return chr(len(digits)) + digits


def _vercmp_key(text: str) -> str:
    """A string that compares like rpmvercmp: one prefix-free code per segment, then the end."""
    parts = []
    for segment in _SEGMENTS.findall(text):
        first = segment[0]
        if first == "~":
            parts.append(_TILDE)
        elif first == "^":
            parts.append(_CARET)
        elif first.isdigit():
            parts.append(_NUMBER + _number(segment))
        else:
            parts.append(_ALPHA + segment + "\x00")
    parts.append(_END)
    return "".join(parts)


def rpm_key(version: str) -> RpmKey:
    if not version:
        raise InvalidVersion(version, _NAME, "the version is empty")
    if len(version) > _MAX_LENGTH:
        raise InvalidVersion(version, _NAME, f"longer than {_MAX_LENGTH:,} characters")
    if not _PRINTABLE.fullmatch(version):
        raise InvalidVersion(version, _NAME, "blanks or characters outside printable ASCII")
    epoch = ""
    rest = version
    digits_end = len(version) - len(version.lstrip("0123456789"))
    if version[digits_end : digits_end + 1] == ":":
        if len(version[:digits_end].lstrip("0")) > 10:
            raise InvalidVersion(version, _NAME, "the epoch is too big")
        epoch = version[:digits_end]
        rest = version[digits_end + 1 :]
    upstream, hyphen, release = rest.rpartition("-")
    if not hyphen:
        upstream = rest
    elif not release:
        raise InvalidVersion(version, _NAME, "the release after the last '-' is empty")
    if not upstream:
        raise InvalidVersion(version, _NAME, "the version part is empty")
    key = _number(epoch) + _vercmp_key(upstream)
    # No release sorts below any release of the same version.
    return key + (_RELEASE + _vercmp_key(release) if hyphen else _NO_RELEASE)


class RpmScheme(KeyedScheme):
    """rpm's order, used for Red Hat, Rocky, AlmaLinux, SUSE and openSUSE packages."""

    name = _NAME

    def parse(self, version: str) -> RpmKey:
        return rpm_key(version)
