"""Copying every table of one auditapp database into another, keys and values unchanged.

The walk follows the models' foreign keys (parents first) and streams each table in batches
small enough for evidence blobs. Transactions belong to the caller: run the copy inside one
transaction on the target, and a failed or cancelled copy writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    ColumnElement,
    Connection,
    Engine,
    LargeBinary,
    Select,
    Table,
    create_engine,
    false,
    func,
    insert,
    select,
)
from sqlalchemy import exc as sa_exc

from auditapp.progress import Progress, check_cancelled
from auditapp.store import migrate
from auditapp.store.database import describe_url
from auditapp.store.errors import DatabaseUnavailableError, NotADatabaseError, StoreError
from auditapp.store.models import Base

BATCH_ROWS = 500
BATCH_BYTES = 32 * 1024 * 1024  # an evidence blob may be 200 MB: such a row goes alone


class CopyError(StoreError):
    """A row could not be read from the source or written to the target."""


def data_tables() -> list[Table]:
    """Every table of the model, each after the tables its foreign keys point at."""
    return list(Base.metadata.sorted_tables)


def count_rows(connection: Connection) -> dict[str, int]:
    """Rows per data table, in copy order."""
    return {
        table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in data_tables()
    }


def stored_revision(url: URL) -> str | None:
    """The schema revision of the database at `url` (None: not auditapp's), read without
    creating or changing anything, so a wrong source is refused before auditapp opens it."""
    where = describe_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise NotADatabaseError(f"{where} is not a database file")
        path = Path(database)
        if not path.is_file():
            state = "is not a regular file" if path.exists() else "does not exist"
            raise NotADatabaseError(f"{path} {state}")
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        )
    else:
        engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        return migrate.current_revision(engine)
    except sa_exc.DBAPIError as error:
        reason = failure_reason(error)
        if url.get_backend_name() == "sqlite":
            raise NotADatabaseError(
                f"{where} cannot be read as an SQLite database: {reason}"
            ) from error
        raise DatabaseUnavailableError(
            f"cannot connect to {where}: {reason}",
            hint="check the server, the user and the database name",
        ) from error
    finally:
        engine.dispose()


@contextmanager
def source_snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent, read-only view of the source for the whole copy."""
    if engine.dialect.name == "sqlite":
        # A deferred read transaction is a snapshot in WAL mode; query_only makes any write
        # on this connection fail instead of touching the source.
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA query_only = ON")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("PRAGMA query_only = OFF")  # it returns to the pool
        return
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as connection:
        yield connection


def lock_target(connection: Connection) -> None:
    """Keep other writers out of the target until the copy commits (SQLite's BEGIN IMMEDIATE
    already does); readers may go on."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.format_table
    names = ", ".join(quote(table) for table in data_tables())
    connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def copy_tables(
    source: Connection,
    target: Connection,
    progress: Progress,
    *,
    totals: dict[str, int],
    source_name: str,
    target_name: str,
    batch_rows: int = BATCH_ROWS,
    batch_bytes: int = BATCH_BYTES,
) -> dict[str, int]:
    """Copy every row of every table, primary keys included; rows written per table."""
    written: dict[str, int] = {}
    for table in data_tables():
        check_cancelled(progress)
        progress.start(f"copying {table.name}", totals.get(table.name))
        written[table.name] = 0
        rows = _read(source, table, source_name, batch_rows)
        for batch in _batches(rows, batch_rows, batch_bytes):
            check_cancelled(progress)
            try:
                target.execute(insert(table), batch)
            except sa_exc.StatementError as error:
                raise CopyError(
                    f"cannot write table {table.name} into {target_name}: {failure_reason(error)}",
                    hint="nothing was copied; the target is as it was",
                ) from error
            written[table.name] += len(batch)
            progress.advance(len(batch))
            del batch  # let it go before the next is read (it may hold a 200 MB blob)
    return written


def reset_sequences(target: Connection) -> None:
    """Move each PostgreSQL id sequence past the highest copied id, so new rows don't collide
    (SQLite takes the next id from the table itself)."""
    if target.dialect.name != "postgresql":
        return
    quote = target.dialect.identifier_preparer.format_table
    for table in data_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        highest = select(func.max(column)).scalar_subquery()
        target.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(quote(table), column.name),
                    func.coalesce(highest, 0) + 1,
                    false(),  # the next id handed out is exactly highest + 1
                )
            )
        )


def _read(
    source: Connection, table: Table, source_name: str, fetch: int
) -> Iterator[dict[str, Any]]:
    """The table's rows in key order, a batch at a time; rows with blobs one by one."""
    key = list(table.primary_key.columns)
    try:
        if any(isinstance(column.type, LargeBinary) for column in table.columns):
            # One query per row: a cursor over many rows reads the next blob ahead, holding
            # two of them (up to 400 MB) where one is needed.
            for values in source.execute(select(*key).order_by(*key)).all():
                match = [column == value for column, value in zip(key, values, strict=True)]
                yield _row_with_blobs(source, table, match)
            return
        query = select(table).order_by(*key)
        result = source.execution_options(stream_results=True, yield_per=fetch).execute(query)
        for row in result:
            yield row._asdict()
    except (sa_exc.DBAPIError, ValueError, TypeError) as error:
        # Rows are input too: a value written outside auditapp may not read back.
        raise CopyError(
            f"cannot read table {table.name} of {source_name}: {failure_reason(error)}",
            hint="the source holds data auditapp cannot read; nothing was copied",
        ) from error


def _row_with_blobs(
    source: Connection, table: Table, match: list[ColumnElement[bool]]
) -> dict[str, Any]:
    if source.dialect.driver != "psycopg":
        return source.execute(select(table).where(*match)).one()._asdict()
    # psycopg reads bytea as hex text unless asked for binary: 200 MB of evidence would take
    # 400 MB more while it is decoded. SQLAlchemy cannot ask, so the blobs come on their own.
    large = [column for column in table.columns if isinstance(column.type, LargeBinary)]
    small = [column for column in table.columns if column not in large]
    values = source.execute(select(*small).where(*match)).one()._asdict()
    for column in large:
        values[column.key] = _binary_value(source, select(column).where(*match))
    return values


def _binary_value(source: Connection, query: Select[Any]) -> bytes | None:
    import psycopg

    compiled = query.compile(dialect=source.dialect)
    driver = source.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        # The same connection, so the same transaction and snapshot as the other reads.
        with driver.cursor(binary=True) as cursor:
            cursor.execute(str(compiled), compiled.params)
            row = cursor.fetchone()
    except psycopg.Error as error:
        raise sa_exc.DBAPIError(str(compiled), compiled.params, error) from error  # as from SA
    return None if row is None or row[0] is None else bytes(row[0])


def _batches(
    rows: Iterable[dict[str, Any]], most_rows: int, most_bytes: int
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += sum(len(value) for value in row.values() if isinstance(value, bytes | str))
        del row  # the batch alone holds it, so a sent batch is freed before the next read
        if len(batch) >= most_rows or size >= most_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def failure_reason(error: Exception) -> str:
    """The driver's first line, without SQLAlchemy's statement and parameters (which may hold
    evidence bytes)."""
    cause = error.orig if isinstance(error, sa_exc.StatementError) and error.orig else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else cause.__class__.__name__
