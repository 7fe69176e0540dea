"""Alembic environment: always run on a connection handed over by auditapp.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from auditapp.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes opening a fresh database at once must not both create the schema.
        connection.execute(text("SELECT pg_advisory_xact_lock(7301202611)"))
    context.run_migrations()
