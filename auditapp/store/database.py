"""Opening, migrating and transacting on the audit database (SQLite or any SQLAlchemy URL)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from auditapp.store import migrate
from auditapp.store.errors import (
    ConflictError,
    CorruptDataError,
    DatabaseBusyError,
    DatabaseUnavailableError,
    DatabaseUrlError,
    NotADatabaseError,
    StaleEditError,
    StoreError,
)
from auditapp.store.filesystems import is_network_filesystem

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 15.0


def default_database_url() -> str:
    """SQLite in the platform's user-data folder."""
    folder = Path(platformdirs.user_data_dir("auditapp", appauthor=False))
    return f"sqlite:///{folder / 'auditapp.sqlite3'}"


def describe_url(url: URL) -> str:
    """The URL as it may be shown to people: never with its password."""
    return url.render_as_string(hide_password=True)


@dataclass
class Database:
    """An open, migrated database. Reads and writes each get their own short transaction."""

    url: URL
    engine: Engine
    _reader: sessionmaker[Session]
    _writer: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        database = self.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (a deferred transaction on SQLite, so writers aren't held)."""
        with _translated(self), self._reader() as session:
            yield session  # closing ends the transaction; loaded objects stay readable

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work committed on success, rolled back on any error.

        On SQLite it starts with ``BEGIN IMMEDIATE`` so two writers queue for the lock instead
        of failing half-way; a stale row version anywhere aborts the whole unit.
        """
        with _translated(self), self._writer() as session, session.begin():
            yield session

    def describe(self) -> str:
        return describe_url(self.url)

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _translated(db: Database) -> Iterator[None]:
    """Turn driver errors into StoreErrors that name the database."""
    where = db.describe()
    try:
        yield
    except StaleDataError as error:
        raise StaleEditError(
            "someone else changed this record while you were editing it",
            hint="reload and apply your change again",
        ) from error
    except sa_exc.IntegrityError as error:
        raise ConflictError(f"the change conflicts with data in {where}: {error.orig}") from error
    except sa_exc.OperationalError as error:
        text = str(error.orig).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseBusyError(
                f"{where} is busy: another auditapp is writing to it",
                hint="try again in a moment",
            ) from error
        raise DatabaseUnavailableError(f"cannot use {where}: {error.orig}") from error
    except sa_exc.DBAPIError as error:
        raise StoreError(f"database error on {where}: {error.orig}") from error
    except (ValueError, TypeError) as error:
        # Rows are input too: a value written outside auditapp may not read back.
        raise CorruptDataError(
            f"{where} holds a value auditapp cannot read: {error}",
            hint="it was changed outside auditapp; `auditapp journal verify` checks the history",
        ) from error


def parse_url(text: str) -> URL:
    """Accept a SQLAlchemy URL or a plain path to an SQLite file."""
    if "://" not in text:
        return make_url(f"sqlite:///{Path(text).expanduser().resolve()}")
    if text.startswith("sqlite:"):
        url = make_url(text)
        if url.query:
            raise DatabaseUrlError(
                f"options in an SQLite URL are not supported: {text!r}",
                hint="give the plain file path, or sqlite:///PATH",
            )
        if url.database and url.database != ":memory:":
            url = url.set(database=str(Path(url.database).expanduser().resolve()))
        return url
    try:
        url = make_url(text)
    except (sa_exc.ArgumentError, ValueError) as error:
        raise DatabaseUrlError(
            f"not a valid database URL: {text!r}",
            hint="use a path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
        ) from error
    backend = url.get_backend_name()
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(
            f"unsupported database {backend!r} in {describe_url(url)}",
            hint="auditapp supports SQLite and PostgreSQL",
        )
    return url


def open_database(url_text: str | None = None) -> Database:
    """Open (creating if needed) and migrate the database at `url_text`, default SQLite."""
    url = parse_url(url_text or default_database_url())
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _server_engine(url)
    db = Database(
        url=url,
        engine=engine,
        _reader=sessionmaker(engine, expire_on_commit=False),
        _writer=sessionmaker(engine.execution_options(auditapp_write=True), expire_on_commit=False),
    )
    try:
        with _translated(db):
            migrate.upgrade(db.engine.execution_options(auditapp_write=True), db.sqlite_path)
    except BaseException:
        engine.dispose()
        raise
    return db


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:":
        path = Path(database)
        _check_sqlite_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise NotADatabaseError(
                f"cannot create the folder for {path}: {error.strerror or error}"
            ) from error
        if is_network_filesystem(path.parent):
            raise NotADatabaseError(
                f"{path} is on a network filesystem, where SQLite's locking is unreliable",
                hint="keep the SQLite file on a local disk, or share a PostgreSQL database",
            )
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # We issue BEGIN ourselves (see _on_begin); pysqlite must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writing = connection.get_execution_options().get("auditapp_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a folder, not an SQLite database file")
    if path.exists() and not path.is_file():
        raise NotADatabaseError(f"{path} is not a regular file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise NotADatabaseError(f"cannot read {path}: {error.strerror}") from error
    if header != SQLITE_MAGIC:
        raise NotADatabaseError(
            f"{path} is not an SQLite database",
            hint="choose another file or a new name; this one was left untouched",
        )
    # Look before we touch: switching to WAL would already rewrite someone else's file.
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
    except sqlite3.DatabaseError as error:
        raise NotADatabaseError(f"{path} cannot be read as an SQLite database: {error}") from error
    if tables and "alembic_version" not in tables:
        raise NotADatabaseError(
            f"{path} holds other tables and is not an auditapp database",
            hint="choose an empty database or a new file; nothing was changed",
        )


def _server_engine(url: URL) -> Engine:
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        with engine.connect():
            pass
    except ModuleNotFoundError as error:
        raise DatabaseUrlError(f"no driver for {describe_url(url)}: {error}") from error
    except sa_exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailableError(
            f"cannot connect to {describe_url(url)}: {reason}",
            hint="check the server, the user and the database name",
        ) from error
    return engine
