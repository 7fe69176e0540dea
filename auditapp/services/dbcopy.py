"""`db copy`: move a whole auditapp database (every audit, its evidence and its journal) into
an empty one, SQLite or PostgreSQL either side, then prove the copy is whole.

The target is checked for emptiness, filled and its sequences set in one transaction, so an
error or a cancel leaves it as it was. No journal entry is written on either side: the chains
must stay exactly as they were for `journal verify` to pass on the copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import URL, select
from sqlalchemy import exc as sa_exc

from auditapp.progress import Progress
from auditapp.services.errors import InvalidInputError
from auditapp.services.journal import Verification, verify_journal
from auditapp.services.workspace import Caller, Workspace
from auditapp.store import copy
from auditapp.store.database import (
    Database,
    default_database_url,
    describe_url,
    open_database,
    parse_url,
)
from auditapp.store.errors import DatabaseUrlError
from auditapp.store.models import Audit

_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


class CopyRefusedError(InvalidInputError):
    """The copy was not started: the target holds data, or the source is not a database of ours."""


@dataclass(frozen=True)
class TableCopied:
    table: str
    source_rows: int
    target_rows: int  # counted again on the target after the commit

    @property
    def equal(self) -> bool:
        return self.source_rows == self.target_rows


@dataclass(frozen=True)
class AuditVerified:
    """`journal verify` of one audit on the target."""

    audit: str
    entries: int
    intact: bool
    problem: str  # the first break or disagreement; "" when intact
    broken_in_source: bool  # the source fails too: the copy is faithful, the audit was not


@dataclass(frozen=True)
class CopyReport:
    source: str  # both URLs as they may be shown: without passwords
    target: str
    tables: tuple[TableCopied, ...]
    audits: tuple[AuditVerified, ...]

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)

    @property
    def verified(self) -> bool:
        return all(t.equal for t in self.tables) and all(a.intact for a in self.audits)

    def problems(self) -> list[str]:
        """What did not verify, one line each."""
        lines = [
            f"table {t.table}: {t.source_rows} rows in the source, {t.target_rows} in the target"
            for t in self.tables
            if not t.equal
        ]
        for audit in self.audits:
            if not audit.intact:
                already = " (the source fails the same check)" if audit.broken_in_source else ""
                lines.append(f"audit {audit.audit!r}: {audit.problem}{already}")
        return lines


def copy_database(source: str | None, target: str, progress: Progress) -> CopyReport:
    """Copy the database at `source` (default: the user's SQLite) into the empty one at `target`."""
    source_url = parse_url(source or default_database_url())
    target_url = _parse_target(target)
    source_name = describe_url(source_url)
    if _identity(source_url) == _identity(target_url):
        raise CopyRefusedError(
            f"the source and the target are the same database ({source_name})",
            hint="give --to a new, empty database",
        )
    # Looked at before opening: opening creates a missing file and migrates a foreign one.
    if copy.stored_revision(source_url) is None:
        raise CopyRefusedError(
            f"{source_name} is not an auditapp database: there is nothing to copy",
            hint="point --db (or AUDITAPP_DB) at the database to copy",
        )
    source_db = open_database(_text(source_url))
    try:
        target_db = open_database(_text(target_url))
        try:
            totals = _copy(source_db, target_db, progress)
            return _verify(source_db, target_db, totals, progress)
        finally:
            target_db.close()
    finally:
        source_db.close()


def _copy(source_db: Database, target_db: Database, progress: Progress) -> dict[str, int]:
    """Every table, in one transaction on the target that also checked it was empty."""
    source_name, target_name = source_db.describe(), target_db.describe()
    writer = target_db.engine.execution_options(auditapp_write=True)
    with (
        _translated(target_name),
        copy.source_snapshot(source_db.engine) as reader,
        writer.connect() as connection,
        connection.begin(),
    ):
        copy.lock_target(connection)
        _refuse_non_empty(copy.count_rows(connection), target_name)
        progress.message(f"copying {source_name} to {target_name}")
        totals = copy.count_rows(reader)
        copy.copy_tables(
            reader,
            connection,
            progress,
            totals=totals,
            source_name=source_name,
            target_name=target_name,
        )
        copy.reset_sequences(connection)
    return totals


def _refuse_non_empty(counts: dict[str, int], target_name: str) -> None:
    held = {name: rows for name, rows in counts.items() if rows}
    if not held:
        return
    audits = held.get(Audit.__tablename__, 0)
    what = (
        f"{audits} audit(s) and {sum(held.values())} rows in {len(held)} tables"
        if audits
        else f"rows in {', '.join(sorted(held))}"
    )
    raise CopyRefusedError(
        f"{target_name} is not empty: it holds {what}; nothing was copied",
        hint="copy into a new, empty database; auditapp never overwrites one",
    )


def _verify(
    source_db: Database, target_db: Database, totals: dict[str, int], progress: Progress
) -> CopyReport:
    with _translated(target_db.describe()), target_db.engine.connect() as connection:
        copied = copy.count_rows(connection)
    tables = tuple(TableCopied(name, totals[name], copied.get(name, 0)) for name in totals)
    target_ws, source_ws = Workspace(target_db), Workspace(source_db)
    with target_db.read() as session:
        names = list(session.scalars(select(Audit.name).order_by(Audit.id)))
    progress.start("verifying the journals", len(names))
    checks = []
    for name in names:
        report = verify_journal(target_ws, Caller(audit=name))
        broken_before = not report.intact and not verify_journal(source_ws, Caller(name)).intact
        checks.append(
            AuditVerified(name, report.entries, report.intact, _problem(report), broken_before)
        )
        progress.advance()
    return CopyReport(source_db.describe(), target_db.describe(), tables, tuple(checks))


def _problem(report: Verification) -> str:
    if report.first_break is not None:
        return f"the journal breaks at entry #{report.first_break.seq}: {report.first_break.reason}"
    return report.mismatches[0] if report.mismatches else ""


@contextmanager
def _translated(target_name: str) -> Iterator[None]:
    """Driver errors outside a table's rows (locks, lost connections) as one clear line."""
    try:
        yield
    except sa_exc.DBAPIError as error:
        raise copy.CopyError(
            f"the copy into {target_name} failed: {copy.failure_reason(error)}",
            hint="nothing was copied; the target is as it was",
        ) from error


def _parse_target(text: str) -> URL:
    try:
        return parse_url(text)
    except DatabaseUrlError as error:
        masked = _PASSWORD.sub(r"\1***@", text)
        if masked == text:
            raise
        # The message quotes the URL as given; a password in it must not reach the screen.
        raise DatabaseUrlError(str(error.args[0]).replace(text, masked), hint=error.hint) from None


def _identity(url: URL) -> tuple[object, ...]:
    """Which database a URL names, whatever password it gives."""
    return (url.get_backend_name(), url.username, url.host, url.port, url.database)


def _text(url: URL) -> str:
    return url.render_as_string(hide_password=False)
