"""JSON as the standard has it: NaN, Infinity and -Infinity, which Python's parser takes, are
refused, so no number read from outside is one that arithmetic cannot use."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    """`text` parsed (bytes as UTF-8). ValueError when it is not JSON (UnicodeDecodeError and
    JSONDecodeError are ValueErrors), RecursionError when it is nested too deeply."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, parse_constant=_refuse)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")
