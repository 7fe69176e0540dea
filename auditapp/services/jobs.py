"""Long use cases run in a process of their own, for the desktop window.

A collect or an export in a thread of the window's process competes with it for the GIL: every
call Qt makes into Python (a model's data(), a paint) waits its turn, and the window stalls for
hundreds of milliseconds at a time. In a child process the work has its own interpreter. The
child opens the same database by URL (SQLite in WAL mode and PostgreSQL both take a second
connection), reports progress and its outcome over a queue, and reads a cancel flag.

This module knows no Qt: `process_main` is what the child runs, `run_job` the same work in the
calling process (for tests and the command line).
"""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from auditapp.errors import crossing_processes
from auditapp.progress import Progress
from auditapp.services.workspace import Caller, Settings, Workspace

if TYPE_CHECKING:
    from auditapp.services.gather import CollectRequest

STEP_INTERVAL_S = 0.05  # progress steps are coalesced: at most one message per interval
BACKGROUND_NICENESS = 10


class Sender(Protocol):
    """The child's end of the queue (multiprocessing's Queue.put)."""

    def put(self, item: Any) -> None: ...


class Flag(Protocol):
    """The cancel flag the parent sets (multiprocessing's Event)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class CollectJob:
    request: CollectRequest


@dataclass(frozen=True)
class ExportJob:
    pdf: Path
    bundle: Path | None = None
    draft: bool = False


@dataclass(frozen=True)
class CopyJob:
    """`db copy`: the job's database into the empty one at `target` (a URL or an SQLite path)."""

    target: str


Work = CollectJob | ExportJob | CopyJob


@dataclass(frozen=True)
class Job:
    """Everything the child needs, picklable: where the database is, who acts, what to do."""

    database_url: str
    settings: Settings
    caller: Caller
    work: Work


def job_for(ws: Workspace, caller: Caller, work: Work) -> Job:
    return Job(ws.db.url.render_as_string(hide_password=False), ws.settings, caller, work)


def run_job(job: Job, progress: Progress) -> object:
    """Do `job` here, on a database connection of its own."""
    if isinstance(job.work, CopyJob):  # opens both databases itself; no audit, no role
        from auditapp.services.dbcopy import copy_database

        return copy_database(job.database_url, job.work.target, progress)
    ws = Workspace.open(job.database_url, job.settings)
    try:
        work = job.work
        if isinstance(work, CollectJob):
            from auditapp.services.collect import collect

            return collect(ws, job.caller, work.request, progress)
        assert isinstance(work, ExportJob)
        from auditapp.services.export import export

        return export(
            ws, job.caller, pdf=work.pdf, bundle=work.bundle, draft=work.draft, progress=progress
        )
    finally:
        ws.close()


class QueueProgress:
    """`Progress` for the child: stages, coalesced steps and notes go to the parent."""

    def __init__(self, queue: Sender, cancel: Flag) -> None:
        self._queue = queue
        self._cancel = cancel
        self._done = 0
        self._total = 0
        self._last_sent = 0.0

    def start(self, label: str, total: int | None = None) -> None:
        self._done, self._total = 0, max(0, total or 0)
        self._last_sent = time.monotonic()
        self._queue.put(("stage", label, self._total))

    def advance(self, steps: int = 1) -> None:
        self._done += steps
        now = time.monotonic()
        if (self._total and self._done >= self._total) or now - self._last_sent >= STEP_INTERVAL_S:
            self._last_sent = now
            self._queue.put(("step", self._done))

    def message(self, text: str) -> None:
        self._queue.put(("note", text))

    def cancelled(self) -> bool:
        return self._cancel.is_set()


def run_in_background(pid: int = 0, niceness: int = BACKGROUND_NICENESS) -> None:
    """Lower a job's process (0: this one) to `niceness`, never raising it, so that when the
    CPUs are busy the window goes first. The window calls it as soon as the child exists, with
    `niceness_below_me()`: a child's start-up (an interpreter and the imports of the job's
    modules, about a CPU-second) would otherwise compete with the window at the window's own
    priority just when a click started it."""
    if not hasattr(os, "setpriority"):
        return
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except OSError:  # gone already, or not ours to change: it merely runs at our priority
        return


def niceness_below_me() -> int:
    """BACKGROUND_NICENESS, or lower still when this process already runs niced (19 at most)."""
    if not hasattr(os, "getpriority"):
        return BACKGROUND_NICENESS
    return min(19, max(BACKGROUND_NICENESS, os.getpriority(os.PRIO_PROCESS, 0) + 5))


def process_main(job: Job, queue: Sender, cancel: Flag) -> None:
    """What a job's process runs: `child_main`, hashing archives from mapped windows (the
    window reports a job's process that ends without a word; see formats.digests)."""
    from auditapp.formats.digests import map_files

    map_files()
    child_main(job, queue, cancel)


def child_main(job: Job, queue: Sender, cancel: Flag) -> None:
    """The child process: run the job, then put ("done", result) or ("failed", error)."""
    run_in_background()  # in case the window could not (it also goes lower when it is niced)
    try:
        result = run_job(job, QueueProgress(queue, cancel))
        _round_trip(result)  # the queue pickles in a thread of its own, which fails silently
    except BaseException as error:  # whatever it is, the parent must hear of it
        queue.put(("failed", crossing_processes(error, "the job's process")))
    else:
        queue.put(("done", result))


def _round_trip(value: object) -> None:
    pickle.loads(pickle.dumps(value))  # noqa: S301 - bytes we just made, to test them
