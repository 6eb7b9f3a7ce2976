"""The ledger's writer thread: whatever is queued, spent in one statement (group commit).

The writer takes the first batch queued and whatever else queued up meanwhile (about
:data:`~ramsts.store.nonce_ledger.table.BATCH_LIMIT` nonces at most) and spends them together.
Nothing waits to gather a batch: a batch is what arrived while the previous one was being
written, so batches grow with the load and N requests cost one commit instead of N.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from ramsts.store.engine import discard_connections
from ramsts.store.errors import (
    DatabaseUnavailable,
    OutageHold,
    is_read_only_error,
    translated_outages,
)
from ramsts.store.nonce_ledger.batches import Batch, failure
from ramsts.store.nonce_ledger.table import BATCH_LIMIT, NonceTable
from ramsts.store.write_gate import WriteGate, gated

IDLE_RELEASE_SECONDS = 1.0
"""How long the writer keeps its connection without work. Handed back, the connection is
pre-pinged at the next checkout, so one dropped while idle (a restarted PostgreSQL) is replaced
before it can fail a batch; while busy, the writer saves that round trip on every batch."""

CLOSE_TIMEOUT_SECONDS = 5.0
"""How long closing waits for the batch being written."""

WRITER_NAME = "ramsts-nonces"

_logger = logging.getLogger("ramsts.store")


class NonceWriter:
    """Thread-safe; the thread starts with the first batch put."""

    def __init__(
        self,
        engine: Engine,
        table: NonceTable,
        *,
        write_gate: WriteGate | None,
        outages: OutageHold | None,
    ) -> None:
        self._engine = engine
        self._table = table
        self._write_gate = write_gate
        self._outages = outages
        self._postgresql = engine.dialect.name == "postgresql"
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # orders puts against closing
        self._thread: threading.Thread | None = None
        self._closed: str | None = None  # why puts now fail
        self._connection: PoolProxiedConnection | None = None  # the thread's only

    def depth(self) -> int:
        """Batches waiting for the writer now."""
        return self._queue.qsize()

    def put(self, batch: Batch) -> None:
        """Queue ``batch``; answered at once with :class:`RuntimeError` once closed."""
        with self._lock:
            closed = self._closed
            if closed is None:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=WRITER_NAME, daemon=True)
                    self._thread.start()
                self._queue.put(batch)
                return
        batch.answer(RuntimeError(closed))

    def close(self) -> None:
        """Fail what is queued, finish the batch being written (waiting for it at most
        :data:`CLOSE_TIMEOUT_SECONDS`) and stop the thread; later puts fail at once."""
        thread = self._stop_taking("the store is closed")
        if thread is None:
            return
        self._queue.put(None)
        thread.join(CLOSE_TIMEOUT_SECONDS)
        if thread.is_alive():
            _logger.warning("the nonce writer is still busy; closing without it")

    def _stop_taking(self, reason: str) -> threading.Thread | None:
        """Refuse later puts with ``reason`` and fail those queued; the thread to stop, the
        first time only."""
        with self._lock:
            if self._closed is not None:
                return None
            self._closed = reason
        # Nothing is put from now on; what the writer does not take first fails.
        self._answer_queued(RuntimeError(reason), self._queue.qsize())
        return self._thread

    def _run(self) -> None:
        try:
            self._write_until_closed()
        except Exception:  # a bug: say so, and fail the waiters rather than leave them waiting
            _logger.critical("the nonce writer stopped", exc_info=True)
        finally:
            self._release()
            self._stop_taking("the nonce writer stopped")

    def _write_until_closed(self) -> None:
        while True:
            try:
                first = self._queue.get(
                    timeout=None if self._connection is None else IDLE_RELEASE_SECONDS
                )
            except queue.Empty:
                self._release()
                continue
            batches, closing = self._take(first)
            if batches:
                outage = self._write(batches)
                if outage is not None and not closing:
                    closing = self._answer_queued(*outage)
            if closing:
                return

    def _take(self, first: Batch | None) -> tuple[list[Batch], bool]:
        """``first`` and whatever else is queued, up to :data:`BATCH_LIMIT` nonces; and
        whether the order to stop came with them."""
        batches: list[Batch] = []
        rows = 0
        queued = first
        while queued is not None:
            batches.append(queued)
            rows += len(queued.rows)
            if rows >= BATCH_LIMIT:
                return batches, False
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                return batches, False
        return batches, True

    def _write(self, batches: list[Batch]) -> tuple[DatabaseUnavailable, int] | None:
        """Spend ``batches`` and answer them (all with the error if the write fails); if the
        database was unavailable, that outage and how many batches were queued by then."""
        rows = [row for batch in batches for row in batch.rows]
        try:
            with translated_outages(self._outages):
                connection = self._connection
                if connection is None:
                    connection = self._checkout()
                with gated(self._write_gate):
                    answers = self._table.spend(connection, rows)
        except Exception as caught:
            # Counted before anyone hears of the failure: this thread is the queue's only
            # consumer, so the first ``queued`` batches are exactly those queued by now, and
            # one put once the failure is known is tried afresh.
            queued = self._queue.qsize()
            error = failure(self._discarded(caught), len(rows))
            for batch in batches:
                batch.answer(error)
            return (error, queued) if isinstance(error, DatabaseUnavailable) else None
        start = 0
        for batch in batches:
            batch.answer(answers[start : start + len(batch.rows)])
            start += len(batch.rows)
        if self._table.purge_due(len(rows)) and not self._purge(connection):
            self._release()
        return None

    def _purge(self, connection: PoolProxiedConnection) -> bool:
        """The table's purge, at the write gate; ``False`` if it failed (logged)."""
        try:
            with gated(self._write_gate):
                return self._table.purge(connection)
        except DatabaseUnavailable as held:  # the gate, held elsewhere past its bound
            _logger.warning("purging expired nonces failed: %s", held.cause)
            return False

    def _answer_queued(self, error: Exception, count: int) -> bool:
        """Answer the first ``count`` batches queued with ``error``; whether the order to stop
        was among them. After an outage, those queued while the write was failing: they have
        waited as long as that attempt, and another would make them wait as long again (up
        to a connect timeout each, one batch after the other, until clients give up). Those
        queued after it failed are tried: the database may be back by then."""
        for _ in range(count):
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                return False
            if queued is None:
                return True
            queued.answer(error)
        return False

    def _checkout(self) -> PoolProxiedConnection:
        """A pooled connection for the writer, in autocommit mode while the writer holds it
        (SQLite connections are opened so, see :mod:`ramsts.store.engine`)."""
        connection = self._engine.raw_connection()
        if self._postgresql:
            driver: Any = connection.driver_connection
            try:
                driver.autocommit = True
            except Exception:
                connection.invalidate()
                raise
        self._connection = connection
        return connection

    def _discarded(self, error: Exception) -> Exception:
        """Drop the writer's connection after ``error``, so that the next batch checks out a
        pre-pinged one; the error to answer with. A write refused as read-only means the server
        is a standby now (a primary demoted under the pool's connections): all of them go
        (see :func:`~ramsts.store.engine.discard_connections`)."""
        connection = self._connection
        if connection is None or not is_read_only_error(error):
            self._release()
            return error
        self._connection = None
        connection.invalidate(error)
        discard_connections(self._engine)
        return DatabaseUnavailable(f"the database server takes no writes: {error}")

    def _release(self) -> None:
        """Hand the writer's connection back to the pool as it was found. A broken one is
        discarded: the pool's reset fails on it, or the next checkout's pre-ping does."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if self._postgresql:
                driver: Any = connection.driver_connection
                driver.autocommit = False
            connection.close()
        except Exception as error:
            connection.invalidate(error)
