"""Values read back from the database are input too: unknown ones are named, not crashed on."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from auditapp.store.errors import CorruptDataError

E = TypeVar("E", bound=Enum)


def stored_enum(kind: type[E], value: str, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise CorruptDataError(
            f"the database holds an unknown {kind.__name__.lower()} {value!r} for {where}",
            hint="it was changed outside auditapp; `auditapp journal verify` checks the history",
        ) from None
