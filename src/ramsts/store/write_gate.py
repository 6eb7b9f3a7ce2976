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

A writer waits at most the gate's ``timeout`` (SQLite's busy timeout, see
:func:`ramsts.store.engine.lock_timeout`), then fails with
:class:`~ramsts.store.errors.DatabaseUnavailable`, as it would have on SQLite's own lock: a
process stopped while it holds the gate (frozen, paused in a debugger) must not hang every
writer of the others. A blocking ``flock`` cannot be given up, so a writer that finds the file
locked leaves the wait to the gate's waiter thread and waits for it, within its bound, on a
condition; the lock still passes the moment it is free.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from ramsts.store.errors import DatabaseUnavailable

GATE_SUFFIX = "-writer.lock"

CLOSE_TIMEOUT_SECONDS = 5.0
"""How long closing waits for the writer holding the gate."""

DEFAULT_TIMEOUT_SECONDS = 5.0
"""How long a writer waits for the gate, unless the store gives its own bound."""

WAITER_NAME = "ramsts-write-gate"


class WriteGate:
    """One per store on a SQLite file; thread-safe. :meth:`close` it with the store."""

    def __init__(self, database_path: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self._path = database_path + GATE_SUFFIX
        self._timeout = timeout
        self._threads = threading.Lock()
        self._holder: int | None = None  # the thread holding the gate through held()
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        self._closed = False
        self._file_lock = _FileLock(self._fd)

    @property
    def path(self) -> str:
        return self._path

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait for the gate and hold it for the block. A thread that already holds it would
        wait for itself forever: it gets :class:`RuntimeError` instead."""
        self.refuse_nested_write()
        me = threading.get_ident()
        deadline = time.monotonic() + self._timeout
        if not self._threads.acquire(timeout=self._timeout):
            raise self._still_held()
        try:
            self._check_open()
            if not self._file_lock.acquire(deadline - time.monotonic()):
                raise self._still_held()
            self._holder = me
            try:
                yield
            finally:
                self._holder = None
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def refuse_nested_write(self) -> None:
        """:class:`RuntimeError` if this thread holds the gate: a write it began now, or waited
        for another thread to make, would wait for itself."""
        if self._holder == threading.get_ident():
            raise RuntimeError("a write to the database inside another write on the same thread")

    def try_enter(self) -> bool:
        """Take the gate if no writer holds it; ``True`` if taken, then :meth:`leave` it."""
        if not self._threads.acquire(blocking=False):
            return False
        try:
            self._check_open()
            taken = self._file_lock.try_acquire()
        except BaseException:
            self._threads.release()
            raise
        if not taken:
            self._threads.release()
        return taken

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
                if self._file_lock.close():  # else its waiter is in flock(): the fd stays
                    os.close(self._fd)
        finally:
            self._threads.release()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")

    def _still_held(self) -> DatabaseUnavailable:
        return DatabaseUnavailable(
            f"the write gate {self._path} stayed held past {self._timeout:g} s"
        )


class _FileLock:
    """The gate file's ``flock``, taken within a bound. The caller holds the gate's thread lock,
    so one writer at a time asks; the waiter thread (started at the first contended wait) makes
    the blocking call on its behalf and hands the lock over, or, if that writer gave up
    meanwhile, lets it go again at once."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._state = threading.Condition()
        self._wanted = False  # a writer waits for the waiter to take the lock
        self._taken = False  # the waiter took it, for that writer
        self._in_flock = False  # the waiter is in flock(), or holds a lock nobody took yet
        self._closed = False
        self._waiter: threading.Thread | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free. Never while the waiter is in ``flock()``: this open
        file's lock would then be the waiter's to take and release, not the caller's."""
        with self._state:
            if self._in_flock:
                return False
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting at most ``timeout`` seconds; ``False`` if it stayed held."""
        if self.try_acquire():
            return True
        deadline = time.monotonic() + timeout
        with self._state:
            self._wanted = True
            if self._waiter is None:
                self._waiter = threading.Thread(target=self._wait, name=WAITER_NAME, daemon=True)
                self._waiter.start()
            self._state.notify_all()
            while not self._taken:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._wanted = False
                    return False
                self._state.wait(remaining)
            self._taken = self._wanted = False
            return True

    def close(self) -> bool:
        """Stop the waiter; ``False`` if it is in ``flock()``, whose file must stay open."""
        with self._state:
            self._closed = True
            self._state.notify_all()
            return not self._in_flock

    def _wait(self) -> None:
        while True:
            with self._state:
                # Not while the lock it handed over is still to be picked up: flock() would
                # return at once (this open file holds it) and hand it over a second time.
                while (not self._wanted or self._taken) and not self._closed:
                    self._state.wait()
                if self._closed:
                    return
                self._in_flock = True
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # blocking; the GIL is released meanwhile
            if not self._hand_over():
                return

    def _hand_over(self) -> bool:
        """The waiter holds the lock: to the writer waiting for it, else let go. ``False`` once
        the gate was closed meanwhile (its file was left to the waiter to close)."""
        with self._state:
            self._in_flock = False
            if self._closed:
                os.close(self._fd)
                return False
            if self._wanted:
                self._taken = True
                self._state.notify_all()
            else:
                fcntl.flock(self._fd, fcntl.LOCK_UN)  # its writer gave up meanwhile
            return True


def gated(gate: WriteGate | None) -> AbstractContextManager[None]:
    """``gate`` held for the block; nothing to wait for where a store has none (PostgreSQL,
    SQLite in memory)."""
    return nullcontext() if gate is None else gate.held()
