"""Databases for tests at the newest revision with no rows, without migrating for each test.

Migrating a new PostgreSQL schema costs about half a second (hundreds of tests take one), so
each test process migrates one schema once and empties it before each test that asks; a SQLite
file is migrated once and copied. A test of migrations themselves asks for an empty database
instead (``empty_db_url`` in conftest.py).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from ramsts.store import open_store


def standby_url(postgres_url: str) -> str:
    """``postgres_url`` (one of :class:`PostgresSchemas`'s) with sessions that take no writes:
    PostgreSQL then refuses them with the SQLSTATE a hot standby answers (25006), as a primary
    demoted under its clients' connections does."""
    url = postgres_url.replace(
        "options=-csearch_path", "options=-cdefault_transaction_read_only%3Don%20-csearch_path"
    )
    if url == postgres_url:
        raise ValueError(f"not a URL of a test schema: {postgres_url}")
    return url


# Emptying waits this long for a lock held by what an earlier test left running, then gives up
# on the schema and migrates a new one rather than hang.
EMPTYING_LOCK_TIMEOUT = "5s"


def migrated_sqlite_file(path: Path) -> Path:
    open_store(f"sqlite:///{path}").dispose()  # the last close checkpoints the WAL into it
    return path


class PostgresSchemas:
    """The schemas one test process makes on the server at ``server_url`` (its search_path is
    set per URL, so tests in other processes never meet them)."""

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self._admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self._prefix = f"t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._made: list[str] = []
        self._numbers = itertools.count()
        self._migrated: str | None = None
        with self._admin.connect() as connection:  # fails here if there is no server
            connection.execute(sa.text("SELECT 1"))

    def url(self, schema: str) -> str:
        sep = "&" if "?" in self._server_url else "?"
        return f"{self._server_url}{sep}options=-csearch_path%3D{schema}"

    @contextmanager
    def empty(self) -> Iterator[str]:
        """A schema with nothing in it, dropped afterwards."""
        schema = self._make()
        try:
            yield self.url(schema)
        finally:
            self._drop(schema)

    def migrated(self) -> str:
        """The URL of this process's migrated schema, every table emptied."""
        if self._migrated is not None:
            try:
                self._empty_tables(self._migrated)
                return self.url(self._migrated)
            except sa.exc.OperationalError:  # a lock an earlier test left held: start over
                self._migrated = None
        schema = self._make()
        open_store(self.url(schema)).dispose()
        self._migrated = schema
        return self.url(schema)

    def close(self) -> None:
        for schema in list(self._made):
            self._drop(schema)
        self._admin.dispose()

    def _empty_tables(self, schema: str) -> None:
        # DELETE with triggers (and so foreign-key checks) off: ten times faster than TRUNCATE
        # on tables this small. No table has an identity or serial column to restart. The
        # tables are listed each time: a test may have made its own (the IoT sample's).
        with self._admin.begin() as connection:
            connection.execute(sa.text(f"SET LOCAL lock_timeout = '{EMPTYING_LOCK_TIMEOUT}'"))
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            tables = connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :schema"
                    " AND tablename <> 'alembic_version'"
                ),
                {"schema": schema},
            ).scalars()
            for table in list(tables):
                connection.execute(sa.text(f'DELETE FROM "{schema}"."{table}"'))

    def _make(self) -> str:
        schema = f"{self._prefix}_{next(self._numbers)}"
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        self._made.append(schema)
        return schema

    def _drop(self, schema: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self._made.remove(schema)
