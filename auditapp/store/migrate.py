"""Bringing a database to the current schema with Alembic, backing SQLite files up first.

Alembic is imported only when a database is not at `SCHEMA_HEAD` already, which keeps every
command that opens an up-to-date database quick to start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from auditapp.store.backup import backup_sqlite
from auditapp.store.errors import DatabaseTooNewError, NotADatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_HEAD = "0005"  # the newest revision in migrations/versions (a test keeps them in step)


def alembic_config(script_location: Path = MIGRATIONS) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


def head_revision(script_location: Path = MIGRATIONS) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _read_revision(connection)


def _read_revision(connection: object) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    query = text("SELECT version_num FROM alembic_version")
    row = connection.execute(query).first()  # type: ignore[attr-defined]
    return str(row[0]) if row else None


def upgrade(engine: Engine, sqlite_path: Path | None, script_location: Path = MIGRATIONS) -> None:
    """Migrate to the newest schema; refuse databases that are not ours or are newer than us.

    `engine` writes; the first look is taken on a reading connection, so opening an
    up-to-date database never waits for another writer.
    """
    with engine.execution_options(auditapp_write=False).connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = _read_revision(connection)
        connection.rollback()
    if current == SCHEMA_HEAD and script_location == MIGRATIONS:
        return
    where = str(sqlite_path) if sqlite_path else "the database"
    if current is None and tables - {"alembic_version"}:
        raise NotADatabaseError(
            f"{where} holds other tables and is not an auditapp database",
            hint="choose an empty database or a new file; nothing was changed",
        )

    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = alembic_config(script_location)
    scripts = ScriptDirectory.from_config(config)
    if current is not None:
        try:
            scripts.get_revision(current)
        except CommandError as error:
            raise DatabaseTooNewError(
                f"{where} was written by a newer auditapp (schema {current})",
                hint="upgrade auditapp to open it",
            ) from error
    if current == scripts.get_current_head():
        return
    if sqlite_path is not None and current is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup = sqlite_path.with_name(f"{sqlite_path.name}.{current}.{stamp}.bak")
        backup_sqlite(sqlite_path, backup)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
