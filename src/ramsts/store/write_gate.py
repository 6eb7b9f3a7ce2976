"""The write gate of a SQLite file: its writers queue here, one at a time, instead of in SQLite.

SQLite lets one connection write at a time. The others meet ``SQLITE_BUSY`` and its busy handler
sleeps and tries again, each sleep longer than the last (1, 2, 5, 10 … 100 ms): under a steady
stream of writes an unlucky writer keeps losing the race and waits a second or more, although
the lock was free most of that time. The gate replaces that lottery with a queue: a thread
lock for the writers of this process, then an ``flock`` on a file beside the database
(``<database>-writer.lock``) for those of every process, so a writer is woken as soon as the
one before it has committed. Blocking waits release the GIL.

A coroutine on an event loop must not block: it takes the gate with :meth:`WriteGate.try_enter`
and, if the gate is held, tries again later, as it would on ``SQLITE_BUSY``.

Writers that do not take the gate (an older ramsts, the ``sqlite3`` shell) still meet SQLite's
own lock and busy handler, so the gate is an optimisation, never the lock that keeps the file
consistent.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

GATE_SUFFIX = "-writer.lock"

CLOSE_TIMEOUT_SECONDS = 5.0
"""How long closing waits for the writer holding the gate."""


class WriteGate:
    """One per store on a SQLite file; thread-safe. :meth:`close` it with the store."""

    def __init__(self, database_path: str) -> None:
        self._path = database_path + GATE_SUFFIX
        self._threads = threading.Lock()
        self._holder: int | None = None  # the thread holding the gate through held()
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        self._closed = False

    @property
    def path(self) -> str:
        return self._path

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait for the gate and hold it for the block. A thread that already holds it would
        wait for itself forever: it gets :class:`RuntimeError` instead."""
        me = threading.get_ident()
        if self._holder == me:
            raise RuntimeError("a write to the database inside another write on the same thread")
        with self._threads:
            self._check_open()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._holder = me
            try:
                yield
            finally:
                self._holder = None
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def try_enter(self) -> bool:
        """Take the gate if no writer holds it; ``True`` if taken, then :meth:`leave` it."""
        if not self._threads.acquire(blocking=False):
            return False
        try:
            self._check_open()
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._threads.release()
            return False
        except BaseException:
            self._threads.release()
            raise
        return True

    def leave(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Let go of the file; later writers get :class:`RuntimeError`. Waits for the writer
        holding the gate, if any, at most :data:`CLOSE_TIMEOUT_SECONDS`; past that the file
        stays open (its ``flock`` is the holder's until it leaves)."""
        if not self._threads.acquire(timeout=CLOSE_TIMEOUT_SECONDS):
            self._closed = True
            return
        try:
            if not self._closed:
                self._closed = True
                os.close(self._fd)
        finally:
            self._threads.release()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")


def gated(gate: WriteGate | None) -> AbstractContextManager[None]:
    """``gate`` held for the block; nothing to wait for where a store has none (PostgreSQL,
    SQLite in memory)."""
    return nullcontext() if gate is None else gate.held()
