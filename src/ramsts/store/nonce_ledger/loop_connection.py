"""On a SQLite file, the event loops spend their own turns, on a connection that never waits.

A statement of a turn's nonces takes a few tens of microseconds on a SQLite file: less than
handing it to the writer thread, and without the GIL contention that would bring (a thread
that needs the GIL back after each SQLite call waits up to the 5 ms switch interval for a busy
loop to yield it, several times per statement). So the loop runs it itself, unless that would
wait: another loop holds this connection, or another writer the write gate or SQLite's write
lock. The connection's busy timeout is 0 and it never checkpoints (the store's checkpointer
thread does, see :mod:`ramsts.store.checkpoints`).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection

from ramsts.store.engine import WAL_AUTOCHECKPOINT_PAGES, lock_timeout
from ramsts.store.nonce_ledger.batches import Turn, failure
from ramsts.store.nonce_ledger.table import NonceTable
from ramsts.store.write_gate import WriteGate


class LoopConnection:
    """One connection for every loop of a store on a SQLite file, used by one at a time."""

    def __init__(self, engine: Engine, table: NonceTable, *, write_gate: WriteGate | None) -> None:
        self._engine = engine
        self._table = table
        self._write_gate = write_gate
        self._busy_timeout_ms = int(lock_timeout(engine.url) * 1000)
        """What the connection's busy timeout goes back to when it is handed back."""
        self._lock = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        self._closed = False

    def spend(self, turn: Turn) -> bool:
        """Spend ``turn`` now and settle it (also with the error its write failed with);
        ``False``, nothing done, if that would wait or the ledger is closed."""
        if not self._lock.acquire(blocking=False):
            return False
        gate = self._write_gate
        try:
            if self._closed or (gate is not None and not gate.try_enter()):
                return False
            try:
                self._spend_within_gate(turn)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    return False
                self._fail(turn, error)
            except Exception as error:
                self._fail(turn, error)
            finally:
                if gate is not None:
                    gate.leave()
            return True
        finally:
            self._lock.release()

    def _spend_within_gate(self, turn: Turn) -> None:
        connection = self._opened()
        turn.settle(self._table.spend(connection, turn.rows))
        if self._table.purge_due(len(turn.rows)):
            self._table.purge(connection)

    def close(self) -> None:
        """Hand the connection back to the pool as the pool gave it; later turns go to the
        writer thread."""
        with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
            if connection is None:
                return
            try:
                _set_pragmas(
                    connection,
                    busy_timeout=self._busy_timeout_ms,
                    wal_autocheckpoint=WAL_AUTOCHECKPOINT_PAGES,
                )
                connection.close()
            except Exception as error:
                connection.invalidate(error)

    def _opened(self) -> PoolProxiedConnection:
        connection = self._connection
        if connection is None:
            connection = self._engine.raw_connection()
            try:
                _set_pragmas(connection, busy_timeout=0, wal_autocheckpoint=0)
            except BaseException:
                connection.invalidate()
                raise
            self._connection = connection
        return connection

    def _fail(self, turn: Turn, error: Exception) -> None:
        """Settle ``turn`` with ``error`` and drop the connection, which may be what broke:
        the next turn opens another."""
        turn.settle(failure(error, len(turn.rows)))
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate(error)


def _set_pragmas(connection: PoolProxiedConnection, **values: int) -> None:
    cursor = connection.cursor()
    try:
        for name, value in values.items():
            cursor.execute(f"PRAGMA {name}={int(value)}")
    finally:
        cursor.close()
