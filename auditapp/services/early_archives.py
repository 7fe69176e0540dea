"""The archives a `collect` names, read from the moment the command starts.

`auditapp collect --archive` spends its first second importing SQLAlchemy and the models and
opening the database, none of which reading an archive needs. So `start` runs before those
imports and sets each archive going:

- on Linux, in one process forked for all of them while the interpreter is still
  single-threaded and has imported next to nothing: it hashes each archive and takes the
  inventory of its images on the other CPU while this process imports, and sends back what it
  found (or the error it met) with its progress on the way;
- elsewhere (or when threads already run, where forking is unsafe), on threads of this process
  that hash each archive while the imports run; the inventory then happens in `result`.

Either way `result(path)` returns exactly what `gather` would have found itself, or raises what
it would have raised. The worker does nothing but read: it opens no database and writes no
file, so stopping it at any moment loses nothing; it is killed when this process ends.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from auditapp.errors import crossing_processes
from auditapp.progress import NoProgress, Progress, check_cancelled

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from auditapp.evidence.archive import ArchiveVerification
    from auditapp.services.gather import ImageResult

POLL_S = 0.1  # how often a wait for the worker asks whether it was cancelled
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends


class EarlyArchive(Protocol):
    def result(self, path: Path, progress: Progress) -> list[ImageResult]:
        """What `gather` finds in the archive at `path`; raises what it would raise."""
        ...

    def cancel(self) -> None:
        """Stop reading; a no-op once the result was taken."""
        ...


def start(paths: Sequence[str]) -> dict[Path, EarlyArchive]:
    """Set every archive of `paths` going; anything that is no file or folder is left out
    (opening it later, where it always was opened, reports why)."""
    wanted = list(dict.fromkeys(p for p in map(Path, paths) if p.is_file() or p.is_dir()))
    if not wanted:
        return {}
    if _can_fork():
        worker = _Worker(wanted)
        return dict.fromkeys(wanted, worker)
    started: dict[Path, EarlyArchive] = {}
    for path in wanted:
        threaded = _Threaded.open(path)
        if threaded is not None:
            started[path] = threaded
    return started


def _can_fork() -> bool:
    """Linux (where a child can be told to die with its parent), with no other thread whose
    locks the child could inherit held."""
    return sys.platform == "linux" and threading.active_count() == 1


class _Threaded:
    """Hashing on threads of this process from now on; the inventory when asked."""

    def __init__(self, verification: ArchiveVerification) -> None:
        self._verification = verification

    @classmethod
    def open(cls, path: Path) -> _Threaded | None:
        from auditapp.evidence.archive import ArchiveVerification, ImageArchive
        from auditapp.evidence.errors import EvidenceError

        try:
            return cls(ArchiveVerification(ImageArchive(path)))
        except (EvidenceError, OSError):
            return None

    def result(self, path: Path, progress: Progress) -> list[ImageResult]:
        from auditapp.services.gather import read_archive

        return read_archive(path, progress, self._verification)

    def cancel(self) -> None:
        self._verification.cancel()


class _Worker:
    """One forked process reading every archive in turn. Messages on the pipe:
    ("start", label, total), ("advance", steps), ("message", text), then
    ("done", {path: ("ok", results) | ("error", exception)})."""

    def __init__(self, paths: list[Path]) -> None:
        from multiprocessing import Pipe

        receiver, sender = Pipe(duplex=False)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: it never returns from here
            receiver.close()
            _work(paths, sender, parent)
        sender.close()
        self._pid: int | None = pid
        self._paths = paths
        self._receiver = receiver
        self._outcomes: dict[Path, tuple[str, Any]] | None = None

    def result(self, path: Path, progress: Progress) -> list[ImageResult]:
        outcomes = self._wait(progress)
        kind, value = outcomes[path]
        if kind == "error":
            raise value
        results: list[ImageResult] = value
        return results

    def cancel(self) -> None:
        if self._pid is not None:
            _kill(self._pid)
            self._pid = None
        self._receiver.close()

    def _wait(self, progress: Progress) -> dict[Path, tuple[str, Any]]:
        while self._outcomes is None:
            check_cancelled(progress)  # raises; the caller's cancel() then stops the worker
            if not self._receiver.poll(POLL_S):
                continue
            try:
                message = self._receiver.recv()
            except (EOFError, OSError):  # it ended without a word: say how
                self._outcomes = self._stopped()
                break
            kind = message[0]
            if kind == "done":
                self._outcomes = message[1]
                self._reap()
            elif kind == "start":
                progress.start(message[1], message[2])
            elif kind == "advance":
                progress.advance(message[1])
            elif kind == "message":
                progress.message(message[1])
        return self._outcomes

    def _reap(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None
        self._receiver.close()

    def _stopped(self) -> dict[Path, tuple[str, Any]]:
        from auditapp.evidence.errors import EvidenceError

        status = os.waitpid(self._pid, 0)[1] if self._pid is not None else 0
        self._pid = None
        self._receiver.close()
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            how = f"was stopped by signal {number} ({signal.Signals(number).name})"
        else:
            how = f"ended with exit status {os.waitstatus_to_exitcode(status)}"
        error = EvidenceError(
            f"the process reading {', '.join(map(str, self._paths))} {how} before it finished",
            hint="if an archive changed while it was read, collect it again",
        )
        return dict.fromkeys(self._paths, ("error", error))


def _work(paths: list[Path], sender: Connection, parent: int) -> None:
    """The worker's whole life: read each archive, send what was found, exit."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        quiet = os.open(os.devnull, os.O_RDWR)  # the parent's output is not the worker's
        for fd in (0, 1):
            os.dup2(quiet, fd)
        _die_with(parent)
        from auditapp.services.gather import read_archive

        progress = _Relay(sender)
        outcomes: dict[Path, tuple[str, Any]] = {}
        for path in paths:
            try:
                outcomes[path] = ("ok", read_archive(path, progress))
            except BaseException as error:  # the parent raises it where gather would
                outcomes[path] = ("error", crossing_processes(error))
        sender.send(("done", outcomes))
    except BaseException:  # the parent reports a worker that ends without a word
        status = 1
    finally:
        os._exit(status)  # never the parent's clean-up: its database, its files


def _die_with(parent: int) -> None:
    """Be killed when the parent ends, however it ends (Linux's prctl)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before we asked
        os._exit(1)


class _Relay(NoProgress):
    """The worker's progress, sent to the parent, which shows it."""

    def __init__(self, sender: Connection) -> None:
        self._sender = sender

    def start(self, label: str, total: int | None = None) -> None:
        self._sender.send(("start", label, total))

    def advance(self, steps: int = 1) -> None:
        self._sender.send(("advance", steps))

    def message(self, text: str) -> None:
        self._sender.send(("message", text))


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
