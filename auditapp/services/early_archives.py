"""The archives a `collect` names, read from the moment the command starts.

`auditapp collect --archive` spends its first second importing SQLAlchemy and the models and
opening the database, none of which reading an archive needs. So `start` runs before those
imports and sets each archive going:

- on Linux, in one process forked for all of them while the interpreter is still
  single-threaded and has imported next to nothing: it hashes each archive (from mapped
  windows: a crash of the worker is reported here) and takes the inventory of its images on the
  other CPU while this process imports, and sends back each archive's result or error as soon
  as it has it, with its progress on the way;
- elsewhere, when threads already run (forking is unsafe then) or when no process can be
  forked, on threads of this process that hash each archive while the imports run; the
  inventory then happens in `result`.

Either way `result(path)` returns what `gather` would have found itself, or raises the error it
would have raised (one that cannot be pickled arrives as a RuntimeError with the same text).
The worker opens no database and writes nothing but the temporary copies some catalogers make
(an rpm database), which it removes when stopped: `cancel` asks it to stop (SIGTERM) and kills
it only if it has not within a second; if this process dies, the kernel sends it SIGTERM too.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from auditapp.errors import crossing_processes
from auditapp.progress import NoProgress, Progress, check_cancelled

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from auditapp.evidence.archive import ArchiveVerification
    from auditapp.services.gather import ImageResult

POLL_S = 0.1  # how often a wait for the worker asks whether it was cancelled
STOP_GRACE_S = 1.0  # a worker asked to stop that is still there after this is killed
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends
WORKER = "the process reading the archives"

Outcome = tuple[str, Any]  # ("ok", [ImageResult, ...]) or ("error", exception)


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
    wanted = [p for p in distinct_files(map(Path, paths)) if p.is_file() or p.is_dir()]
    if not wanted:
        return {}
    if _can_fork():
        try:
            worker = _Worker(wanted)
        except OSError:  # no process or pipe to be had (a limit): threads will do
            pass
        else:
            return dict.fromkeys(wanted, worker)
    started: dict[Path, EarlyArchive] = {}
    for path in wanted:
        threaded = _Threaded.open(path)
        if threaded is not None:
            started[path] = threaded
    return started


def distinct_files(paths: Iterable[Path]) -> list[Path]:
    """`paths` in order, less any that names a file already named (another spelling of its
    path, a link to it), so that it is read once. A path that cannot be looked at stays."""
    seen: set[object] = set()
    kept: list[Path] = []
    for path in paths:
        try:
            info = path.stat()
            # some network and FUSE file systems give every file inode 0: the path then
            key: object = (info.st_dev, info.st_ino) if info.st_ino else str(path.resolve())
        except (OSError, ValueError):  # missing, unreadable, a NUL: reading it says why
            key = str(path.absolute())
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


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
    ("start", label, total), ("advance", steps), ("message", text), and for each archive once
    it is read ("result", path, outcome)."""

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
        self._outcomes: dict[Path, Outcome] = {}

    def result(self, path: Path, progress: Progress) -> list[ImageResult]:
        while path not in self._outcomes:
            self._receive(progress)
        kind, value = self._outcomes[path]
        if kind == "error":
            raise value
        results: list[ImageResult] = value
        return results

    def cancel(self) -> None:
        if self._pid is not None:
            _stop(self._pid)
            self._pid = None
        self._receiver.close()

    def _receive(self, progress: Progress) -> None:
        """Wait for the worker's next message and take it in."""
        check_cancelled(progress)  # raises; the caller's cancel() then stops the worker
        try:
            if not self._receiver.poll(POLL_S):
                return
            message = self._receiver.recv()
        except (EOFError, OSError):  # it ended without a word, or was stopped: say so
            self._fail_the_rest()
            return
        kind = message[0]
        if kind == "result":
            self._outcomes[message[1]] = message[2]
            if len(self._outcomes) == len(self._paths):
                self._reap()
        elif kind == "start":
            progress.start(message[1], message[2])
        elif kind == "advance":
            progress.advance(message[1])
        elif kind == "message":
            progress.message(message[1])

    def _reap(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None
        self._receiver.close()

    def _fail_the_rest(self) -> None:
        """Every archive without an outcome gets the error that names the one being read."""
        from auditapp.evidence.errors import EvidenceError

        pending = [p for p in self._paths if p not in self._outcomes]
        how = "was stopped before it finished"
        if self._pid is not None:
            status = os.waitpid(self._pid, 0)[1]
            self._pid = None
            if os.WIFSIGNALED(status):
                number = os.WTERMSIG(status)
                how = f"was stopped by signal {number} ({signal.Signals(number).name})"
            else:
                how = f"ended with exit status {os.waitstatus_to_exitcode(status)}"
        self._receiver.close()
        error = EvidenceError(
            f"{WORKER} {how} while it read {pending[0]}",
            hint="if the archive changed while it was read, collect it again",
        )
        self._outcomes.update(dict.fromkeys(pending, ("error", error)))


class _StopAsked(BaseException):
    """SIGTERM in the worker: unwind (temporary files go) and exit."""


def _work(paths: list[Path], sender: Connection, parent: int) -> None:
    """The worker's whole life: read each archive, send what was found, exit."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        signal.signal(signal.SIGTERM, _stop_asked)
        _die_with(parent)
        quiet = os.open(os.devnull, os.O_RDWR)  # the parent's output is not the worker's
        for fd in (0, 1):
            os.dup2(quiet, fd)
        gc.freeze()  # what the parent made before the fork: never walked again
        gc.enable()  # main() paused it for its imports; the worker does not resume it there
        from auditapp.formats.digests import map_files
        from auditapp.services.gather import read_archive

        map_files()  # a crash under a mapped window ends this process, which the parent reports
        progress = _Relay(sender)
        for path in paths:
            try:
                outcome: Outcome = ("ok", read_archive(path, progress))
            except _StopAsked:
                raise
            except BaseException as error:  # the parent raises it where gather would
                outcome = ("error", crossing_processes(error, WORKER))
            _send_result(sender, path, outcome)
    except _StopAsked:
        status = 1
    except BaseException:  # the parent reports a worker that ends without a word
        import traceback

        traceback.print_exc()  # to the parent's stderr: what went wrong, for a bug report
        status = 1
    finally:
        os._exit(status)  # never the parent's clean-up: its database, its files


def _send_result(sender: Connection, path: Path, outcome: Outcome) -> None:
    try:
        sender.send(("result", path, outcome))
    except Exception as error:  # a result that cannot be pickled: say so, for this archive
        failed = RuntimeError(f"the inventory of {path} could not be handed over: {error}")
        sender.send(("result", path, ("error", failed)))


def _stop_asked(signum: int, frame: object) -> None:
    raise _StopAsked


def _die_with(parent: int) -> None:
    """Be told to stop when the parent ends, however it ends (Linux's prctl)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
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


def _stop(pid: int) -> None:
    """Ask the worker to stop; kill it if it has not within STOP_GRACE_S. Reaped either way."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.01)
    except (ProcessLookupError, ChildProcessError):
        pass
