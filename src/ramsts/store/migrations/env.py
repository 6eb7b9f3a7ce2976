"""Alembic's environment script: migrates the connection that ``ramsts.store.migrate`` hands in.

The caller already holds a transaction (and, on PostgreSQL, the migration lock), so Alembic runs
inside it and does not commit on its own.
"""

from __future__ import annotations

from alembic import context

from ramsts.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
