"""Reading the JSON columns the vulnerability import writes, without paying per row for what
matching does not need: a decoder call without json.loads' wrapping, and explicit version
lists decoded only when a version might be in them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()


def loads(text: str) -> Any:
    """json.loads(text), the same value or the same error; cheaper on the compact JSON the
    import writes (no surrounding blanks), which is one decoder call."""
    try:
        value, end = _DECODER.raw_decode(text)
    except json.JSONDecodeError:
        return json.loads(text)  # blanks first, or not JSON: json.loads says which
    return value if end == len(text) else json.loads(text)


class JsonVersions:
    """An affected entry's explicit `versions`, stored as a JSON list of strings, decoded on
    first use. Asking whether it holds a version usually needs no decoding: without escapes
    in the text, a listed version appears in it as itself between quotes."""

    __slots__ = ("_text", "_values")

    def __init__(self, text: str) -> None:
        self._text = text
        self._values: tuple[str, ...] | None = None

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, str):
            return False
        if self._values is None and "\\" not in self._text and f'"{version}"' not in self._text:
            return False
        return version in self.values()

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())

    def values(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(str(v) for v in loads(self._text))
        return self._values
