"""Errors the store raises. They are not client errors: the service layer maps them.

A service catches :class:`Conflict` and raises ``EntityAlreadyExists.<entity>``; the entity named
here is already the suffix the real service uses (``User``, ``Role``, ``User.Group``,
``Group.Policy``, ``AccountAlias``…), so the mapping is one line.

The exception is :class:`DatabaseUnavailable`: no fault of the action, and the same answer
whatever the action, so it is itself a client error, ``ServiceUnavailable`` (503), which every
entry point renders as it renders any other. :func:`database_unavailable` is the one place that
tells a database that cannot be reached from any other failure of a statement.

"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from types import TracebackType

import psycopg
from sqlalchemy import exc as sa_exc

from ramsts.errors import ServiceUnavailable


class StoreError(Exception):
    """Root of the store's own errors."""


class Conflict(StoreError):
    """A write would break a uniqueness rule (a name, an attachment, a membership…)."""

    def __init__(self, entity: str, key: str = "") -> None:
        super().__init__(f"{entity} already exists: {key!r}" if key else f"{entity} already exists")
        self.entity = entity
        self.key = key


class ReferenceMissing(StoreError):
    """A write refers to a row that does not exist (or was deleted by a concurrent action)."""

    def __init__(self, entity: str, key: str = "") -> None:
        super().__init__(f"{entity} does not exist: {key!r}" if key else f"{entity} does not exist")
        self.entity = entity
        self.key = key


class InvalidMarker(StoreError):
    """A pagination ``Marker`` that this store did not issue."""


class SchemaError(StoreError):
    """The database schema is missing or newer than this code, and migration was not requested."""


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached, opened or locked within its bound (see
    :mod:`ramsts.store.engine`), or dropped the connection under the statement. Nothing of the
    transaction it interrupted was committed, unless it was the commit itself that went
    unanswered. The client sees the generic ``ServiceUnavailable``; ``reason`` is for the log."""

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        # On one line: the drivers' messages span several.
        self.cause = " ".join(reason.split())
        super().__init__(reason=f"the database is unavailable: {self.cause}")
        self.unreachable = unreachable
        """The server could not be reached at all (no connection, or the one held was lost),
        rather than refusing this statement for now."""


_POSTGRESQL_OUTAGES = ("08", "53", "57", "58", "40", "55P03")
"""SQLSTATEs (classes, or one code) of a server that cannot serve now, rather than a statement
it refuses: connection exceptions, insufficient resources (too many connections, disk full),
operator intervention (shut down, starting up, statement cancelled), system errors, a
transaction rolled back for a deadlock or a serialization failure, a lock not available."""

READ_ONLY_SQLSTATE = "25006"
"""``read_only_sql_transaction``: a write reached a server that is (now) a standby, as a primary
demoted under its connections is; the primary is elsewhere, and new connections find it."""


def is_read_only_error(error: BaseException | None) -> bool:
    """Whether PostgreSQL refused a write because the server it reached is a standby."""
    return isinstance(error, psycopg.Error) and error.sqlstate == READ_ONLY_SQLSTATE


_SQLITE_OUTAGES = frozenset(
    {
        sqlite3.SQLITE_BUSY,  # locked by another connection past the busy timeout
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,  # the file or its directory is gone or unreadable
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,  # the file or its directory may not be written
    }
)
"""SQLite's primary result codes for a file that cannot be used now. Its other operational
errors (``no such table``, a syntax error) are bugs, and stay unexpected."""


def database_unavailable(error: BaseException) -> DatabaseUnavailable | None:
    """``error`` as :class:`DatabaseUnavailable` if it says the database cannot serve now, else
    ``None``. It may come from SQLAlchemy (a statement, a pool checkout, a pre-ping that could
    not reconnect) or straight from the driver (the store's raw cursors).
    """
    if isinstance(error, DatabaseUnavailable):
        return error
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return DatabaseUnavailable(str(error), unreachable=True)
    cause: BaseException | None = error
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return DatabaseUnavailable(str(error.orig), unreachable=True)
        cause = error.orig
    if isinstance(cause, psycopg.InterfaceError):  # the connection is closed or lost
        return DatabaseUnavailable(str(cause), unreachable=True)
    if isinstance(cause, psycopg.OperationalError):
        sqlstate = cause.sqlstate
        if sqlstate is None:  # no answer from a server: refused, timed out, lost
            return DatabaseUnavailable(str(cause), unreachable=True)
        if sqlstate.startswith(_POSTGRESQL_OUTAGES):
            return DatabaseUnavailable(str(cause))
        return None
    if isinstance(cause, sqlite3.OperationalError):
        code = getattr(cause, "sqlite_errorcode", -1)
        if code & 0xFF in _SQLITE_OUTAGES:  # an extended code's low byte is its primary code
            return DatabaseUnavailable(str(cause))
    return None


SLOW_FAILURE_SECONDS = 1.0
"""A call that took this long to find the database unreachable waited out a timeout."""
HOLD_SECONDS = 1.0
"""How long such a failure answers the calls that follow, untried."""


class OutageHold:
    """Remembers, for :data:`HOLD_SECONDS`, a database found unreachable only after a wait of
    :data:`SLOW_FAILURE_SECONDS` or more (a connect timeout, a network that does not answer),
    and answers the calls meanwhile with it at once. Otherwise each call would wait as long in
    its turn: with a few worker threads and a queue of requests, the later ones would wait for
    the earlier ones' timeouts, one after the other, and their clients give up before hearing
    503. A server that refuses at once (stopped, restarting) is not held: the next call tries
    again, and succeeds the moment it is back. Thread-safe; one per store."""

    __slots__ = ("_held", "_monotonic")

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._held: tuple[float, str] | None = None  # until when, and why; replaced whole

    def begin(self) -> float:
        """Raise the held outage while it holds; else the time at which the call begins."""
        now = self._monotonic()
        held = self._held
        if held is not None and now < held[0]:
            raise DatabaseUnavailable(f"{held[1]} (not tried again for {HOLD_SECONDS:g} s)")
        return now

    def note(self, outage: DatabaseUnavailable, started: float) -> None:
        """``outage`` ended a call that began at ``started``: hold it if it was slow."""
        now = self._monotonic()
        if outage.unreachable and now - started >= SLOW_FAILURE_SECONDS:
            self._held = (now + HOLD_SECONDS, outage.cause)


class translated_outages:
    """Within the block, an error that :func:`database_unavailable` recognises is raised as
    :class:`DatabaseUnavailable` (caused by the original); any other passes unchanged. With a
    ``hold``, the block is not entered while it holds, and a slow outage is noted in it. Wraps
    every transaction and nonce write, so a class: cheaper to enter than a generator."""

    __slots__ = ("_hold", "_started")

    def __init__(self, hold: OutageHold | None = None) -> None:
        self._hold = hold
        self._started = 0.0

    def __enter__(self) -> None:
        if self._hold is not None:
            self._started = self._hold.begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(exc, Exception) or isinstance(exc, DatabaseUnavailable):
            return
        outage = database_unavailable(exc)
        if outage is None:
            return
        if self._hold is not None:
            self._hold.note(outage, self._started)
        raise outage from exc
