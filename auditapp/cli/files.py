"""Writing output files so an interruption never leaves half a file or spoils a good one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from auditapp.errors import AuditappError


def write_atomically(target: Path, data: bytes) -> None:
    folder = target.parent if str(target.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(target)
    except OSError as error:
        if "temporary" in locals():
            Path(temporary).unlink(missing_ok=True)
        raise AuditappError(f"cannot write {target}: {error.strerror or error}") from error
