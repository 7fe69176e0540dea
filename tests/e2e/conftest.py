"""Fixtures for the end-to-end collection tests: images, containers, a network and a volume on the
real engine (built once per session and removed afterwards), audit workspaces on real SQLite
files and PostgreSQL databases, and the checks every hostile-input test makes (nothing written
outside the test's folder, the database unchanged or intact)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url

from auditapp.services import audits, members
from auditapp.services.journal import verify_journal
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace
from tests.conftest import OFFICER, unavailable
from tests.e2e.fixture_image import (
    ALPINE_DOCKERFILE,
    DEBIAN_DOCKERFILE,
    PLANTED_ARG,
    PLANTED_COMMAND,
    PLANTED_CONTAINER_ENV,
    GoBinary,
    build_image,
    compile_go,
    write_alpine_rootfs,
    write_debian_rootfs,
    write_setuid_tar,
)

RUN = uuid.uuid4().hex[:8]  # names on the shared engine are unique to this run
PREFIX = f"auditapp-e2e-{RUN}"


# --- workspaces ---------------------------------------------------------------------------------


def team_workspace(url: str) -> Workspace:
    """A fresh audit with one member of each role, the officer the default (as tests/conftest's
    `team_ws`, but usable from fixtures of any scope)."""
    ws = Workspace.open(url)
    audits.create_audit(ws, "Shop 2026", entity="Example Payments Ltd")
    members.add_member(ws, Caller(), "Olga Officer", Role.OFFICER)
    members.add_member(ws, OFFICER, "Dev Developer", Role.DEVELOPER)
    members.add_member(ws, OFFICER, "Aud Auditor", Role.AUDITOR)
    return ws


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    name = f"auditapp_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def workspace_on(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Workspace]:
    """A team workspace on a new SQLite file in `folder`, or on a new PostgreSQL database."""
    if backend == "sqlite":
        ws = team_workspace(f"sqlite:///{folder / 'audit.sqlite3'}")
        try:
            yield ws
        finally:
            ws.close()
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    with pg_database(admin_url) as url:
        ws = team_workspace(url)
        try:
            yield ws
        finally:
            ws.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team workspace set up once (migrations, audit, members: 0.4 s) and closed, so its WAL
    is checkpointed into the file; tests start from copies of it."""
    path = tmp_path_factory.mktemp("template") / "audit.sqlite3"
    team_workspace(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def sqlite_ws(tmp_path: Path, sqlite_template: Path) -> Iterator[Workspace]:
    """A team workspace on a real SQLite file (hostile-input tests are about the parsers, so
    they run on SQLite, whose raw file can be inspected too)."""
    path = tmp_path / "audit.sqlite3"
    shutil.copyfile(sqlite_template, path)
    ws = Workspace.open(f"sqlite:///{path}")
    yield ws
    ws.close()


# --- what a database holds ----------------------------------------------------------------------


def table_rows(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: to compare a database before and after."""
    metadata = MetaData()
    metadata.reflect(ws.db.engine)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with ws.db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            found = connection.execute(table.select()).all()
            rows[table.name] = sorted((tuple(row) for row in found), key=repr)
    return rows


def row_counts(ws: Workspace) -> dict[str, int]:
    return {name: len(rows) for name, rows in table_rows(ws).items()}


def where_found(ws: Workspace, needles: tuple[str, ...]) -> list[str]:
    """Every place a needle appears: "table.column row N" for each text or binary value of each
    row of each table, and "file NAME" for the raw bytes of an SQLite database and its WAL."""
    hits: list[str] = []
    for name, rows in table_rows(ws).items():
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                if isinstance(value, memoryview):
                    value = value.tobytes()
                if isinstance(value, bytes):
                    found = [n for n in needles if n.encode() in value]
                elif isinstance(value, str):
                    found = [n for n in needles if n in value]
                else:
                    continue
                hits += [f"{name} column {column} row {number}: {n}" for n in found]
    path = ws.db.sqlite_path
    if path is not None:
        for file in sorted(path.parent.glob(path.name + "*")):
            data = file.read_bytes()
            hits += [f"file {file.name}: {n}" for n in needles if n.encode() in data]
    return hits


def assert_database_sound(ws: Workspace, caller: Caller = OFFICER) -> None:
    """integrity_check passes (SQLite) and the journal's chain and replay are intact."""
    path = ws.db.sqlite_path
    if path is not None:
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    verification = verify_journal(ws, caller)
    assert verification.intact, (verification.first_break, verification.mismatches)


# --- nothing written outside the test's folder ----------------------------------------------------


HOST_DPKG_STATUS = (
    "Package: host-only-package\nStatus: install ok installed\nVersion: 6.6.6-1\n"
    "Architecture: amd64\n"
)


@dataclass
class Outside:
    """Listings of the places a collect must not write to: the folder above the test's own
    (with a sibling "<tmp>_evil" folder that hostile links point at, holding a dpkg status that
    must never be read), the working directory, and the temporary folder, which `tempfile` is
    pointed at for the test."""

    tmp_path: Path
    evil: Path
    scratch: Path

    def listing(self) -> dict[str, list[str]]:
        return {
            "parent": sorted(p.name for p in self.tmp_path.parent.iterdir()),
            "cwd": sorted(p.name for p in Path.cwd().iterdir()),
            "evil": sorted(str(p.relative_to(self.evil)) for p in self.evil.rglob("*")),
            "scratch": sorted(str(p.relative_to(self.scratch)) for p in self.scratch.rglob("*")),
        }


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outside]:
    """Watches for writes outside `tmp_path`; the temporary folder must be left empty."""
    evil = tmp_path.parent / f"{tmp_path.name}_evil"
    evil.mkdir()
    (evil / "status").write_text(HOST_DPKG_STATUS)
    scratch = tmp_path / "systemp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    watcher = Outside(tmp_path, evil, scratch)
    before = watcher.listing()
    yield watcher
    after = watcher.listing()
    shutil.rmtree(evil)
    assert after == before, "something was written outside the test's folder, or left behind"


# --- the engine: images, containers, a network, a volume --------------------------------------


@pytest.fixture(scope="session")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> GoBinary:
    if shutil.which("go") is None:
        unavailable("no `go` on PATH (apt-get install golang-go) to compile the test binary")
    return compile_go(tmp_path_factory.mktemp("gomod"))


@dataclass(frozen=True)
class EngineImage:
    tag: str
    id: str  # the image id: the config digest


@dataclass(frozen=True)
class EngineFixture:
    debian: EngineImage
    alpine: EngineImage
    go_version: str
    api: str  # container names
    admin: str
    network: str
    volume: str
    bind_source: Path

    @property
    def containers(self) -> tuple[str, str]:
        return (self.api, self.admin)


@pytest.fixture(scope="session")
def engine(
    docker_client: Any, go_binary: GoBinary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineFixture]:
    """Two images built FROM scratch, two containers created (not started) with varied host
    configuration, an internal bridge network and a named volume; all removed afterwards."""
    from docker.errors import DockerException, NotFound

    root = tmp_path_factory.mktemp("engine")
    created: list[Any] = []
    tags = (f"{PREFIX}/shop-api:1.4", f"{PREFIX}/edge-proxy:3.19")
    try:
        debian_context = root / "debian"
        write_debian_rootfs(debian_context / "rootfs", go_binary)
        write_setuid_tar(debian_context)
        debian = build_image(
            docker_client, debian_context, DEBIAN_DOCKERFILE, tags[0], API_TOKEN_ARG=PLANTED_ARG
        )
        alpine_context = root / "alpine"
        write_alpine_rootfs(alpine_context / "rootfs")
        alpine = build_image(docker_client, alpine_context, ALPINE_DOCKERFILE, tags[1])
        network = docker_client.networks.create(f"{PREFIX}-net", driver="bridge", internal=True)
        created.append(network)
        volume = docker_client.volumes.create(f"{PREFIX}-data", labels={"purpose": "e2e"})
        created.append(volume)
        bind_source = root / "bind"
        bind_source.mkdir()
        api = docker_client.containers.create(
            tags[0],
            name=f"{PREFIX}-api",
            cap_add=["NET_ADMIN"],
            cap_drop=["ALL"],
            read_only=True,
            volumes={str(bind_source): {"bind": "/srv/config", "mode": "ro"}},
            ports={"8080/tcp": ("127.0.0.1", None)},
            network=network.name,
            environment={"API_TOKEN": PLANTED_CONTAINER_ENV, "LOG_LEVEL": "debug"},
            user="10001",
        )
        created.insert(0, api)
        admin = docker_client.containers.create(
            tags[1],
            command=["/bin/busybox", "httpd", "--db-password", PLANTED_COMMAND],
            name=f"{PREFIX}-admin",
            privileged=True,
            volumes={volume.name: {"bind": "/data", "mode": "rw"}},
            network_mode="none",
            environment={"TZ": "UTC"},
        )
        created.insert(0, admin)
        yield EngineFixture(
            EngineImage(tags[0], debian.id),
            EngineImage(tags[1], alpine.id),
            go_binary.go_version,
            api.name,
            admin.name,
            network.name,
            volume.name,
            bind_source,
        )
    finally:
        for thing in created:
            try:
                if hasattr(thing, "stop"):  # a container, created but maybe started by someone
                    thing.remove(force=True)
                else:
                    thing.remove()
            except (NotFound, DockerException):
                pass
        for tag in tags:
            with suppress(NotFound, DockerException):
                docker_client.images.remove(tag, force=True)


# --- watching progress, and cancelling ------------------------------------------------------------


class Recorder:
    """A `Progress` that records the stages, and cancels (as the GUI's Cancel button does) after
    `cancel_after` checks or once a stage whose label starts with `cancel_at` began, or raises
    KeyboardInterrupt (as Ctrl-C does in the CLI) at the first step of such a stage."""

    def __init__(
        self,
        cancel_after: int | None = None,
        cancel_at: str | None = None,
        interrupt_at: str | None = None,
    ) -> None:
        self.cancel_after, self.cancel_at, self.interrupt_at = cancel_after, cancel_at, interrupt_at
        self.stages: list[str] = []
        self.messages: list[str] = []
        self.checks = 0
        self._in_cancel_stage = self._in_interrupt_stage = False

    def start(self, label: str, total: int | None = None) -> None:
        self.stages.append(label)
        self._in_cancel_stage = bool(self.cancel_at and label.startswith(self.cancel_at))
        self._in_interrupt_stage = bool(self.interrupt_at and label.startswith(self.interrupt_at))

    def advance(self, steps: int = 1) -> None:
        if self._in_interrupt_stage:
            raise KeyboardInterrupt

    def message(self, text: str) -> None:
        self.messages.append(text)

    def cancelled(self) -> bool:
        self.checks += 1
        if self.cancel_after is not None and self.checks > self.cancel_after:
            return True
        return self._in_cancel_stage
