"""The connections of one server process: at most a bound of them, and none left waiting for its
request head longer than the header timeout.

A client that opens a connection and sends nothing, or half a request head, costs the server a
file descriptor and a little memory for as long as it likes: uvicorn times out idle keep-alive
connections, but not one that has not finished its first head, nor one that began another.
Enough of them (a thousand, on a process allowed 1,024 open files) leave no descriptor to
accept ``/health`` with. So here every connection is counted while it is open, and is *waiting*
while the server waits for the client: for a request head (from its opening, and again from each
answer, until a head is complete) or for the rest of a request's body:

* a connection waiting longer than the header timeout for a head is closed (swept a few times a
  second); a body may take its time, as a large one on a slow link does;
* at the bound, a new connection makes room by closing the connection that has waited longest:
  it costs the server nothing but its place, and stalled clients (half a head, or a body that
  trickles) are the ones that wait; only when every connection is busy with a request the
  server is answering is the newcomer closed instead.

The bound is also kept below the process's open-file limit (less :data:`FILE_RESERVE` for the
database, logs and the listening sockets); :func:`raise_file_limit` lifts that limit as far as
the system allows, for the commands that own their process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from typing import Protocol

FILE_RESERVE = 128
"""Open files a process keeps for other things than client connections: the database pool (up
to 32 connections), SQLite's files, logs, listening sockets, the guard's own client."""

SWEEPS_PER_TIMEOUT = 5
WARNING_INTERVAL = 60.0
"""Seconds between two warnings that the bound was reached (an attack must not flood the log)."""

logger = logging.getLogger("ramsts.serve")


class Closable(Protocol):
    def close_connection(self) -> None: ...


class ConnectionBound:
    """One server's connections (see the module's docstring). Not thread-safe: one event loop
    uses it. Times are the loop's clock, passed in, so that tests choose them."""

    def __init__(self, limit: int, header_timeout: float) -> None:
        self.limit = limit
        self.header_timeout = header_timeout
        self._open: set[Closable] = set()
        # Waiting connections → since when, in insertion order: the order they began waiting.
        self._heads: dict[Closable, float] = {}
        self._bodies: dict[Closable, float] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._warned_at: float | None = None

    @property
    def open(self) -> int:
        return len(self._open)

    def admit(self, connection: Closable, now: float) -> bool:
        """Count a new connection in, waiting for its first head. At the bound, the connection
        that has waited longest is closed to make room; ``False`` (close the newcomer) when
        every connection is busy with a request."""
        if len(self._open) >= self.limit:
            self._warn(now)
            oldest = self._longest_waiting()
            if oldest is None:
                return False
            self._close(oldest)
        self._open.add(connection)
        self._heads[connection] = now
        return True

    def receiving_body(self, connection: Closable, now: float) -> None:
        """Its request head is complete; the rest of its body may still be on its way."""
        if self._heads.pop(connection, None) is not None:
            self._bodies[connection] = now

    def busy(self, connection: Closable) -> None:
        """Its request has arrived whole: the server is answering it."""
        self._heads.pop(connection, None)
        self._bodies.pop(connection, None)

    def waiting(self, connection: Closable, now: float) -> None:
        """It answered and waits for the next head, from ``now``."""
        if connection in self._open:
            self.busy(connection)
            self._heads[connection] = now

    def release(self, connection: Closable) -> None:
        """It is closed."""
        self._open.discard(connection)
        self.busy(connection)

    def sweep(self, now: float) -> None:
        """Close every connection that has waited for a head longer than the header timeout."""
        overdue = now - self.header_timeout
        while self._heads:
            connection, since = next(iter(self._heads.items()))
            if since > overdue:
                break
            self._close(connection)

    def _longest_waiting(self) -> Closable | None:
        head = next(iter(self._heads.items()), None)
        body = next(iter(self._bodies.items()), None)
        if head is None or body is None:
            oldest = head or body
            return None if oldest is None else oldest[0]
        return head[0] if head[1] <= body[1] else body[0]

    def keep_sweeping(self, loop: asyncio.AbstractEventLoop) -> None:
        """Sweep on ``loop`` while any connection is open (call when one is admitted)."""
        if self._sweeper is None:
            interval = self.header_timeout / SWEEPS_PER_TIMEOUT
            self._sweeper = loop.call_later(interval, self._tick, loop, interval)

    def _tick(self, loop: asyncio.AbstractEventLoop, interval: float) -> None:
        self.sweep(loop.time())
        self._sweeper = (
            loop.call_later(interval, self._tick, loop, interval) if self._open else None
        )

    def _close(self, connection: Closable) -> None:
        self.release(connection)
        connection.close_connection()

    def _warn(self, now: float) -> None:
        if self._warned_at is None or now - self._warned_at >= WARNING_INTERVAL:
            self._warned_at = now
            logger.warning(
                "%d connections are open, this process's bound: each new one closes the one "
                "that has waited longest for its request head",
                self.limit,
            )


def connection_limit(max_connections: int) -> int:
    """``max_connections``, or fewer if the process may not open that many files."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(1, min(max_connections, soft - FILE_RESERVE))


def raise_file_limit(max_connections: int) -> None:
    """Lift this process's open-file limit (and so its children's) to hold ``max_connections``
    connections besides :data:`FILE_RESERVE` other files, as far as the hard limit allows; many
    systems start processes at 1,024 with a far higher hard limit. Warns when the bound must
    stay lower."""
    wanted = max_connections + FILE_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(OSError, ValueError):  # refused: the warning below says so
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    limit = connection_limit(max_connections)
    if limit < max_connections:
        logger.warning(
            "at most %d connections per process, not %d: the open-file limit is %d",
            limit,
            max_connections,
            resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        )
