"""The root of every exception family that auditapp reports to a person.

Each subsystem derives its own family from `AuditappError`; the faces catch this one
type, show `str(error)` as one line, and add `hint` when there is something to do next.
"""

from __future__ import annotations


class AuditappError(Exception):
    """An error a user can understand and act on."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ({self.hint})" if self.hint else message
