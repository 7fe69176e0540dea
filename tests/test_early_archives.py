"""Archives read from the start of a `collect`: in a forked worker, or on threads.

Whichever way, the result is what `gather` reads itself: the same images and inventories, the
same errors. The worker is a real forked process: killed, cancelled or orphaned, it is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from auditapp.evidence import EvidenceError
from auditapp.progress import Cancelled, NoProgress, Progress
from auditapp.services import early_archives, gather
from auditapp.services.early_archives import _Threaded, _Worker
from auditapp.services.gather import read_archive
from tests.catalog.layers import f
from tests.evidence.oci import legacy_files, oci_files, write_tar

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the worker is forked on Linux only"),
    pytest.mark.timeout(60),
]

METADATA = "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache-2.0\n"
LAYERS = [
    [f("etc/os-release", "ID=debian\nVERSION_ID=12\n")],
    [f("usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA", METADATA)],
]


class Recording(NoProgress):
    def __init__(self, cancel: bool = False) -> None:
        self.stages: list[tuple[str, int | None]] = []
        self._cancel = cancel

    def start(self, label: str, total: int | None = None) -> None:
        self.stages.append((label, total))

    def cancelled(self) -> bool:
        return self._cancel


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_tar(oci_files(LAYERS, "gzip"), tmp_path / "image.tar")


def test_the_worker_finds_what_gather_finds(archive: Path, tmp_path: Path) -> None:
    legacy = write_tar(legacy_files(LAYERS), tmp_path / "legacy.tar")
    worker = _Worker([archive, legacy])
    progress = Recording()
    found = {path: worker.result(path, progress) for path in (archive, legacy)}
    for path, results in found.items():
        assert results == read_archive(path, NoProgress())
        (image,) = results
        assert [(p.name, p.version) for p in image.inventory.packages] == [("requests", "2.31.0")]
        assert image.source.startswith(f"archive {path.resolve()} sha256:")
    assert ("inventory of example/app:1.0", 2) in progress.stages  # relayed from the worker


def test_the_workers_errors_are_those_gather_raises(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image archive\n")
    with pytest.raises(EvidenceError) as in_process:
        read_archive(notes, NoProgress())
    with pytest.raises(EvidenceError) as from_worker:
        _Worker([notes]).result(notes, NoProgress())
    assert str(from_worker.value) == str(in_process.value)
    assert str(notes) in str(from_worker.value)


def test_each_archive_has_its_own_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad archive among good ones, a result that cannot be handed over, and a worker that
    dies half way: each archive gets its own answer, and the errors name the archive."""
    bad, good, odd, fatal, never = (tmp_path / f"{n}.tar" for n in "abcde")

    def read_archive(path: Path, progress: Progress) -> list[object]:  # runs in the worker
        if path == bad:
            raise EvidenceError(f"{path} is not a readable image archive: bad header")
        if path == odd:
            return [threading.Lock()]  # cannot be pickled
        if path == fatal:
            os.kill(os.getpid(), signal.SIGKILL)
        return []

    monkeypatch.setattr(gather, "read_archive", read_archive)  # the fork inherits it
    worker = _Worker([bad, good, odd, fatal, never])
    assert worker.result(good, NoProgress()) == []
    with pytest.raises(EvidenceError, match=f"{bad} is not a readable image archive"):
        worker.result(bad, NoProgress())
    with pytest.raises(RuntimeError, match=f"the inventory of {odd} could not be handed over"):
        worker.result(odd, NoProgress())
    for pending in (fatal, never):
        with pytest.raises(EvidenceError, match=f"SIGKILL\\) while it read {fatal}"):
            worker.result(pending, NoProgress())


def test_a_stopped_worker_removes_its_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def read_archive(path: Path, progress: Progress) -> list[object]:  # runs in the worker
        with tempfile.TemporaryDirectory(dir=scratch) as copy:
            (Path(copy) / "rpmdb.sqlite").write_bytes(b"a copy")
            time.sleep(60)
        return []

    monkeypatch.setattr(gather, "read_archive", read_archive)
    worker = _Worker([tmp_path / "image.tar"])
    deadline = time.monotonic() + 30
    while not list(scratch.glob("*/rpmdb.sqlite")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    worker.cancel()
    assert list(scratch.iterdir()) == []


def _fifo(tmp_path: Path) -> Path:
    """A path the worker blocks on for ever (opening it waits for a writer)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return fifo


def test_a_worker_that_is_killed_is_reported_not_waited_for(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path)
    worker = _Worker([fifo])
    assert worker._pid is not None
    os.kill(worker._pid, signal.SIGKILL)
    with pytest.raises(EvidenceError, match=r"stopped by signal 9 \(SIGKILL\)") as raised:
        worker.result(fifo, NoProgress())
    assert str(fifo) in str(raised.value)


def test_cancelling_stops_the_worker(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path)
    worker = _Worker([fifo])
    pid = worker._pid
    assert pid is not None
    with pytest.raises(Cancelled):
        worker.result(fifo, Recording(cancel=True))
    worker.cancel()  # what cli.main does on its way out
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    worker.cancel()  # twice is harmless


def test_the_worker_dies_with_its_parent(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path)
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from auditapp.services.early_archives import _Worker
        worker = _Worker([Path({str(fifo)!r})])
        print(worker._pid, flush=True)
        os._exit(0)  # no clean-up at all: as if the parent were killed
        """
    )
    parent = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    pid = int(parent.stdout)
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its exit status is left


def test_start_leaves_out_what_is_no_file(archive: Path, tmp_path: Path) -> None:
    fifo = _fifo(tmp_path)  # opening it would wait for a writer: never opened early
    started = early_archives.start([str(archive), str(archive), "/no/such", str(fifo)])
    try:
        assert list(started) == [archive]
        assert started[archive].result(archive, NoProgress()) == read_archive(archive, NoProgress())
    finally:
        for early in started.values():
            early.cancel()


def test_where_it_cannot_fork_the_archives_are_hashed_on_threads_instead(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(early_archives, "_can_fork", lambda: False)
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image archive\n")
    started = early_archives.start([str(archive), str(notes)])
    assert list(started) == [archive]  # the other is opened, and refused, where it always was
    assert isinstance(started[archive], _Threaded)
    assert started[archive].result(archive, NoProgress()) == read_archive(archive, NoProgress())


def test_ctrl_c_while_the_command_starts_ends_both_processes(archive: Path, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group) as soon as the worker exists, while the command
    still imports: exit 130 with one line and no traceback, the worker gone, nothing written."""
    database = tmp_path / "audit.sqlite3"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditapp",
            "--db",
            str(database),
            "collect",
            "--archive",
            str(archive),
        ],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal has it
        start_new_session=True,  # its own process group, which Ctrl-C signals as a whole
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (workers := _children(child.pid)):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.002)
        os.killpg(child.pid, signal.SIGINT)  # the worker too: it leaves it to the command
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    # 130; now and then, with the line already written, CPython ends itself by the signal
    # instead (a shell shows 130 for both)
    assert (child.returncode, out) in ((130, ""), (-signal.SIGINT, ""))
    assert err in ("auditapp: cancelled\n", "auditapp: cancelled; nothing was half-stored\n")
    time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
    assert not database.exists()  # stopped before it even opened the database


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_file_named_twice_is_read_once(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.tar"
    link.symlink_to(archive)
    hard = tmp_path / "hard.tar"
    os.link(archive, hard)
    relative = Path(os.path.relpath(archive))
    missing = tmp_path / "missing.tar"
    named = [archive, relative, link, missing, hard, missing]
    assert early_archives.distinct_files(named) == [archive, missing]

    started = early_archives.start([str(p) for p in named])
    try:
        assert list(started) == [archive]
    finally:
        for early in started.values():
            early.cancel()

    reads: list[Path] = []
    real = gather.read_archive

    def counted(path: Path, progress: Progress) -> list[gather.ImageResult]:
        reads.append(path)
        return real(path, progress)

    monkeypatch.setattr(gather, "read_archive", counted)
    request = gather.CollectRequest(archives=(archive, relative, link, hard))
    gathered = gather.gather(request, NoProgress())
    assert reads == [archive]
    assert len(gathered.images) == 1


def test_files_on_a_file_system_without_inodes_are_told_apart_by_path(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some SMB and FUSE mounts report inode 0 for every file: two archives must stay two."""
    other = tmp_path / "other.tar"
    other.write_bytes(archive.read_bytes())
    real_stat = Path.stat

    def no_inodes(path: Path, **kwargs: bool) -> os.stat_result:
        fields = list(real_stat(path, **kwargs))
        fields[1] = 0  # st_ino
        return os.stat_result(fields)

    monkeypatch.setattr(Path, "stat", no_inodes)
    relative = Path(os.path.relpath(archive))
    assert early_archives.distinct_files([archive, other, relative]) == [archive, other]
