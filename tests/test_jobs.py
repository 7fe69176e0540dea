"""Long jobs as the window runs them in a child process (auditapp.services.jobs): the child's
side exercised here in-process with a plain queue; tests/gui run them in real processes."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from auditapp.errors import AuditappError, crossing_processes
from auditapp.progress import Cancelled
from auditapp.services.collect import CollectSummary
from auditapp.services.export import ExportResult
from auditapp.services.gather import CollectRequest
from auditapp.services.jobs import (
    BACKGROUND_NICENESS,
    CollectJob,
    ExportJob,
    Job,
    QueueProgress,
    child_main,
    job_for,
    niceness_below_me,
    run_in_background,
)
from auditapp.services.workspace import Settings, Workspace
from tests.conftest import AUDITOR, OFFICER


def run(job: Job, cancel: threading.Event | None = None) -> list[tuple[object, ...]]:
    messages: queue.Queue[tuple[object, ...]] = queue.Queue()
    child_main(job, messages, cancel or threading.Event())
    return list(messages.queue)


def test_an_export_job_reports_its_stages_then_its_result(
    team_ws: Workspace, tmp_path: Path
) -> None:
    pdf = tmp_path / "package.pdf"
    sent = run(job_for(team_ws, AUDITOR, ExportJob(pdf, tmp_path / "package.zip", draft=True)))
    kind, result = sent[-1]
    assert kind == "done" and isinstance(result, ExportResult)
    assert result.pdf == pdf and pdf.read_bytes().startswith(b"%PDF-")
    stages = [m[1] for m in sent if m[0] == "stage"]
    assert stages[0] == "reading the audit" and len(stages) > 2
    assert all(m[0] in ("stage", "step", "note") for m in sent[:-1])


def test_a_collect_job_stores_as_the_caller_and_refusals_arrive_whole(
    team_ws: Workspace, tmp_path: Path
) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: nginx:1.25\n    ports: ['8080:80']\n")
    request = CollectRequest(compose=(compose,))
    kind, summary = run(job_for(team_ws, OFFICER, CollectJob(request)))[-1]
    assert kind == "done" and isinstance(summary, CollectSummary) and summary.evidence == 1

    kind, error = run(job_for(team_ws, AUDITOR, CollectJob(request)))[-1]
    assert kind == "failed" and isinstance(error, AuditappError)
    assert "auditor" in str(error).lower()


def test_a_cancelled_job_stores_nothing_and_says_so(team_ws: Workspace, tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: nginx:1.25\n")
    cancel = threading.Event()
    cancel.set()
    kind, error = run(
        job_for(team_ws, OFFICER, CollectJob(CollectRequest(compose=(compose,)))), cancel
    )[-1]
    assert kind == "failed" and isinstance(error, Cancelled)


def test_a_database_the_child_cannot_open_is_one_clear_failure(tmp_path: Path) -> None:
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("not a database\n")
    job = Job(f"sqlite:///{junk}", Settings(), OFFICER, ExportJob(tmp_path / "x.pdf"))
    kind, error = run(job)[-1]
    assert kind == "failed" and isinstance(error, AuditappError)
    assert "is not an SQLite database" in str(error)
    assert not (tmp_path / "x.pdf").exists()


def test_errors_that_cannot_cross_to_the_parent_keep_their_class_and_text() -> None:
    class Odd(Exception):
        def __init__(self, a: int, b: int) -> None:  # unpickling calls Odd(message): fails
            super().__init__(f"odd {a} {b}")

    try:
        raise Odd(1, 2)
    except Odd as odd:
        error = crossing_processes(odd, "the job's process")
    assert type(error) is RuntimeError and str(error) == "Odd: odd 1 2"
    assert "in the job's process:" in error.__notes__[0]
    assert "raise Odd(1, 2)" in error.__notes__[0]  # where the bug happened
    kept = crossing_processes(Cancelled("cancelled; nothing was stored"), "the job's process")
    assert isinstance(kept, Cancelled) and not getattr(kept, "__notes__", None)


def test_progress_steps_are_coalesced_but_the_last_one_arrives() -> None:
    sent: queue.Queue[tuple[object, ...]] = queue.Queue()
    progress = QueueProgress(sent, threading.Event())
    progress.start("reading", 10_000)
    for _ in range(10_000):
        progress.advance()
    progress.message("half way")
    messages = list(sent.queue)
    steps = [m for m in messages if m[0] == "step"]
    assert messages[0] == ("stage", "reading", 10_000)
    assert steps[-1] == ("step", 10_000) and len(steps) < 100
    assert messages[-1] == ("note", "half way")


def _at_normal_priority() -> None:
    with contextlib.suppress(OSError):  # only a privileged user may raise it back
        os.setpriority(os.PRIO_PROCESS, 0, 0)


def test_a_job_process_runs_below_the_window_and_is_never_raised() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=_at_normal_priority
    )
    try:
        before = os.getpriority(os.PRIO_PROCESS, child.pid)
        run_in_background(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == max(before, BACKGROUND_NICENESS)
        os.setpriority(os.PRIO_PROCESS, child.pid, 19)
        run_in_background(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 19
    finally:
        child.kill()
        child.wait()
    run_in_background(child.pid)  # gone: nothing to lower, and no error


def test_a_window_that_is_niced_already_puts_its_jobs_lower_still() -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness_below_me() == min(19, max(BACKGROUND_NICENESS, own + 5))
    script = (  # a window started with `nice -n 12` (or lower still)
        "import os; os.setpriority(os.PRIO_PROCESS, 0, max(12, os.getpriority(os.PRIO_PROCESS, 0)))"
        "\nfrom auditapp.services.jobs import niceness_below_me"
        "\nprint(os.getpriority(os.PRIO_PROCESS, 0), niceness_below_me())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    niced, below = map(int, done.stdout.split())
    assert niced >= 12 and below == min(19, niced + 5)  # not the fixed 10: below the window
