"""How responsive the window stays while long work runs, and how fast it opens.

1. Cold start: `auditapp --db DEMO.sqlite3 gui` in a fresh process, from process start to the
   main window shown on the demo audit (several runs; median). Target: under 1.5 s.
2. Event-loop latency: in one window on the demo audit, a collect of a large image archive
   (through the Collect dialog) and an export of the audit package (through the Sign-off &
   export view's panel) run at once; a 10 ms QTimer records every gap between its ticks. The
   longest stall is the longest gap less the 10 ms interval. Target: under 50 ms. The steps a
   person takes (open the view, open and fill in the dialog, click Collect, click Export) each
   come in their own turn of the event loop, as clicks do; the phases before the two jobs run
   are reported on their own.

Figures are printed beside the targets; nothing is asserted.

    .venv/bin/python benchmarks/gui_latency.py [--archive /tmp/auditapp-bench/python-app.tar]
        [--runs 5] [--db DEMO.sqlite3] [--keep]

Without a display it runs offscreen (QT_QPA_PLATFORM=offscreen). The demo audit is built in a
scratch database first (not timed; about 20 s) unless --db names one that holds it. The archive
comes from benchmarks/make_python_image.py, which the script runs when the file is missing.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.abc
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_ARCHIVE = Path("/tmp/auditapp-bench/python-app.tar")
TICK_MS = 10
STALL_TARGET_MS = 50.0
COLD_TARGET_S = 1.5
SHOWN = "auditapp-window-shown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time (default 5)")
    parser.add_argument("--db", type=Path, help="an SQLite file holding the demo audit")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--child", nargs=2, metavar=("DB", "AUDIT"), help=argparse.SUPPRESS)
    parser.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.child:
        return cold_start_child(*args.child)
    if args.bare_child:
        return bare_window_child()

    scratch = Path(tempfile.mkdtemp(prefix="auditapp-gui-bench-"))
    # Bytecode cached, as an installed copy has it: this project's shells set
    # PYTHONDONTWRITEBYTECODE, which would have every module compiled when first imported,
    # in the window's worker threads too (compiling holds the GIL).
    sys.dont_write_bytecode = False
    compileall.compile_dir(str(HERE.parent / "auditapp"), quiet=1)
    try:
        database = prepare_demo(args.db, scratch)
        archive = prepare_archive(args.archive)
        print(f"platform: {os.environ.get('QT_QPA_PLATFORM', 'native')}; cpus: {os.cpu_count()}")
        print(f"python: {sys.version.split()[0]} ({os.path.realpath(sys.executable)})")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        cold = cold_starts(database, args.runs)
        bare = bare_starts(args.runs)
        gaps, stalls = latency_under_load(database, archive, scratch)
        report(cold, bare, gaps, stalls)
    finally:
        if args.keep:
            print(f"\nkept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


# -- set-up -----------------------------------------------------------------------------------


def demo_name() -> str:
    from auditapp.services.demo import demo_folder
    from auditapp.services.demo_script import load_script

    return load_script(demo_folder()).name


def prepare_demo(given: Path | None, scratch: Path) -> Path:
    """A copy of a database holding the demo audit (the latency run collects into it)."""
    database = scratch / "demo.sqlite3"
    if given is not None:
        shutil.copyfile(given, database)
        return database
    print("building the demo audit (not timed)…", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "auditapp", "--db", str(database), "demo"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  built in {time.perf_counter() - started:.1f} s\n")
    return database


def prepare_archive(archive: Path) -> Path:
    if not archive.exists():
        print(f"writing the test image archive {archive} (not timed)…", flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "make_python_image.py"), "-o", str(archive)], check=True
        )
    return archive


# -- 1. cold start ----------------------------------------------------------------------------


def cold_start_child(database: str, audit: str) -> int:
    """Runs in the timed process: the real entry point, quitting once the window is shown.

    Only the QApplication is made first (the entry point takes it over), for the timer that
    sees the window shown; the split between imports and the rest is the moment the window's
    module has finished importing, seen by an import hook, so the entry point runs as is."""
    begun = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    marks: list[float] = []
    sys.meta_path.insert(0, _ImportedMark("auditapp.gui.app", lambda: marks.append(now())))

    def now() -> float:
        return time.perf_counter() - begun

    def shown() -> None:
        windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
        handle = windows[0].windowHandle() if windows else None
        if not windows or not windows[0].isVisible() or handle is None or not handle.isExposed():
            QTimer.singleShot(1, shown)
            return
        print(f"{SHOWN} {marks[0]:.4f} {now():.4f} {windows[0].windowTitle()}", flush=True)
        app.quit()

    from auditapp.cli import main as cli_main

    QTimer.singleShot(0, shown)  # runs once the window's event loop is turning
    return cli_main(["--db", database, "--audit", audit, "gui"])


class _ImportedMark(importlib.abc.MetaPathFinder):
    """Calls `done` when the module `name` has finished importing (then steps aside)."""

    def __init__(self, name: str, done: Callable[[], None]) -> None:
        self.name = name
        self.done = done

    def find_spec(self, name: str, path: object = None, target: object = None) -> Any:
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        loader, done = spec.loader, self.done
        run = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            done()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def bare_window_child() -> int:
    """The peer: a bare PySide6 main window, shown, in a fresh process (this machine's floor)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1280, 820)

    def shown() -> None:
        handle = window.windowHandle()
        if handle is None or not handle.isExposed():
            QTimer.singleShot(1, shown)
            return
        app.quit()

    window.show()
    QTimer.singleShot(0, shown)
    return app.exec()


def bare_starts(runs: int) -> list[float]:
    """Wall time of `bare_window_child` per run (after one warm-up run)."""
    found: list[float] = []
    for run in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--bare-child"], capture_output=True, check=True)
        if run:
            found.append(time.perf_counter() - started)
    return found


def cold_starts(database: Path, runs: int) -> list[tuple[float, float, float]]:
    """Per run: process start → window shown; of which the interpreter's start and the
    imports (Qt, the window and its views, the services); of which the rest (opening the
    database, building the window, opening the audit, showing it)."""
    audit = demo_name()
    env = {**os.environ}  # bytecode compiled by main(), read as an installed copy reads it
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    found: list[tuple[float, float, float]] = []
    for run in range(runs + 1):  # the first run warms the page cache and the .pyc files
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(database), audit],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        total = time.perf_counter() - started
        line = next((s for s in child.stdout.splitlines() if s.startswith(SHOWN)), None)
        if line is None:
            print(f"cold start failed:\n{child.stdout}\n{child.stderr}", file=sys.stderr)
            return found
        _, imported, inside, *title = line.split()
        after_imports = float(inside) - float(imported)
        if run:
            found.append((total, total - after_imports, after_imports))
        elif audit not in " ".join(title):
            print(f"warning: the window opened {' '.join(title)!r}", file=sys.stderr)
    return found


# -- 2. event-loop latency --------------------------------------------------------------------


def latency_under_load(
    database: Path, archive: Path, scratch: Path
) -> tuple[dict[str, list[float]], list[tuple[float, float, float]]]:
    """Gaps between 10 ms ticks (seconds), grouped by what was running in the background; and
    each stall over the target with the CPU time the GUI thread and the whole process spent
    in it: the GUI thread busy, or our workers holding the GIL, or other programs on the CPUs."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from auditapp.gui.main_window import MainWindow
    from auditapp.gui.settings import Preferences
    from auditapp.gui.tasks import keep_the_window_responsive
    from auditapp.gui.theme import apply_theme
    from auditapp.gui.views.signoff import SignoffView
    from auditapp.services.workspace import Workspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    ws = Workspace.open(f"sqlite:///{database}")
    window = MainWindow(ws, preferences=Preferences())  # not the user's settings
    audit = demo_name()
    keep_the_window_responsive()  # as `auditapp gui` does
    window.start(audit)  # as the default member, the officer: may collect after sign-off
    window.show()
    gaps: dict[str, list[float]] = {}
    state: dict[str, Any] = {"phase": "idle", "last": 0.0, "cpu": 0.0, "all": 0.0}
    stalls: list[tuple[float, float, float]] = []

    def tick() -> None:
        now, cpu, everyone = time.perf_counter(), time.thread_time(), time.process_time()
        gap = now - float(state["last"])
        gaps.setdefault(str(state["phase"]), []).append(gap)
        if gap * 1000 - TICK_MS > STALL_TARGET_MS:
            stalls.append((gap, cpu - float(state["cpu"]), everyone - float(state["all"])))
        state["last"], state["cpu"], state["all"] = now, cpu, everyone

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    wait(1500)  # the window settles: its first paint and reads
    state["last"], state["cpu"] = time.perf_counter(), time.thread_time()
    state["all"] = time.process_time()
    timer.start()
    wait(2000)  # idle: the window just sitting there
    state["phase"] = "opening the view"
    view = window.show_view("signoff")
    assert isinstance(view, SignoffView)
    wait(1500)
    # A person's steps, each in its own turn of the event loop, as clicks come: open the
    # Collect dialog and fill it in, fill in the export, click Collect, then Export.
    state["phase"] = "opening the Collect dialog"
    dialog = window.open_collect()
    assert dialog is not None
    wait(1000)
    dialog.sources.archives.add([str(archive)])
    panel = view.export_panel
    panel.pdf.setText(str(scratch / "demo-package.pdf"))
    panel.bundle.setChecked(True)
    wait(500)
    state["phase"] = "collect"
    started = time.perf_counter()
    dialog.start()
    wait(300)
    panel.start()
    print("collecting the archive and exporting the demo audit at once…", flush=True)
    ended: dict[str, float] = {}
    while len(ended) < 2 and time.perf_counter() - started < 900:
        jobs = (("collect", dialog.running), ("export", panel.running))
        for name, busy in jobs:
            if not busy and name not in ended:
                ended[name] = time.perf_counter() - started
        state["phase"] = "+".join(name for name, busy in jobs if busy)
        wait(50)
    timer.stop()
    print(f"  collect: {dialog.outcome or 'not finished'} in {ended.get('collect', 0):.1f} s")
    print(f"  export: {panel.outcome.text()[:90]}… in {ended.get('export', 0):.1f} s\n")
    window.close()
    window.runner.wait()
    ws.close()
    gaps.pop("", None)  # the last moment, after both had finished
    return gaps, stalls


# -- the report -------------------------------------------------------------------------------


def report(
    cold: list[tuple[float, float, float]],
    bare: list[float],
    gaps: dict[str, list[float]],
    stalls: list[tuple[float, float, float]],
) -> None:
    print(f"{'measure':<52}{'figure':>10}{'target':>10}")
    if cold:
        totals = [c[0] for c in cold]
        median = statistics.median(totals)
        row(f"cold start to the window (median of {len(cold)})", median, COLD_TARGET_S, "s")
        print(f"  runs: {', '.join(f'{t:.2f}' for t in totals)} s")
        print(
            f"  of which interpreter + imports {statistics.median(c[1] for c in cold):.2f} s, "
            f"database + window + audit + show {statistics.median(c[2] for c in cold):.2f} s"
        )
        if bare:
            floor = statistics.median(bare)
            print(
                f"  peer: a bare PySide6 window starts in {floor:.2f} s here "
                f"(median of {len(bare)}); auditapp takes {median / floor:.1f}x that"
            )
    phases = ("idle", "opening the view", "opening the Collect dialog", "collect+export")
    for phase in (*phases, "collect", "export"):
        found = [(g * 1000 - TICK_MS) for g in gaps.get(phase, [])]
        if not found:
            continue
        row(f"longest event-loop stall, {phase}", max(found), STALL_TARGET_MS, "ms")
        over = sum(1 for stall in found if stall > STALL_TARGET_MS)
        p99 = statistics.quantiles(found, n=100)[98] if len(found) > 1 else found[0]
        print(f"  {len(found)} ticks; 99th percentile {p99:.0f} ms; {over} stalls over 50 ms")
    if stalls:
        wall = sum(gap for gap, _gui, _all in stalls)
        gui = sum(min(cpu, gap) for gap, cpu, _all in stalls)
        workers = sum(max(0.0, min(everyone, gap) - min(cpu, gap)) for gap, cpu, everyone in stalls)
        print(
            f"\nthe {len(stalls)} stalls over 50 ms lasted {wall:.2f} s: the GUI thread computed "
            f"{gui / wall:.0%} of it, our workers {workers / wall:.0%} (holding the GIL while "
            f"the GUI thread waited for it); the rest went to other programs"
        )
        worst = sorted(stalls, reverse=True)[:5]
        print(
            "  longest (GUI thread / whole process CPU): "
            + ", ".join(f"{g * 1e3:.0f} ms ({c * 1e3:.0f}/{a * 1e3:.0f})" for g, c, a in worst)
        )


def row(what: str, figure: float, target: float, unit: str) -> None:
    verdict = "met" if figure < target else "MISSED"
    number = f"{figure:.2f} s" if unit == "s" else f"{figure:.0f} ms"
    limit = f"< {target:.1f} s" if unit == "s" else f"< {target:.0f} ms"
    print(f"{what:<52}{number:>10}{limit:>10}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
