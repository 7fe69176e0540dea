"""Output files that appear whole or not at all: written to a temporary file beside the target,
flushed to disk, then renamed over it. An interrupted export leaves no partial file and never
replaces a good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from auditapp.report.package_manifest import PackageError


class AtomicFile:
    """A temporary file in `target`'s folder; `commit` renames it over `target`, `discard`
    removes it. Several can be committed together once all are written."""

    def __init__(self, target: Path) -> None:
        self.target = target
        folder = target.parent if str(target.parent) else Path()
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        except OSError as error:
            raise PackageError(f"cannot write {target}: {error.strerror or error}") from error
        self.temporary = Path(name)
        self.stream: BinaryIO = os.fdopen(handle, "w+b")

    def commit(self) -> None:
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            self.temporary.replace(self.target)
        except OSError as error:
            self.discard()
            raise PackageError(f"cannot write {self.target}: {error.strerror or error}") from error
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
        self.temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Write `target` through the yielded stream; on any exception the old file stays."""
    output = AtomicFile(target)
    try:
        yield output.stream
    except BaseException:
        output.discard()
        raise
    output.commit()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some systems cannot open a folder, which is fine."""
    try:
        handle = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
