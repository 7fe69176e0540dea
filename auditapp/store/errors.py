"""Errors from the storage layer, phrased for the person who chose the database."""

from __future__ import annotations

from auditapp.errors import AuditappError


class StoreError(AuditappError):
    """Something is wrong with the database itself."""


class DatabaseUrlError(StoreError):
    """The database URL cannot be understood."""


class NotADatabaseError(StoreError):
    """The file given is not an SQLite database, or not one of ours."""


class DatabaseTooNewError(StoreError):
    """The database was written by a newer auditapp."""


class DatabaseUnavailableError(StoreError):
    """The database server cannot be reached or refused us."""


class DatabaseBusyError(StoreError):
    """Another writer held the database for longer than the busy timeout."""


class StaleEditError(StoreError):
    """An edit was based on a version that someone else has changed since."""


class ConflictError(StoreError):
    """A write broke a uniqueness or reference rule (usually a race with another writer)."""


class CorruptDataError(StoreError):
    """The database holds a value auditapp never writes (changed outside auditapp)."""
