"""How long work reports progress and learns it was cancelled, without knowing who watches.

The CLI shows a `Progress` as a bar on the terminal; the GUI re-emits it as queued signals.
"""

from __future__ import annotations

from typing import Protocol

from auditapp.errors import AuditappError


class Cancelled(AuditappError):
    """The person cancelled; nothing was stored."""

    exit_code = 130


class Progress(Protocol):
    def start(self, label: str, total: int | None = None) -> None:
        """A new stage; `total` steps when known."""
        ...

    def advance(self, steps: int = 1) -> None: ...

    def message(self, text: str) -> None: ...

    def cancelled(self) -> bool: ...


class NoProgress:
    """For callers that do not watch."""

    def start(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def cancelled(self) -> bool:
        return False


def check_cancelled(progress: Progress) -> None:
    if progress.cancelled():
        raise Cancelled("cancelled; nothing was stored")
