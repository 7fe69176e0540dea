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


def crossing_processes(error: BaseException, where: str) -> BaseException:
    """`error` made ready to be sent to another process, from inside its `except` block: a
    bug (not an AuditappError) keeps where it happened as a note ("in `where`: traceback");
    an error that does not survive pickling becomes a RuntimeError with its class name, text
    and notes."""
    import pickle  # here: every module imports this one, few ever send an error anywhere
    import traceback

    if not isinstance(error, AuditappError):
        error.add_note(f"in {where}:\n{traceback.format_exc()}")
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - bytes we just made, to test them
    except Exception:
        copy = RuntimeError(f"{error.__class__.__name__}: {error}")
        for note in getattr(error, "__notes__", ()):
            copy.add_note(note)
        return copy
    return error
