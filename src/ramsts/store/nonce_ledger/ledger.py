"""The ledger: where a nonce is spent, and how its spender waits for the answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy.engine import Engine

from ramsts.loop_work import in_loop_work, wait_for
from ramsts.store.engine import is_sqlite_file
from ramsts.store.errors import OutageHold
from ramsts.store.nonce_ledger.batches import Spend, Turn
from ramsts.store.nonce_ledger.loop_connection import LoopConnection
from ramsts.store.nonce_ledger.table import BATCH_LIMIT, NonceTable, Row
from ramsts.store.nonce_ledger.writer import NonceWriter
from ramsts.store.write_gate import WriteGate
from ramsts.types import Clock

LOOP_RETRY_DELAY = 0.0005
"""Seconds before a turn's nonces are tried again on the loop when another process holds
SQLite's write lock (it holds it for tens of microseconds at a time, far less than SQLite's
busy handler would sleep: a millisecond, then more)."""
LOOP_RETRY_LIMIT = 0.05
"""Seconds of such retries before the turn's nonces go to the writer thread."""


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
        self._table = NonceTable(engine.dialect, clock=clock)
        self._writer = NonceWriter(engine, self._table, write_gate=write_gate, outages=outages)
        self._on_loop = (
            LoopConnection(engine, self._table, write_gate=write_gate)
            if is_sqlite_file(engine.url)
            else None
        )
        self._turns: dict[asyncio.AbstractEventLoop, Turn] = {}  # each only on its loop
        self._closed = False

    def spend(self, key: str, expires_at: datetime) -> bool:
        """Spend ``key`` until ``expires_at``: ``True`` if it was fresh, ``False`` if spent
        already (by any process on the database, or earlier in the same batch); the error the
        write failed with is raised, and :class:`RuntimeError` once the ledger is closed.

        In loop work (:func:`ramsts.loop_work.in_loop_work`) the nonce joins the loop's turn,
        spent with the others at its end while the loop goes on; anywhere else the calling
        thread waits while the writer thread spends it with whatever else is queued
        (:meth:`queue`)."""
        if in_loop_work():
            return wait_for(self._in_turn(self._table.row(key, expires_at)))
        return self.queue(key, expires_at).result()

    def queue(self, key: str, expires_at: datetime) -> Future[bool]:
        """The writer thread's part of :meth:`spend` from a thread, without the wait: the
        future answers as :meth:`spend` returns or raises. Never blocks."""
        spend = Spend([self._table.row(key, expires_at)])
        self._writer.put(spend)
        return spend.future

    def _in_turn(self, row: Row) -> asyncio.Future[bool]:
        """The future of ``row``, spent with the other nonces of the running loop's turn."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = Turn(loop)
            loop.call_soon(self._hand_over, loop)
        turn.rows.append(row)
        turn.futures.append(future)
        return future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """At the end of a turn of ``loop``: its nonces spent on the loop if that need not
        wait, or tried again shortly; else, or once that has gone on too long, given to the
        writer thread (which waits for the write lock as any connection does)."""
        turn = self._turns.pop(loop)
        if self._on_loop is not None and not self._closed and len(turn.rows) <= BATCH_LIMIT:
            if self._on_loop.spend(turn):
                return
            now = time.monotonic()
            if turn.busy_since is None:
                turn.busy_since = now
            if now - turn.busy_since < LOOP_RETRY_LIMIT:
                self._retry_later(loop, turn)
                return
        self._writer.put(turn)

    def _retry_later(self, loop: asyncio.AbstractEventLoop, turn: Turn) -> None:
        """Try ``turn`` again after :data:`LOOP_RETRY_DELAY`, with the nonces awaited
        meanwhile."""
        pending = self._turns.get(loop)
        if pending is None:
            self._turns[loop] = turn
            loop.call_later(LOOP_RETRY_DELAY, self._hand_over, loop)
        else:  # already due this turn: the earlier nonces first, as they came first
            pending.rows[:0] = turn.rows
            pending.futures[:0] = turn.futures
            pending.busy_since = turn.busy_since

    def observe_batches(self, observe: Callable[[int], None]) -> None:
        """Call ``observe`` with the number of nonces of every statement written (the metrics'
        batch sizes); it must be thread-safe, and quick: the writer and the loops call it."""
        self._table.observe_batch = observe

    def queue_depth(self) -> int:
        """Spends and loop turns waiting for the writer thread now."""
        return self._writer.depth()

    def close(self) -> None:
        """Stop spending: what is queued fails with :class:`RuntimeError`, the batch being
        written is finished, and later spends fail at once."""
        self._closed = True
        if self._on_loop is not None:
            self._on_loop.close()
        self._writer.close()
