"""Schema migrations with Alembic, configured in code and applied when the store opens.

The whole upgrade runs in one transaction (both databases have transactional DDL), so a failed
migration leaves the schema as it was. Two processes starting at once on one PostgreSQL are
serialised by a transaction-scoped advisory lock; on SQLite the write transaction
(``BEGIN IMMEDIATE``) is the lock. Tables and Alembic's version table are created unqualified, so
they land in the first schema of the connection's ``search_path``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from ramsts.store.errors import SchemaError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

MIGRATION_LOCK = 0x72616D737473
"""PostgreSQL advisory lock key held while migrating ("ramsts" in ASCII)."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    """The newest migration this code ships (read once: reading the scripts costs 20 ms, and
    every store that opens asks)."""
    head: str | None = ScriptDirectory.from_config(_config()).get_current_head()
    return head


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at, or ``None`` for an empty database."""
    revision: str | None = MigrationContext.configure(connection).get_current_revision()
    return revision


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        if current_revision(connection) == head_revision():
            return
        command.upgrade(_config(connection), "head")


def check_current(engine: Engine) -> None:
    """Refuse to run on a schema that is missing or not the one this code was written for."""
    with engine.connect() as connection:
        found = current_revision(connection)
        connection.rollback()
    expected = head_revision()
    if found != expected:
        raise SchemaError(
            f"database schema is at revision {found!r}, this code needs {expected!r}; "
            "open the store with migrate=True (or run the migration) first"
        )
