"""Shared fixtures: real SQLite files, a real PostgreSQL server, a real Docker Engine.

A test that needs PostgreSQL or Docker skips locally when the service is absent and fails
when CI=true (.ci/run starts both and exports AUDITAPP_TEST_PG and DOCKER_HOST).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from auditapp.services import audits, members
from auditapp.services.roles import Role
from auditapp.services.workspace import Caller, Workspace

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get(
    "AUDITAPP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
)


def unavailable(what: str) -> None:
    """Fail in CI, skip elsewhere: a missing service must never pass silently in CI."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: .ci/run should have started it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        unavailable(f"no PostgreSQL server at {PG_ADMIN_URL}: {error.__class__.__name__}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"auditapp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a real SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def ws(db_url: str) -> Iterator[Workspace]:
    workspace = Workspace.open(db_url)
    yield workspace
    workspace.close()


OFFICER = Caller(member="Olga Officer")
DEVELOPER = Caller(member="Dev Developer")
AUDITOR = Caller(member="Aud Auditor")


@pytest.fixture
def team_ws(ws: Workspace) -> Workspace:
    """An audit with one member of each role; the officer is the default member."""
    audits.create_audit(ws, "Shop 2026", entity="Example Payments Ltd")
    members.add_member(ws, Caller(), "Olga Officer", Role.OFFICER)
    members.add_member(ws, OFFICER, "Dev Developer", Role.DEVELOPER)
    members.add_member(ws, OFFICER, "Aud Auditor", Role.AUDITOR)
    return ws


@pytest.fixture(scope="session")
def docker_client():  # type: ignore[no-untyped-def]
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except DockerException as error:
        unavailable(f"no Docker Engine: {error}")
    yield client
    client.close()


def item_keys() -> list[str]:
    """Keys of the shipped checklist, so tests follow the content instead of copying it."""
    from auditapp.checklist import load_checklist

    return [item.key for item in load_checklist().items()]


def evidence_item_key() -> str:
    """An item that expects evidence."""
    from auditapp.checklist import load_checklist

    return next(i.key for i in load_checklist().items() if i.expects_evidence)
