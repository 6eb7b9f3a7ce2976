"""WAL checkpoints of a SQLite file, made by a thread of their own once a second.

SQLite's own checkpoint runs inside whichever commit takes the write-ahead log past
:data:`~ramsts.store.engine.WAL_AUTOCHECKPOINT_PAGES`: that commit then copies the whole log into
the database and flushes it to disk, which on a busy server is tens of megabytes and can take a
tenth of a second. The commit may be a request's nonce, spent on the event loop (see
:mod:`ramsts.store.nonce_ledger`), so every request of the process would wait. A passive
checkpoint every :data:`CHECKPOINT_INTERVAL` seconds keeps the log small instead — it copies what
no reader still needs and never waits for the write lock — and SQLite's automatic checkpoint stays
only as a backstop. Each process on the file runs one; they take turns harmlessly.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.engine import Engine

CHECKPOINT_INTERVAL = 1.0
CHECKPOINTER_NAME = "ramsts-wal-checkpoints"

_logger = logging.getLogger("ramsts.store")


class WalCheckpointer:
    """Checkpoints ``engine``'s SQLite file every :data:`CHECKPOINT_INTERVAL` seconds until
    :meth:`close`."""

    def __init__(self, engine: Engine, *, interval: float = CHECKPOINT_INTERVAL) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=CHECKPOINTER_NAME, daemon=True)
        self._thread.start()

    def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint: (1 if it could not complete, frames in the log, frames
        copied), as SQLite reports them."""
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                row: Any = cursor.fetchone()
                return int(row[0]), int(row[1]), int(row[2])
            finally:
                cursor.close()
        finally:
            connection.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.checkpoint()
            except Exception:  # a locked or vanished file: the next round tries again
                _logger.warning("a WAL checkpoint failed", exc_info=True)
