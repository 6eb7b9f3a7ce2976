"""Changes announced to every process on the database: PostgreSQL's ``LISTEN``/``NOTIFY``.

Each process caches what it read (keys, roles, policies; :mod:`ramsts.caching`). A transaction
that changes an account's principals, policies, keys or roles calls
:meth:`~ramsts.store.Transaction.announce_change`, which on PostgreSQL sends
``NOTIFY ramsts_invalidate, '<account id>'`` in that transaction: the server delivers it only if
the transaction commits, and only then, to every session listening — one
:class:`InvalidationListener` per process, on a connection of its own, which hands the account
id to the caches. A change made on one node is then in force on the others as soon as it has
committed, rather than when their entries age out.

The listener never blocks a request: it waits for notifications on its own thread and
connection, and invalidating takes the caches' write locks for a moment. When its connection
fails (the server restarted, the backend was terminated, a failover) it connects again, waiting
:data:`FIRST_BACKOFF` seconds, doubled after each failure up to :data:`LAST_BACKOFF`; once
listening again it calls ``on_gap``, since notifications sent meanwhile are lost: the caches
forget every account's entries.

SQLite has no notifications: its processes share one machine, and there the entries' age bound
(one second) is the rule. :meth:`announce_change` does nothing there.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import Connection, Engine

from ramsts.store.engine import CONNECT_TIMEOUT_SECONDS

CHANNEL = "ramsts_invalidate"

APPLICATION_NAME = "ramsts-invalidations"
"""The listener's ``application_name``, followed by its process id: how an operator (or a test)
finds a process's listener in ``pg_stat_activity``."""

FIRST_BACKOFF = 0.1
LAST_BACKOFF = 5.0

WAKE_INTERVAL = 1.0
"""Seconds the listener waits for a notification before it looks whether it should stop."""

logger = logging.getLogger("ramsts.store.invalidations")


def announce_change(connection: Connection, account_id: str) -> None:
    """Notify every listening process, when this transaction commits, that ``account_id``'s
    cached entries are stale (PostgreSQL folds repeats within one transaction into one)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT pg_notify(%(channel)s, %(account)s)",
            {
                "channel": CHANNEL,
                "account": account_id,
            },
        )


class InvalidationListener:
    """One thread listening on :data:`CHANNEL`: ``on_change(account_id)`` for each notification,
    ``on_gap()`` each time it (re)starts listening. :meth:`close` it at shutdown."""

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[str], None],
        on_gap: Callable[[], None],
        *,
        first_backoff: float = FIRST_BACKOFF,
        last_backoff: float = LAST_BACKOFF,
    ) -> None:
        args, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args: tuple[Any, ...] = tuple(args)
        self._connect_params: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            **params,
            "application_name": f"{APPLICATION_NAME} {os.getpid()}",
            "autocommit": True,
        }
        self._on_change = on_change
        self._on_gap = on_gap
        self._first_backoff = first_backoff
        self._last_backoff = last_backoff
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self.backend_pid: int | None = None
        """The server process of the connection listening now (``pg_stat_activity.pid``)."""
        self._thread = threading.Thread(target=self._run, name="ramsts-invalidations", daemon=True)
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Whether the listener is listening (now, or within ``timeout`` seconds)."""
        return self._listening.wait(timeout)

    @property
    def running(self) -> bool:
        """Whether its thread still runs (until :meth:`close` has stopped it)."""
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop listening: the thread ends within :data:`WAKE_INTERVAL` (and a connection
        attempt's timeout)."""
        self._stopping.set()
        self._thread.join(timeout=WAKE_INTERVAL + CONNECT_TIMEOUT_SECONDS + 1.0)

    def _run(self) -> None:
        backoff = self._first_backoff
        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as failure:
                logger.warning(
                    "listening for cache invalidations failed (retrying in %.1f s): %s",
                    backoff,
                    (str(failure).strip().splitlines() or [type(failure).__name__])[0],
                )
            except Exception:  # never let the thread die: the caches would go stale silently
                logger.exception("listening for cache invalidations failed")
            if self._listening.is_set():
                self._listening.clear()
                backoff = self._first_backoff  # it had recovered: the next failure is new
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self._last_backoff)

    def _listen(self) -> None:
        with psycopg.connect(*self._connect_args, **self._connect_params) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = connection.info.backend_pid
            # Whatever was notified while this process was not listening is lost.
            self._on_gap()
            self._listening.set()
            while not self._stopping.is_set():
                for notification in connection.notifies(timeout=WAKE_INTERVAL):
                    self._on_change(notification.payload)
