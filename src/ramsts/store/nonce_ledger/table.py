"""The ``signature_nonces`` table as the ledger writes it: many nonces in one statement, whose
``RETURNING`` names the fresh ones, and the purge of the expired ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import PoolProxiedConnection

from ramsts.store.errors import database_unavailable
from ramsts.store.multirow import cursor_for, numbered, values_text
from ramsts.store.prepared import PreparedStatement
from ramsts.store.schema import signature_nonces
from ramsts.types import Clock

BATCH_LIMIT = 256
"""Most nonces in one statement (512 bind parameters: within both databases' limits)."""

PURGE_ONE_IN = 64
"""Every this many nonces spent in a process, the expired ones are deleted."""

Row = tuple[str, Any]
"""A nonce's key and its expiry as the column binds it."""

_logger = logging.getLogger("ramsts.store")


class NonceTable:
    """Writes for one dialect; thread-safe."""

    def __init__(self, dialect: Dialect, *, clock: Clock) -> None:
        self._clock = clock
        self._numbered = numbered(dialect)
        self._purge = PreparedStatement(
            signature_nonces.delete().where(signature_nonces.c.expires_at < sa.bindparam("now")),
            dialect,
        )
        # The column's own conversion (UtcDateTime, which refuses a naive datetime), so that
        # the purge compares these rows as it compares any other.
        bind = signature_nonces.c.expires_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._bind_expiry: Callable[[Any], Any] = bind or (lambda value: value)
        # Callers give whole seconds, so most nonces share their expiry with the one before:
        # the last one converted, and what it became (one tuple, replaced whole).
        self._last_bound: tuple[datetime | None, Any] = (None, None)
        self._spent = 0
        self._spent_lock = threading.Lock()
        self.observe_batch: Callable[[int], None] | None = None
        """Called with the number of nonces of every statement written (the metrics)."""

    def row(self, key: str, expires_at: datetime) -> Row:
        """The row that spends ``key`` until ``expires_at``; a naive expiry is refused here,
        before anything is queued."""
        last, bound = self._last_bound
        if last is None or last != expires_at:  # a naive expiry never equals an aware one
            bound = self._bind_expiry(expires_at)
            self._last_bound = (expires_at, bound)
        return key, bound

    def spend(self, connection: PoolProxiedConnection, rows: list[Row]) -> list[bool]:
        """Insert ``rows`` on ``connection`` (autocommitted); whether each was fresh. A key is
        fresh for its first row only: the same key again is a replay, in this batch or later.

        One multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING nonce_key`` per
        :data:`BATCH_LIMIT` rows: a single statement is atomic, so autocommit is enough, and
        it is one round trip on PostgreSQL and one turn at the write lock on SQLite, however
        many requests it answers (measured: SQLite 10 µs a nonce in batches, against 16-19 a
        statement each; PostgreSQL 60 against 300-450). The text is written out rather than
        compiled by SQLAlchemy: it differs with every batch size, and compiling takes longer
        than running it.
        """
        distinct: dict[str, Any] = {}
        for key, expires_at in rows:
            distinct.setdefault(key, expires_at)  # a key's first row is the one spent
        items = list(distinct.items())
        fresh: set[str] = set()
        cursor = cursor_for(connection, numbered=self._numbered)
        try:
            for start in range(0, len(items), BATCH_LIMIT):
                chunk = items[start : start + BATCH_LIMIT]
                placeholders = values_text(2, len(chunk), numbered=self._numbered)  # all bound
                sql = (
                    "INSERT INTO signature_nonces (nonce_key, expires_at)"  # noqa: S608
                    f" VALUES {placeholders} ON CONFLICT (nonce_key) DO NOTHING"
                    " RETURNING nonce_key"
                )
                cursor.execute(sql, [value for row in chunk for value in row])
                fresh.update(key for (key,) in cursor.fetchall())
                if self.observe_batch is not None:
                    self.observe_batch(len(chunk))
        finally:
            cursor.close()
        answers = []
        for key, _ in rows:
            answers.append(key in fresh)
            fresh.discard(key)
        return answers

    def purge_due(self, spent: int) -> bool:
        """Count ``spent`` more nonces; whether a purge is due after them (the count passed a
        multiple of :data:`PURGE_ONE_IN`)."""
        with self._spent_lock:
            before = self._spent
            self._spent = before + spent
        return before // PURGE_ONE_IN != (before + spent) // PURGE_ONE_IN

    def purge(self, connection: PoolProxiedConnection) -> bool:
        """Delete the expired nonces, in a statement of their own after the answers, so that
        each purge has only a few rows to delete and no request waits for it; ``False`` if it
        failed (logged): a later batch purges instead."""
        try:
            cursor = connection.cursor()
            try:
                self._purge.execute(cursor, {"now": self._clock()})
            finally:
                cursor.close()
        except Exception as error:
            outage = database_unavailable(error)
            if outage is None:
                _logger.error("purging expired nonces failed", exc_info=error)
            else:
                _logger.warning("purging expired nonces failed: %s", outage.cause)
            return False
        return True
