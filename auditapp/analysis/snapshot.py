"""Reading evidence JSON that may have any shape: each accessor returns the value when it has
the expected type and an empty (unknown) value otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in as_list(value) if isinstance(v, str))


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_bool(value: Any, *, default: bool = False) -> bool:
    return value if isinstance(value, bool) else default


def caps(value: Any) -> tuple[str, ...]:
    """Capability names as Docker compares them: upper case, without CAP_."""
    return tuple(c.upper().removeprefix("CAP_") for c in as_strings(value))


def port_key(key: str) -> tuple[int | None, str]:
    """ "8080/tcp" as (8080, "tcp"); a port that is not a number as None."""
    number, _, protocol = key.partition("/")
    return (int(number) if number.isdigit() else None), (protocol or "tcp")
