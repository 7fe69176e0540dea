"""Opening, migrating and refusing databases, on SQLite files and on PostgreSQL."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from auditapp.services import audits
from auditapp.services.workspace import Workspace
from auditapp.store import migrate
from auditapp.store.backup import backup_sqlite
from auditapp.store.database import open_database, parse_url
from auditapp.store.errors import (
    DatabaseTooNewError,
    DatabaseUnavailableError,
    DatabaseUrlError,
    NotADatabaseError,
)

TABLES = {
    "audit",
    "member",
    "component",
    "checklist_response",
    "evidence",
    "blob",
    "evidence_link",
    "comment",
    "journal",
    "signoff",
    "app_setting",
    "alembic_version",
}


def test_empty_database_is_migrated_to_head(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
    finally:
        db.close()


def test_schema_head_constant_matches_the_migrations() -> None:
    assert migrate.head_revision() == migrate.SCHEMA_HEAD


def test_reopening_keeps_data(db_url: str) -> None:
    ws = Workspace.open(db_url)
    audits.create_audit(ws, "Q3 review")
    ws.close()
    ws = Workspace.open(db_url)
    try:
        assert [a.name for a in audits.list_audits(ws)] == ["Q3 review"]
    finally:
        ws.close()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        db.close()


def test_plain_path_is_an_sqlite_url(tmp_path: Path) -> None:
    url = parse_url(str(tmp_path / "x.sqlite3"))
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "x.sqlite3")


@pytest.mark.parametrize("bad", ["postgresql://[::1", "mysql://u@h/db", "nosuch+driver://x/y"])
def test_bad_urls_are_refused_clearly(bad: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        open_database(bad)
    assert "database" in str(caught.value).lower()


def test_unreachable_postgres_names_the_server_not_the_password() -> None:
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_database("postgresql://alice:s3cret@127.0.0.1:1/audits")
    message = str(caught.value)
    assert "127.0.0.1" in message
    assert "s3cret" not in message


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_sqlite_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    before = _digest(path)
    with pytest.raises(NotADatabaseError) as caught:
        open_database(str(path))
    assert str(path) in str(caught.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(NotADatabaseError):
        open_database(str(tmp_path))


def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")
        connection.execute("INSERT INTO invoices (amount) VALUES (42)")
    before = _digest(path)
    with pytest.raises(NotADatabaseError) as caught:
        open_database(str(path))
    assert "not an auditapp database" in str(caught.value)
    assert _digest(path) == before


def test_a_database_from_a_newer_auditapp_is_refused(sqlite_url: str) -> None:
    open_database(sqlite_url).close()
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(DatabaseTooNewError, match="newer auditapp"):
        open_database(sqlite_url)


def test_upgrading_an_existing_sqlite_file_backs_it_up_first(tmp_path: Path) -> None:
    """A later schema revision (written here) is applied after a backup of the old file."""
    path = tmp_path / "audit.sqlite3"
    ws = Workspace.open(f"sqlite:///{path}")
    audits.create_audit(ws, "before upgrade")
    ws.close()

    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    (scripts / "versions" / "9000_later.py").write_text(
        textwrap.dedent(f"""
        import sqlalchemy as sa
        from alembic import op
        revision = "9000"
        down_revision = "{head}"
        branch_labels = None
        depends_on = None
        def upgrade():
            op.create_table("later", sa.Column("id", sa.Integer, primary_key=True))
        def downgrade():
            op.drop_table("later")
    """)
    )
    db = open_database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db.engine.execution_options(auditapp_write=True), path, scripts)
        assert migrate.current_revision(db.engine) == "9000"
    finally:
        db.close()
    backups = list(tmp_path.glob(f"audit.sqlite3.{head}.*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT name FROM audit").fetchall() == [("before upgrade",)]
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    ws = Workspace.open(f"sqlite:///{path}")
    audits.create_audit(ws, "live")
    with ws.db.write() as session:  # a writer holds the lock during the backup
        session.execute(text("UPDATE audit SET entity = 'in flight'"))
        copy = backup_sqlite(path, tmp_path / "copy.sqlite3")
    ws.close()
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT entity FROM audit").fetchone() == ("",)


MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/team nfs4 rw,relatime 0 0
//nas/share /mnt/my\\040share cifs rw 0 0
tmpfs /mnt/team/local tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "network"),
    [
        ("/home/olga/a.sqlite3", False),
        ("/mnt/team/a.sqlite3", True),
        ("/mnt/my share/a.sqlite3", True),
        ("/mnt/team/local/a.sqlite3", False),
        ("/mnt/teamwork/a.sqlite3", False),
    ],
)
def test_network_filesystems_are_recognised(path: str, network: bool) -> None:
    from auditapp.store.filesystems import is_network_filesystem

    assert is_network_filesystem(Path(path), MOUNTS) is network


def test_a_database_from_the_previous_release_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.commit()
        connection.execute(
            text(
                "INSERT INTO audit (name, entity, description, checklist_id, created_at,"
                " journal_seq, journal_head) VALUES ('kept', '', '', 'pci-dss-4.0.1-containers',"
                " '2026-01-01 00:00:00', 0, :head)"
            ),
            {"head": "0" * 64},
        )
        connection.commit()
    engine.dispose()
    db = open_database(f"sqlite:///{path}")
    try:
        assert migrate.current_revision(db.engine) == migrate.SCHEMA_HEAD
        assert "package" in inspect(db.engine).get_table_names()
    finally:
        db.close()
    (backup,) = tmp_path.glob("old.sqlite3.0001.*.bak")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT name FROM audit").fetchall() == [("kept",)]
