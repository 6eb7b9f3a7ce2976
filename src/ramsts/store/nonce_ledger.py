"""The nonce ledger: every signed request spends its ``SignatureNonce`` here, exactly once.

A nonce is a row keyed by the nonce, written with ``INSERT … ON CONFLICT (nonce_key) DO NOTHING``
and committed on its own (SQLite's autocommit, PostgreSQL's autocommit mode): a row inserted means
the nonce was fresh, no row means it was spent already — by this process or any other sharing the
database, since the primary key decides. There are two ways in:

* :meth:`NonceLedger.use` — on the caller's thread: one statement per nonce, on a pooled
  connection. On PostgreSQL psycopg prepares it on each connection after its first few uses.
* :meth:`NonceLedger.submit` — queued without blocking, answered by a future. One writer thread
  per ledger takes the first nonce queued and whatever else queued up meanwhile (at most about
  :data:`BATCH_LIMIT`), and spends them all in one multi-row statement whose
  ``RETURNING nonce_key`` names the fresh ones (group commit). Nothing waits to gather a batch: a
  batch is what arrived while the previous one was being written, so batches grow with the load.
  N requests then cost one commit instead of N — one round trip on PostgreSQL, and on SQLite one
  turn at the write lock, which several server processes on one file contend for (SQLite's busy
  handler sleeps a millisecond or more per conflict).
* :meth:`NonceLedger.use_async` — for coroutines on an event loop. The nonces of one turn of the
  loop travel together: the first of a turn schedules their statement for the end of the turn.
  On a SQLite file the loop runs that statement itself, on a connection of its own that never
  waits for the write lock (a few tens of microseconds, less than handing the work to a thread,
  and no GIL contention with it: a thread that needs the GIL back after each SQLite call waits
  up to the 5 ms switch interval for a busy loop to yield it, several times per statement). If
  another process holds the write lock, or on PostgreSQL, where a statement is a network round
  trip, the turn goes to the writer thread instead, which answers it with one
  ``call_soon_threadsafe``.

On a SQLite file every write here first takes the store's write gate
(:mod:`ramsts.store.write_gate`), as the store's transactions do: the threads wait for it, the
loop only takes it when it is free and otherwise tries again as it would on ``SQLITE_BUSY``.

Expired nonces are deleted now and then (one nonce in :data:`PURGE_ONE_IN` in each process, on
either path), in a statement of their own after the insert, so the table stays as small as the
replay window and each purge only has a few rows to delete.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from ramsts.store.engine import WAL_AUTOCHECKPOINT_PAGES, discard_connections, lock_timeout
from ramsts.store.errors import (
    DatabaseUnavailable,
    OutageHold,
    database_unavailable,
    is_read_only_error,
    translated_outages,
)
from ramsts.store.prepared import PreparedStatement
from ramsts.store.schema import signature_nonces
from ramsts.store.write_gate import WriteGate, gated
from ramsts.types import Clock

PURGE_ONE_IN = 64
"""One use in this many also deletes the expired nonces."""

BATCH_LIMIT = 256
"""Most nonces the writer spends in one statement (512 bind parameters: within both databases'
limits)."""

IDLE_RELEASE_SECONDS = 1.0
"""How long the writer keeps its connection without work. Handed back, the connection is
pre-pinged at the next checkout, so one dropped while idle (a restarted PostgreSQL) is replaced
before it can fail a batch; while busy, the writer saves that round trip on every batch."""

CLOSE_TIMEOUT_SECONDS = 5.0
"""How long closing waits for the batch being written."""

WRITER_NAME = "ramsts-nonces"

LOOP_RETRY_DELAY = 0.0005
"""Seconds before a turn's nonces are tried again on the loop when another process holds
SQLite's write lock."""
LOOP_RETRY_LIMIT = 0.05
"""Seconds of such retries before the turn's nonces go to the writer thread."""

_logger = logging.getLogger("ramsts.store")

_Spend = tuple[str, Any, Future[bool]]
"""A submitted nonce: its key, its expiry as bound for the database, the submitter's future."""

_Row = tuple[str, Any]
"""A nonce's key and its expiry as bound for the database."""


@dataclass(slots=True)
class _Turn:
    """The nonces awaited during one turn of an event loop, handed to the writer together."""

    loop: asyncio.AbstractEventLoop
    rows: list[_Row]
    futures: list[asyncio.Future[bool]]
    busy_since: float | None = None
    """When another process first held the write lock against these nonces (monotonic)."""

    def answer(self, answers: list[bool] | BaseException) -> None:
        """From the writer thread: settle the futures on their loop, in one callback."""
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self.loop.call_soon_threadsafe(_settle, self.futures, answers)


def _settle(futures: list[asyncio.Future[bool]], answers: list[bool] | BaseException) -> None:
    for index, future in enumerate(futures):
        if future.done():  # its request was cancelled
            continue
        if isinstance(answers, BaseException):
            future.set_exception(answers)
        else:
            future.set_result(answers[index])


_Queued = _Spend | _Turn | None
"""What the writer's queue holds: a submitted nonce, a turn's nonces, or the order to stop."""


class NonceLedger:
    """Thread-safe; one per :class:`~ramsts.store.Store`. :meth:`close` it before disposing of
    the engine."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        write_gate: WriteGate | None = None,
        outages: OutageHold | None = None,
    ) -> None:
        self._engine = engine
        self._outages = outages
        self._clock = clock
        self._write_gate = write_gate
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
        # The same conversion as the column's (UtcDateTime), so rows written either way compare.
        bind = signature_nonces.c.expires_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._bind_expiry: Callable[[Any], Any] = bind or (lambda value: value)
        # The last expiry converted, and what it became: callers give whole seconds, so most
        # nonces share their expiry with the one before (one tuple, replaced whole).
        self._last_bound: tuple[datetime | None, Any] = (None, None)
        self._row = "(?, ?)" if dialect.paramstyle == "qmark" else "(%s, %s)"
        self._queue: queue.SimpleQueue[_Queued] = queue.SimpleQueue()
        self._turns: dict[asyncio.AbstractEventLoop, _Turn] = {}  # each only on its loop
        # The loops' own connection (SQLite files only), for one loop at a time.
        self._on_loop = dialect.name == "sqlite" and engine.url.database not in (
            None,
            "",
            ":memory:",
        )
        self._loop_connection: PoolProxiedConnection | None = None
        self._busy_timeout_ms = int(lock_timeout(engine.url) * 1000) if self._on_loop else 0
        """What the loop connection's busy timeout goes back to when it is handed back."""
        self._loop_connection_lock = threading.Lock()
        self._lock = threading.Lock()  # orders submits against close
        self._writer: threading.Thread | None = None
        self._closed: str | None = None  # why submits now fail
        # Counted by the writer and by the loop holding the loop connection; a lost update only
        # moves a purge.
        self._spent = 0
        self._observe_batch: Callable[[int], None] | None = None

    def observe_batches(self, observe: Callable[[int], None]) -> None:
        """Call ``observe`` with the number of nonces of every statement written (the metrics'
        batch sizes); it must be thread-safe, and quick: the writer and the loop call it."""
        self._observe_batch = observe

    def queue_depth(self) -> int:
        """Submissions and loop turns waiting for the writer thread now."""
        return self._queue.qsize()

    def use(self, key: str, expires_at: datetime) -> bool:
        """Record ``key`` as spent until ``expires_at``; ``False`` if it was spent already."""
        purge = next(self._uses) % PURGE_ONE_IN == 0
        with translated_outages(self._outages):
            connection = self._engine.raw_connection()
            try:
                with gated(self._write_gate), self._autocommit(connection):
                    cursor = connection.cursor()
                    try:
                        values = {"nonce_key": key, "expires_at": expires_at}
                        fresh = self._insert.execute(cursor, values) == 1
                        if purge:
                            self._purge.execute(cursor, {"now": self._clock()})
                    finally:
                        cursor.close()
            except Exception as error:
                if is_read_only_error(error):
                    raise self._refused_writes(connection, error) from error
                raise
            finally:
                connection.close()
        return fresh

    def _refused_writes(
        self, connection: PoolProxiedConnection, error: Exception
    ) -> DatabaseUnavailable:
        """A write on ``connection`` was refused as read-only: the server is a standby now (a
        primary demoted under the pool's connections). Discards them all (see
        :func:`~ramsts.store.engine.discard_connections`); the error to answer with."""
        connection.invalidate(error)
        discard_connections(self._engine)
        return DatabaseUnavailable(f"the database server takes no writes: {error}")

    def submit(self, key: str, expires_at: datetime) -> Future[bool]:
        """Queue ``key`` to be spent until ``expires_at`` by the writer thread, and return at
        once. The future answers as :meth:`use` does (``False``: spent already, also by an earlier
        submission in the same batch), or holds the error the write failed with; after
        :meth:`close` it fails with :class:`RuntimeError`. A cancelled future's nonce is not
        written, if the writer has not taken it yet."""
        future: Future[bool] = Future()
        spend = (key, self._bound(expires_at), future)  # a naive expiry is refused here
        with self._lock:
            if self._closed is not None:
                future.set_exception(RuntimeError(self._closed))
                return future
            self._start_writer()
            self._queue.put(spend)
        return future

    def _start_writer(self) -> None:
        """Start the writer thread on first use (the caller holds the lock)."""
        if self._writer is None:
            self._writer = threading.Thread(target=self._run_writer, name=WRITER_NAME, daemon=True)
            self._writer.start()

    def use_async(self, key: str, expires_at: datetime) -> asyncio.Future[bool]:
        """As :meth:`use`, for a coroutine on an event loop to await: the nonce is spent with the
        others of this turn of the loop (and whatever else is queued), without blocking the loop.
        A plain function returning the future, not a coroutine: one frame less per request."""
        loop = asyncio.get_running_loop()
        bound = self._bound(expires_at)  # a naive expiry is refused here
        future: asyncio.Future[bool] = loop.create_future()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = _Turn(loop, [], [])
            loop.call_soon(self._hand_over, loop)
        turn.rows.append((key, bound))
        turn.futures.append(future)
        return future

    def _bound(self, expires_at: datetime) -> Any:
        """``expires_at`` as the column binds it."""
        last, bound = self._last_bound
        if last is not None and last == expires_at:  # a naive expiry never equals an aware one
            return bound
        bound = self._bind_expiry(expires_at)
        self._last_bound = (expires_at, bound)
        return bound

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """At the end of a turn of ``loop``: its nonces spent here if the write lock is free,
        else handed to the writer."""
        turn = self._turns.pop(loop)
        if self._on_loop and (self._spend_on_loop(turn) or self._retry_on_loop(loop, turn)):
            return
        with self._lock:
            if self._closed is not None:
                _settle(turn.futures, RuntimeError(self._closed))
                return
            self._start_writer()
            self._queue.put(turn)

    def _retry_on_loop(self, loop: asyncio.AbstractEventLoop, turn: _Turn) -> bool:
        """Try ``turn`` again shortly, with the nonces that arrive meanwhile: another process
        holds the write lock for tens of microseconds at a time, far less than SQLite's busy
        handler would sleep (a millisecond, then more). ``False`` once that has gone on for
        :data:`LOOP_RETRY_LIMIT`, or the ledger is closed: then the writer thread waits for the
        lock instead."""
        now = time.monotonic()
        if turn.busy_since is None:
            turn.busy_since = now
        if self._closed is not None or now - turn.busy_since >= LOOP_RETRY_LIMIT:
            return False
        pending = self._turns.get(loop)
        if pending is None:
            self._turns[loop] = turn
            loop.call_later(LOOP_RETRY_DELAY, self._hand_over, loop)
        else:  # already due this turn; the earlier nonces first, as they came first
            pending.rows[:0] = turn.rows
            pending.futures[:0] = turn.futures
            pending.busy_since = turn.busy_since
        return True

    def _spend_on_loop(self, turn: _Turn) -> bool:
        """Spend ``turn`` on the loop's connection and answer it; ``False`` (nothing done) if
        that connection is in use by another loop or another process holds the write lock."""
        if not self._loop_connection_lock.acquire(blocking=False):
            return False
        if self._closed is not None:
            self._loop_connection_lock.release()
            return False
        gate = self._write_gate
        if gate is not None and not gate.try_enter():
            self._loop_connection_lock.release()
            return False
        try:
            try:
                connection = self._loop_connection_opened()
                fresh = self._insert_batch(connection, turn.rows)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    return False
                self._fail_on_loop(turn, error)
                return True
            except Exception as error:
                self._fail_on_loop(turn, error)
                return True
            _settle(turn.futures, _answers(turn.rows, fresh))
            if self._purge_due(len(turn.rows)):
                with suppress(sqlite3.OperationalError):  # locked: a later turn purges
                    self._purge_expired(connection)
            return True
        finally:
            if gate is not None:
                gate.leave()
            self._loop_connection_lock.release()

    def _loop_connection_opened(self) -> PoolProxiedConnection:
        """The loops' connection, opened on first use (the caller holds its lock)."""
        connection = self._loop_connection
        if connection is None:
            connection = self._engine.raw_connection()
            try:
                # Never wait on the loop: not for the write lock, not for a checkpoint (the
                # store's checkpointer thread makes them, see ramsts.store.checkpoints).
                _set_pragmas(connection, busy_timeout=0, wal_autocheckpoint=0)
            except BaseException:
                connection.invalidate()
                raise
            self._loop_connection = connection
        return connection

    def _fail_on_loop(self, turn: _Turn, error: Exception) -> None:
        """Answer ``turn`` with ``error`` (an outage as :class:`DatabaseUnavailable`) and drop
        the loops' connection, which may be what broke: the next turn opens another (the caller
        holds its lock)."""
        failure = _failed(error, len(turn.rows))
        _settle(turn.futures, failure)
        connection, self._loop_connection = self._loop_connection, None
        if connection is not None:
            connection.invalidate(error)

    def close(self) -> None:
        """Stop the writer: nonces still queued fail, the batch being written is finished
        (waiting for it at most :data:`CLOSE_TIMEOUT_SECONDS`), later submits fail at once."""
        with self._loop_connection_lock:
            if self._loop_connection is not None:
                self._release_loop_connection(self._loop_connection)
                self._loop_connection = None
        writer = self._stop_taking("the store is closed")
        if writer is None:
            return
        self._queue.put(None)
        writer.join(CLOSE_TIMEOUT_SECONDS)
        if writer.is_alive():
            _logger.warning("the nonce writer is still busy; closing without it")

    def _stop_taking(self, reason: str) -> threading.Thread | None:
        """Refuse further submits with ``reason`` and fail those queued; the writer to stop, the
        first time only."""
        with self._lock:
            if self._closed is not None:
                return None
            self._closed = reason
            while True:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    return self._writer
                if isinstance(queued, _Turn):
                    queued.answer(RuntimeError(reason))
                elif queued is not None and queued[2].set_running_or_notify_cancel():
                    queued[2].set_exception(RuntimeError(reason))

    def _run_writer(self) -> None:
        try:
            self._write_batches()
        except Exception:  # a bug: say so, and fail the submitters rather than leave them waiting
            _logger.critical("the nonce writer stopped", exc_info=True)
        finally:
            self._stop_taking("the nonce writer stopped")

    def _write_batches(self) -> None:
        """The writer thread: take a batch, spend it, until :meth:`close` queues the sentinel."""
        connection: PoolProxiedConnection | None = None
        try:
            while True:
                try:
                    first = self._queue.get(
                        timeout=None if connection is None else IDLE_RELEASE_SECONDS
                    )
                except queue.Empty:
                    self._release(connection)
                    connection = None
                    continue
                batch, closing = self._take_batch(first)
                if batch:
                    connection, outage, queued_meanwhile = self._spend(connection, batch)
                    if outage is not None and not closing:
                        closing = self._answer_queued(outage, queued_meanwhile)
                if closing:
                    return
        finally:
            self._release(connection)

    def _take_batch(self, first: _Queued) -> tuple[list[_Spend | _Turn], bool]:
        """``first`` and whatever else is queued, until the batch holds :data:`BATCH_LIMIT`
        nonces, less the cancelled submissions; and whether the sentinel came with them."""
        batch: list[_Spend | _Turn] = []
        rows = 0
        queued = first
        while queued is not None:
            if isinstance(queued, _Turn):
                batch.append(queued)
                rows += len(queued.rows)
            elif queued[2].set_running_or_notify_cancel():
                batch.append(queued)
                rows += 1
            if rows >= BATCH_LIMIT:
                return batch, False
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _answer_queued(self, outage: DatabaseUnavailable, count: int) -> bool:
        """Answer the ``count`` nonces queued while a batch found the database unavailable with
        that outage, rather than try again for each: they have waited as long as that attempt,
        and another would make them wait as long again (up to a connect timeout each, one batch
        after the other, until clients give up). Those queued after the attempt failed are not
        among them: the database may be back by then. Whether the sentinel was among them."""
        for _ in range(count):
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                return False
            if queued is None:
                return True
            if isinstance(queued, _Turn):
                queued.answer(outage)
            elif queued[2].set_running_or_notify_cancel():
                queued[2].set_exception(outage)
        return False

    def _spend(
        self, connection: PoolProxiedConnection | None, batch: list[_Spend | _Turn]
    ) -> tuple[PoolProxiedConnection | None, DatabaseUnavailable | None, int]:
        """Spend ``batch`` and answer its submitters (all with the error if the write fails);
        the connection to keep for the next batch (``None`` after a failure, so that the next
        batch checks out a pre-pinged one), the outage, if that was the failure, and how many
        submissions were queued by the time it failed."""
        rows = [
            row
            for queued in batch
            for row in (queued.rows if isinstance(queued, _Turn) else [queued[:2]])
        ]
        try:
            with translated_outages(self._outages):
                if connection is None:
                    connection = self._checkout()
                with gated(self._write_gate):
                    fresh = self._insert_batch(connection, rows)
        except Exception as caught:
            # Counted before anyone hears of the failure: this thread is the queue's only
            # consumer, so the first ``queued_meanwhile`` entries are exactly those queued by
            # now, and a submission made once the failure is known is tried afresh.
            queued_meanwhile = self._queue.qsize()
            if is_read_only_error(caught) and connection is not None:
                caught = self._refused_writes(connection, caught)
            else:
                self._release(connection)
            error = _failed(caught, len(rows))
            for queued in batch:
                if isinstance(queued, _Turn):
                    queued.answer(error)
                else:
                    queued[2].set_exception(error)
            outage = error if isinstance(error, DatabaseUnavailable) else None
            return None, outage, queued_meanwhile
        for queued in batch:
            # A key is fresh for its first submission only: the same key again later in the
            # batch is a replay.
            if isinstance(queued, _Turn):
                queued.answer(_answers(queued.rows, fresh))
            else:
                queued[2].set_result(queued[0] in fresh)
                fresh.discard(queued[0])
        if self._purge_due(len(rows)):
            try:
                with gated(self._write_gate):
                    self._purge_expired(connection)
            except Exception:
                _logger.exception("purging expired nonces failed")
                self._release(connection)
                return None, None, 0
        return connection, None, 0

    def _insert_batch(self, connection: PoolProxiedConnection, rows: list[_Row]) -> set[str]:
        """Insert the keys in as few statements as :data:`BATCH_LIMIT` allows; the keys that
        were fresh.

        One multi-row statement rather than a statement per row in one transaction: faster on
        both databases (measured: SQLite 10 µs a nonce against 16-19 in batches of 16-64,
        PostgreSQL 60 against 300-450, where every statement is a round trip). Autocommitted,
        as a single statement is atomic: a transaction around it would only add the round trips
        of BEGIN and COMMIT on PostgreSQL. The text is written out rather than compiled by
        SQLAlchemy because it differs with every batch size and takes microseconds to build.
        """
        distinct: dict[str, Any] = {}
        for key, expires_at in rows:
            distinct.setdefault(key, expires_at)  # a key's first submission is the one spent
        items = list(distinct.items())
        fresh: set[str] = set()
        cursor = connection.cursor()
        try:
            for start in range(0, len(items), BATCH_LIMIT):
                chunk = items[start : start + BATCH_LIMIT]
                placeholders = ", ".join([self._row] * len(chunk))  # the values are bound
                sql = (
                    "INSERT INTO signature_nonces (nonce_key, expires_at)"  # noqa: S608
                    f" VALUES {placeholders} ON CONFLICT (nonce_key) DO NOTHING"
                    " RETURNING nonce_key"
                )
                cursor.execute(sql, [value for row in chunk for value in row])
                fresh.update(key for (key,) in cursor.fetchall())
                if self._observe_batch is not None:
                    self._observe_batch(len(chunk))
        finally:
            cursor.close()
        return fresh

    def _purge_due(self, spent: int) -> bool:
        """Count ``spent`` more nonces; whether the count went past a multiple of
        :data:`PURGE_ONE_IN`."""
        before, self._spent = self._spent, self._spent + spent
        return before // PURGE_ONE_IN != self._spent // PURGE_ONE_IN

    def _purge_expired(self, connection: PoolProxiedConnection) -> None:
        cursor = connection.cursor()
        try:
            self._purge.execute(cursor, {"now": self._clock()})
        finally:
            cursor.close()

    def _checkout(self) -> PoolProxiedConnection:
        """A pooled connection for the writer, in autocommit mode while the writer holds it."""
        connection = self._engine.raw_connection()
        if self._postgresql:
            driver: Any = connection.driver_connection
            try:
                driver.autocommit = True
            except Exception:
                connection.invalidate()
                raise
        return connection

    def _release(self, connection: PoolProxiedConnection | None) -> None:
        """Hand the writer's connection back to the pool as it was found. A broken one is
        discarded: the pool's reset fails on it, or the next checkout's pre-ping does."""
        if connection is None:
            return
        try:
            if self._postgresql:
                driver: Any = connection.driver_connection
                driver.autocommit = False
            connection.close()
        except Exception as error:
            connection.invalidate(error)

    def _release_loop_connection(self, connection: PoolProxiedConnection) -> None:
        try:
            _set_pragmas(
                connection,
                busy_timeout=self._busy_timeout_ms,
                wal_autocheckpoint=WAL_AUTOCHECKPOINT_PAGES,
            )
            connection.close()
        except Exception as error:
            connection.invalidate(error)

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


def _failed(error: Exception, count: int) -> Exception:
    """What the nonces of a failed write are answered with: :class:`DatabaseUnavailable` if the
    database could not serve it (logged as a warning: the store recovers by itself), else the
    error itself (logged with its traceback: a bug)."""
    outage = database_unavailable(error)
    if outage is None:
        _logger.error("spending %d nonces failed", count, exc_info=error)
        return error
    _logger.warning("spending %d nonces failed: %s", count, outage.reason)
    return outage


def _answers(rows: list[_Row], fresh: set[str]) -> list[bool]:
    """Whether each row's key was fresh; ``fresh`` is used up, since a key is fresh for its
    first submission only (the same key again later in the batch is a replay)."""
    answers = []
    for key, _ in rows:
        answers.append(key in fresh)
        fresh.discard(key)
    return answers


def _set_pragmas(connection: PoolProxiedConnection, **values: int) -> None:
    cursor = connection.cursor()
    try:
        for name, value in values.items():
            cursor.execute(f"PRAGMA {name}={int(value)}")
    finally:
        cursor.close()
