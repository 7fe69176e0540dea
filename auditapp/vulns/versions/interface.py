"""What a version scheme is: one ecosystem's version order, as a sort key per version string.

Matching compares an installed version with the introduced / fixed / last_affected / limit
events of many advisories, so each scheme turns a version string into a key once (cached) and
every comparison after that is a plain comparison of strings or of tuples of ints and strings.
Keys of one scheme compare with each other only.

OSV's `introduced: "0"` means "from the very first version"; it is not a version of any
scheme and callers handle it before asking for a key (in Go, for example, pseudo-versions
such as v0.0.0-20160722212129-ac0cc4484ad4 sort *below* v0.0.0).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, Protocol

# Keys are cached per scheme object; a bound keeps memory flat over long imports and scans,
# and strings longer than any real version are not kept at all (hostile input stays cheap).
KEY_CACHE_SIZE = 65_536
_CACHED_LENGTH = 256
_SHOWN_CHARS = 60


class InvalidVersion(ValueError):
    """A version string that the scheme's own tools would reject."""

    def __init__(self, version: str, scheme: str, reason: str) -> None:
        self.version = version
        self.scheme = scheme
        self.reason = reason
        shown = version if len(version) <= _SHOWN_CHARS else f"{version[:_SHOWN_CHARS]}..."
        super().__init__(f"not a valid {scheme} version: {shown!r} ({reason})")


class VersionScheme(Protocol):
    """One ecosystem's version order."""

    name: str  # "Debian", "Alpine", "RPM", "PyPI", "npm", "Go", "Maven"

    def key(self, version: str) -> Any:
        """A hashable sort key: versions compare exactly as their keys do. Raises
        InvalidVersion for a string the ecosystem would not accept as a version."""
        ...

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1 as `a` sorts before, equal to, or after `b`."""
        ...


class _Rejected:
    """A cached "not a version", so an invalid string is parsed once, like a valid one."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class KeyedScheme(ABC):
    """A scheme whose order is entirely given by its keys. Subclasses parse; this class caches
    keys and rejections alike (bounded), and derives `compare` from the keys."""

    name: str

    def __init__(self) -> None:
        self._cached = lru_cache(maxsize=KEY_CACHE_SIZE)(self._key_or_rejection)

    @abstractmethod
    def parse(self, version: str) -> Any:
        """The key of `version`, computed afresh; InvalidVersion when it is not a version."""

    def key(self, version: str) -> Any:
        if len(version) <= _CACHED_LENGTH:
            outcome = self._cached(version)
        else:
            outcome = self._key_or_rejection(version)
        if type(outcome) is _Rejected:
            raise InvalidVersion(version, self.name, outcome.reason)
        return outcome

    def compare(self, a: str, b: str) -> int:
        key_a, key_b = self.key(a), self.key(b)
        return int(key_a > key_b) - int(key_a < key_b)

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def cache_info(self) -> Any:
        """functools' hits / misses / size of the key cache."""
        return self._cached.cache_info()

    def _key_or_rejection(self, version: str) -> Any:
        try:
            return self.parse(version)
        except InvalidVersion as error:
            return _Rejected(error.reason)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
