"""The nonce ledger: every signed request spends its ``SignatureNonce`` here, exactly once.

One statement per request, ``INSERT … ON CONFLICT (nonce_key) DO NOTHING``, committed on its own
(SQLite's autocommit, PostgreSQL's autocommit mode) on a pooled connection: a row inserted means
the nonce was fresh, no row means it was spent already — by this process or any other sharing the
database, since the primary key decides. On PostgreSQL psycopg prepares the statement on each
connection after its first few uses.

Expired nonces are deleted now and then (one use in :data:`PURGE_ONE_IN` in each process), in a
statement of their own after the insert, so the table stays as small as the replay window and
each purge only has a few rows to delete.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from ramsts.store.prepared import PreparedStatement
from ramsts.store.schema import signature_nonces
from ramsts.types import Clock

PURGE_ONE_IN = 64
"""One use in this many also deletes the expired nonces."""


class NonceLedger:
    """Thread-safe; one per :class:`~ramsts.store.Store`."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._uses = itertools.count(1)  # next() is atomic under the GIL
        dialect = engine.dialect
        self._postgresql = dialect.name == "postgresql"
        insert = (postgresql.insert if self._postgresql else sqlite.insert)(signature_nonces)
        self._insert = PreparedStatement(
            insert.values(
                nonce_key=sa.bindparam("nonce_key"), expires_at=sa.bindparam("expires_at")
            ).on_conflict_do_nothing(index_elements=[signature_nonces.c.nonce_key]),
            dialect,
        )
        self._purge = PreparedStatement(
            signature_nonces.delete().where(signature_nonces.c.expires_at < sa.bindparam("now")),
            dialect,
        )

    def use(self, key: str, expires_at: datetime) -> bool:
        """Record ``key`` as spent until ``expires_at``; ``False`` if it was spent already."""
        purge = next(self._uses) % PURGE_ONE_IN == 0
        connection = self._engine.raw_connection()
        try:
            with self._autocommit(connection):
                cursor = connection.cursor()
                try:
                    values = {"nonce_key": key, "expires_at": expires_at}
                    fresh = self._insert.execute(cursor, values) == 1
                    if purge:
                        self._purge.execute(cursor, {"now": self._clock()})
                finally:
                    cursor.close()
        finally:
            connection.close()
        return fresh

    @contextmanager
    def _autocommit(self, connection: PoolProxiedConnection) -> Iterator[None]:
        """Each statement commits on its own. SQLite connections are opened that way already
        (see :mod:`ramsts.store.engine`); a PostgreSQL one is switched for the block, then
        handed back to the pool as it was found."""
        if not self._postgresql:
            yield
            return
        driver: Any = connection.driver_connection
        driver.autocommit = True
        try:
            yield
        finally:
            driver.autocommit = False
