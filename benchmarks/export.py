"""Export a large audit as a user does, and time it: issue 6's benchmark.

    python benchmarks/export.py [--runs 1] [--keep DIR] [--reuse DB]

How the audit is built (not timed), in a fresh SQLite database:

- through the real use cases: the demo audit (`services.demo.build_demo`: collected images
  and compose file, findings and their decisions, flows, threats, checklist answers,
  comments, sign-offs), then the whole of `../shared/data/osv/PyPI.zip` and `Go.zip`
  (`vulndb.import_paths`), the components that make it up to `--components` (20)
  (`components.add_component`), `--documents` attached documents (`evidence.attach_file`)
  and finally the analysis again (`analysis.analyse`), so findings cover every component;
- bulk-inserted with the store models (collecting real images of this size would take
  minutes and a Docker Engine): one image per added component with its image-config
  evidence, packages up to `--packages` (10,000) in all, and earlier collections of the
  images' configs up to `--evidence` (500) evidence items in all, each linked to a checklist
  item. The packages are Debian packages read from this host's dpkg status, PyPI and Go
  packages at versions that OSV records affect, and made-up names no record mentions. The
  affected ones are chosen so that matching (the real `vulns.list_vulns`) finds
  `--vulns` (2,000) vulnerabilities on the audit's packages.

Then `python -m auditapp --db DB export --pdf FILE` runs as its own process, `--runs` times,
and the script prints wall seconds, CPU seconds, peak RSS (the child's ru_maxrss, from
wait4), pages and bytes, against the targets of issue 6 (under 15 s, under 400 MB), each
PASS or MISS. A miss is printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from auditapp.checklist import load_checklist
from auditapp.progress import NoProgress
from auditapp.services import analysis, components, evidence, members, vulndb, vulns
from auditapp.services.demo import build_demo
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace, load_audit
from auditapp.store.models import Blob, Evidence, EvidenceLink, Image, Package
from auditapp.store.types import utcnow

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "osv"
DUMPS = [DATA / "PyPI.zip", DATA / "Go.zip"]
TARGET_SECONDS = 15.0
TARGET_MB = 400.0
OS_RELEASES = (("debian", "12"), ("debian", "11"), ("alpine", "3.19.1"), ("debian", "12"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=20)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--vulns", type=int, default=2_000)
    parser.add_argument("--evidence", type=int, default=500)
    parser.add_argument("--documents", type=int, default=30, help="of the evidence, attached")
    parser.add_argument("--runs", type=int, default=1, help="exports timed (median printed)")
    parser.add_argument("--keep", type=Path, help="keep the database and PDF in this folder")
    parser.add_argument("--reuse", type=Path, help="export this database (built before)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditapp-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        db = args.reuse or folder / "export-bench.sqlite3"
        if args.reuse is None:
            db.unlink(missing_ok=True)
            started = time.perf_counter()
            built = build(f"sqlite:///{db}", args, folder)
            print(f"built in {time.perf_counter() - started:.1f} s (not timed below): {built}")
        export(db, folder / "export-bench.pdf", args.runs)


# -- building the audit -------------------------------------------------------------------------
def build(url: str, args: argparse.Namespace, folder: Path) -> str:
    ws = Workspace.open(url)
    try:
        build_demo(ws, progress=NoProgress())
        vulndb.import_paths(ws, DUMPS)
        team = {m.role: Caller(None, m.name) for m in members.list_members(ws, Caller())}
        officer = team[Role.OFFICER]
        have = len(components.list_components(ws, officer))
        added = [f"service-{n:02d}" for n in range(1, args.components - have + 1)]
        for n, name in enumerate(added):
            edit = components.ComponentEdit(
                image_ref=f"registry.example.com/bench/{name}:1.{n}.0",
                internet_facing=n % 5 == 0,
                in_cde=n % 3 == 0,
                data_classes=("cardholder-data",) if n % 3 == 0 else ("personal-data",),
                host=f"node-{n % 4 + 1}",
                notes=f"Benchmark component {n + 1} of {len(added)}",
            )
            components.add_component(ws, officer, name, edit)
        images = _add_images(ws, added)
        _add_packages(ws, images, args.packages, args.vulns)
        _attach_documents(ws, officer, folder, args.documents)
        _add_collections(ws, args.evidence)
        analysis.analyse(ws, officer)  # after the sign-off, developers may no longer
        return _counts(ws)
    finally:
        ws.close()


def _add_images(ws: Workspace, names: list[str]) -> list[int]:
    """An image per added component, each with its image-config evidence (a demo image's
    config, labelled as this image)."""
    ids = []
    with ws.db.write() as session:
        audit = load_audit(session, None)
        template = json.loads(
            session.scalar(
                select(Blob.data)
                .join(Evidence, Evidence.sha256 == Blob.sha256)
                .where(Evidence.audit_id == audit.id, Evidence.kind == "image-config")
                .order_by(Evidence.id)
                .limit(1)
            )
            or b"{}"
        )
        for n, name in enumerate(names):
            tag = f"registry.example.com/bench/{name}:1.{n}.0"
            config = _relabelled(template, tag, f"1.{n}.0")
            evidence_id = _evidence_row(session, audit.id, "image-config", f"image {tag}", config)
            os_id, os_version = OS_RELEASES[n % len(OS_RELEASES)]
            image = Image(
                audit_id=audit.id,
                digest="sha256:" + hashlib.sha256(tag.encode()).hexdigest(),
                repo_tags=json.dumps([tag]),
                os_id=os_id,
                os_version=os_version,
                os_name=f"{os_id} {os_version}",
                architecture="amd64",
                source=f"/srv/images/{name}.tar",
                evidence_id=evidence_id,
                collected_at=utcnow(),
            )
            session.add(image)
            session.flush()
            ids.append(image.id)
    return ids


def _relabelled(config: dict[str, object], tag: str, version: str) -> dict[str, object]:
    inner = dict(config.get("config") or {})  # type: ignore[call-overload]
    inner["Labels"] = {**(inner.get("Labels") or {}), "org.opencontainers.image.version": version,
                       "org.opencontainers.image.ref.name": tag}  # fmt: skip
    return {**config, "config": inner}


def _evidence_row(
    session: Session,
    audit_id: int,
    kind: str,
    title: str,
    doc: object,
    collected_at: datetime | None = None,
) -> int:
    data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    sha256 = hashlib.sha256(data).hexdigest()
    add = session.add
    if session.get(Blob, sha256) is None:
        add(Blob(sha256=sha256, size=len(data), data=data, created_at=utcnow()))
    row = Evidence(
        audit_id=audit_id,
        sha256=sha256,
        kind=kind,
        title=title,
        media_type="application/json",
        size=len(data),
        source="docker save archive",
        collected_at=collected_at or utcnow(),
        collected_by="bench",
    )
    add(row)
    session.flush()
    return int(row.id)


def _add_packages(ws: Workspace, images: list[int], total: int, wanted_vulns: int) -> None:
    """Fill the added images up to `total` packages in the audit, with `wanted_vulns`
    vulnerabilities matched on the audit's packages in all."""
    rng = random.Random(6)
    with ws.db.read() as session:
        have = len(session.scalars(select(Package.id)).all())
    already = len(vulns.list_vulns(ws, Caller()).vulns)
    affected = _calibrated(ws, images[0], _affected_candidates(rng), wanted_vulns - already, rng)
    debs = _host_debs()
    rows: list[dict[str, object]] = []
    per_image = (total - have) // len(images)
    for n, image_id in enumerate(images):
        count = per_image if n < len(images) - 1 else total - have - per_image * n
        mine = affected[n :: len(images)]
        base = rng.sample(debs, min(len(debs), 120 + 11 * n)) if n % 4 != 2 else []
        chosen = [("deb", name, version) for name, version in base] + mine
        for k in range(count - len(chosen)):
            kind = ("pypi", "golang", "npm")[k % 3]
            chosen.append(_filler(kind, n, k))
        rows += [_package(image_id, eco, name, version, i) for i, (eco, name, version) in
                 enumerate(chosen[:count])]  # fmt: skip
    with ws.db.write() as session:
        session.execute(insert(Package), rows)


def _affected_candidates(rng: random.Random) -> list[tuple[str, str, str]]:
    """(ecosystem, name, version): each PyPI and Go package the dumps name, once, at a version
    one of its records lists or names in a range."""
    found: dict[tuple[str, str], str] = {}
    for dump, ecosystem in ((DUMPS[0], "pypi"), (DUMPS[1], "golang")):
        with zipfile.ZipFile(dump) as archive:
            for member in sorted(archive.namelist()):
                record = json.loads(archive.read(member))
                for affected in record.get("affected", []):
                    name = affected.get("package", {}).get("name")
                    events = [v for r in affected.get("ranges", []) if r.get("type") != "GIT"
                              for e in r.get("events", []) for k, v in e.items()
                              if k == "introduced" and v != "0"]  # fmt: skip
                    pool = affected.get("versions") or events
                    if name and pool and (ecosystem, name) not in found:
                        version = rng.choice(pool)
                        if ecosystem == "golang" and not version.startswith("v"):
                            version = "v" + version
                        found[(ecosystem, name)] = version
    return [(e, n, v) for (e, n), v in sorted(found.items())]


def _calibrated(
    ws: Workspace,
    image_id: int,
    candidates: list[tuple[str, str, str]],
    wanted: int,
    rng: random.Random,
) -> list[tuple[str, str, str]]:
    """Candidates whose matches add up to `wanted`: each is matched once (in a scratch image
    that is removed again) to learn how many vulnerabilities it brings."""
    with ws.db.write() as session:
        session.execute(insert(Package), [_package(image_id, *c, i) for i, c in
                                          enumerate(candidates)])  # fmt: skip
    per: Counter[tuple[str, str, str]] = Counter()
    ecosystems = {"PyPI": "pypi", "Go": "golang"}  # OSV's names, the inventory's
    for v in vulns.list_vulns(ws, Caller()).vulns:
        per[(ecosystems.get(v.ecosystem, v.ecosystem), v.package, v.version)] += 1
    with ws.db.write() as session:
        session.execute(delete(Package).where(Package.image_id == image_id))
    hits = [c for c in candidates if per[c]]
    rng.shuffle(hits)
    chosen, total = [], 0
    for c in hits:
        if total + per[c] <= wanted:
            chosen.append(c)
            total += per[c]
    return chosen


def _host_debs() -> list[tuple[str, str]]:
    """(name, version) of this host's Debian packages: a real base image's kind of list."""
    status = Path("/var/lib/dpkg/status")
    found = []
    if status.exists():
        for stanza in status.read_text(errors="replace").split("\n\n"):
            fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line[:40])
            if "Package" in fields and "Version" in fields:
                found.append((fields["Package"], fields["Version"]))
    return sorted(found) or [(f"libexample{n}", f"1.{n}-1") for n in range(300)]


def _filler(kind: str, image: int, k: int) -> tuple[str, str, str]:
    """A package no advisory mentions."""
    if kind == "pypi":
        return "pypi", f"acme-internal-{image}-{k}", f"2.{k % 13}.{k % 7}"
    if kind == "golang":
        return "golang", f"git.example.com/acme/mod{image}x{k}", f"v0.{k % 9}.{k % 4}"
    return "npm", f"@acme/widget-{image}-{k}", f"3.{k % 11}.{k % 3}"


def _package(image_id: int, ecosystem: str, name: str, version: str, i: int) -> dict[str, object]:
    purl_type = "golang" if ecosystem == "golang" else ecosystem
    return {
        "image_id": image_id,
        "ecosystem": ecosystem,
        "name": name,
        "version": version,
        "purl": f"pkg:{purl_type}/{name}@{version}",
        "path": f"/usr/lib/pkgs/{i}",
        "licenses": '["MIT"]' if i % 2 else '["Apache-2.0"]',
    }


def _attach_documents(ws: Workspace, officer: Caller, folder: Path, count: int) -> None:
    keys = [i.key for s in load_checklist().sections for i in s.items]
    for n in range(count):
        path = folder / f"policy-{n:02d}.md"
        lines = [f"# Policy document {n}", ""] + [
            f"{k}. Control statement {k} of document {n}: access is reviewed quarterly."
            for k in range(40)
        ]
        path.write_text("\n".join(lines) + "\n")
        evidence.attach_file(ws, officer, path, item_key=keys[n * 7 % len(keys)])


def _add_collections(ws: Workspace, total: int) -> None:
    """Earlier collections of each image's config up to `total` evidence items: each an
    earlier version of the image (so its bytes differ), superseded by the latest."""
    keys = [i.key for s in load_checklist().sections for i in s.items]
    with ws.db.write() as session:
        audit = load_audit(session, None)
        have = len(session.scalars(select(Evidence.id).where(Evidence.audit_id == audit.id)).all())
        configs = session.execute(
            select(Evidence.title, Blob.data)
            .join(Blob, Blob.sha256 == Evidence.sha256)
            .where(Evidence.audit_id == audit.id, Evidence.kind == "image-config")
            .order_by(Evidence.id)
        ).all()
        earliest = utcnow() - timedelta(days=1)
        for n in range(total - have):
            title, data = configs[n % len(configs)]
            version = f"0.{n // len(configs)}.0"
            config = _relabelled(json.loads(data), title.removeprefix("image "), version)
            at = earliest - timedelta(hours=total - n)
            evidence_id = _evidence_row(session, audit.id, "image-config", title, config, at)
            session.add(EvidenceLink(evidence_id=evidence_id, audit_id=audit.id,
                                     item_key=keys[n % len(keys)]))  # fmt: skip


def _counts(ws: Workspace) -> str:
    from auditapp.services.findings import list_findings
    from auditapp.services.inventory import list_images

    caller = Caller()
    images = list_images(ws, caller)
    return (
        f"{len(components.list_components(ws, caller))} components, "
        f"{sum(i.packages for i in images):,} packages in {len(images)} images, "
        f"{len(vulns.list_vulns(ws, caller).vulns):,} vulnerability matches, "
        f"{len(evidence.list_evidence(ws, caller))} evidence items, "
        f"{len(list_findings(ws, caller))} findings"
    )


# -- timing the export --------------------------------------------------------------------------
def export(db: Path, pdf: Path, runs: int) -> None:
    command = [sys.executable, "-m", "auditapp", "--db", str(db), "export", "--pdf", str(pdf)]
    env = {k: v for k, v in os.environ.items() if k not in ("AUDITAPP_DB", "AUDITAPP_MEMBER")}
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        assert process.stdout is not None and process.stderr is not None
        out, err = (s.read().decode(errors="replace") for s in (process.stdout, process.stderr))
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"export failed:\n{out}{err}")
        results.append((wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024))
    wall, cpu, rss = sorted(results)[len(results) // 2]
    pages = _pages(pdf)
    size = pdf.stat().st_size
    print(f"export  {wall:.2f} s wall, {cpu:.2f} s CPU (median of {runs}: "
          f"{', '.join(f'{r[0]:.2f}' for r in results)} s); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"peak RSS {rss:.0f} MB; {pages} pages, {size:,} bytes ({size / 1e6:.1f} MB)")
    print("targets (issue 6)")
    for ok, text in (
        (wall < TARGET_SECONDS, f"export under {TARGET_SECONDS:.0f} s ({wall:.2f} s)"),
        (rss < TARGET_MB, f"peak RSS under {TARGET_MB:.0f} MB ({rss:.0f} MB)"),
    ):
        print(f"  {'PASS' if ok else 'MISS'}  {text}")


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


if __name__ == "__main__":
    main()
