"""Engines for the two supported databases, tuned the same way wherever they are opened.

SQLite (the default, one file): WAL so readers never wait for the writer, ``synchronous=NORMAL``
(a commit is not flushed to disk: a power loss may lose the last transactions, never corrupts the
file; see ``docs/storage.md``), a WAL checkpoint every :data:`WAL_AUTOCHECKPOINT_PAGES` pages
rather than SQLite's 1,000 (each checkpoint flushes to disk, and every signed request writes its
nonce), foreign keys on (off by default in SQLite), a busy timeout so a second process waits for
the write lock instead of failing. SQLite's Python driver manages transactions on its own and
breaks SAVEPOINT; the usual remedy is applied: the driver is put in autocommit mode and the store
emits ``BEGIN`` itself — ``BEGIN IMMEDIATE`` for write transactions, so two writers queue up at
the start rather than deadlock when a reader upgrades to a writer.

PostgreSQL (production): psycopg 3, a bounded pool with pre-ping so connections survive a
server restart. A URL may name several servers the way libpq does,
``postgresql://user@h1:5432,h2:5432,h3:5432/db?target_session_attrs=read-write``: SQLAlchemy
cannot parse that authority, so :func:`normalise_url` turns it into the ``host=h1:5432&host=…``
query it does understand, and libpq tries the servers in turn, keeping the first that accepts
writes (a Patroni cluster's primary, wherever it is now). A connection that finds itself on a
server refusing writes (a primary demoted under it) is discarded with every other connection of
the pool (:func:`_discard_read_only_connections`), so that the next ones are opened afresh and
reach the new primary.

Every wait for the database is bounded, so that a worker never hangs while the database is
unreachable and the client is answered ``ServiceUnavailable`` before its SDK gives up (10 s): on
PostgreSQL a connection is opened within :data:`CONNECT_TIMEOUT_SECONDS` (libpq's
``connect_timeout``), data it sent goes unacknowledged for at most :data:`TCP_USER_TIMEOUT_MS`
(``tcp_user_timeout``: a server gone from the network is given up on rather than waited for
until TCP does, after minutes), and a free pooled connection is waited for at most
:data:`POOL_TIMEOUT_SECONDS`; on SQLite a writer waits for the file's write lock (and the store's
write gate) at most :data:`BUSY_TIMEOUT_MS`. A URL may set its own: ``connect_timeout`` and
``tcp_user_timeout`` for PostgreSQL, ``timeout`` (seconds) for SQLite.

Both keep statement parameters out of SQLAlchemy's log and error messages (``hide_parameters``):
they hold sealed secrets, password hashes and nonces, and a failed statement's error is logged.

Both pools keep :data:`POOL_SIZE` connections open: the API's worker threads (8 per process) each
hold one or two at a time, and a connection opened past the pool's size is closed again when it
is handed back — on SQLite that means reopening the file and re-running the pragmas below on
every request of a busy server.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from ramsts.store.errors import is_read_only_error

BUSY_TIMEOUT_MS = 5_000
"""SQLite's busy timeout, and the write gate's: how long a writer waits for the file."""

CONNECT_TIMEOUT_SECONDS = 3
TCP_USER_TIMEOUT_MS = 5_000
POOL_TIMEOUT_SECONDS = 5.0

WAL_AUTOCHECKPOINT_PAGES = 10_000
"""About 40 MB of WAL between checkpoints; the WAL file keeps that size once reached."""

POOL_SIZE = 16
"""Connections each process keeps open (``max_overflow`` more are opened at peaks)."""
MAX_OVERFLOW = 16

READ_ONLY = "ramsts_read_only"
"""Execution option marking a connection whose transaction only reads."""


WAL_SWITCH_ATTEMPTS = 50


def _use_write_ahead_log(cursor: Any) -> None:
    """Put the database file in WAL mode (persistent: only a new file needs the switch).

    The switch takes an exclusive lock and SQLite answers "database is locked" at once, without
    waiting on the busy timeout, when another process opens the new file at the same moment:
    retry briefly instead of failing the start.
    """
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.05)


_AUTHORITY = re.compile(r"^(?P<scheme>[^:/]+://)(?P<user>[^@/?]*@)?(?P<hosts>[^/?]*)(?P<rest>.*)$")


def normalise_url(url: str) -> URL:
    """Accept ``sqlite:///path``, ``sqlite://`` and ``postgresql[+psycopg]://…`` URLs, the latter
    also with libpq's list of servers (``h1:p1,h2:p2``) in place of one host."""
    parsed = make_url(_hosts_as_query(url))
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def _hosts_as_query(url: str) -> str:
    """A URL naming several servers (``…@h1:p1,h2:p2/db``) rewritten with SQLAlchemy's
    multi-host form (``…@/db?host=h1:p1&host=h2:p2``); any other URL unchanged."""
    match = _AUTHORITY.match(url)
    if match is None or "," not in match["hosts"]:
        return url
    hosts = match["hosts"].split(",")
    if not all(hosts):
        raise ValueError("a database URL's list of servers has an empty entry")
    path, _, query = match["rest"].partition("?")
    pairs = [f"host={quote(host, safe='')}" for host in hosts]
    if query:
        pairs.append(query)
    return f"{match['scheme']}{match['user'] or ''}{path or '/'}?{'&'.join(pairs)}"


def shown_url(url: str) -> str:
    """``url`` as logs and messages may show it: normalised, the password replaced by ``***``."""
    return normalise_url(url).render_as_string(hide_password=True)


def lock_timeout(url: URL) -> float:
    """Seconds a writer of a SQLite file waits for it: the URL's ``timeout``, or
    :data:`BUSY_TIMEOUT_MS`."""
    given = url.query.get("timeout")
    if given is None:
        return BUSY_TIMEOUT_MS / 1000
    try:
        seconds = float(given if isinstance(given, str) else given[-1])
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"the SQLite URL's timeout must be a number of seconds above 0: {given!r}")
    return seconds


def create_engine(url: str) -> Engine:
    parsed = normalise_url(url)
    if parsed.drivername.startswith("sqlite"):
        return _sqlite_engine(parsed)
    bounds = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "tcp_user_timeout": TCP_USER_TIMEOUT_MS}
    engine = sa.create_engine(
        parsed,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={name: value for name, value in bounds.items() if name not in parsed.query},
        hide_parameters=True,
    )
    sa.event.listen(engine, "handle_error", _discard_read_only_connections)
    sa.event.listen(engine, "checkin", _server_default_access_mode)
    return engine


def _server_default_access_mode(dbapi_connection: Any, _record: Any) -> None:
    """Give a connection handed back the server's own access mode. After a read-only
    transaction (``Store.read``) SQLAlchemy resets psycopg's ``read_only`` to ``False``, not to
    the server's default, and every later transaction on the connection began ``READ WRITE``:
    a server told to refuse writes (``default_transaction_read_only``) took them, and readiness
    reported it ready."""
    if dbapi_connection is None or getattr(dbapi_connection, "read_only", None) is None:
        return
    try:
        dbapi_connection.read_only = None
    except psycopg.Error:
        # Closed, or not idle: the pool's reset found it unusable and discards it anyway.
        return


def discard_connections(engine: Engine) -> None:
    """Close every connection of ``engine``'s pool (those in use are closed when handed back)
    and open new ones from now on: the pool's connections reached a server that no longer takes
    writes, while the URL may name one that does."""
    engine.dispose()


def _discard_read_only_connections(context: sa.engine.ExceptionContext) -> None:
    """A write refused as read-only means the connection reached a standby: the primary it was
    opened on was demoted (or the URL lacks ``target_session_attrs=read-write``). Treated as a
    disconnect, so SQLAlchemy invalidates this connection and every other one of the pool opened
    before it, and the next checkout connects afresh, to whichever server accepts writes now."""
    connection = context.connection
    asked_read_only = connection is not None and connection.get_execution_options().get(READ_ONLY)
    if is_read_only_error(context.original_exception) and not asked_read_only:
        context.is_disconnect = True


def _sqlite_engine(url: URL) -> Engine:
    in_memory = not is_sqlite_file(url)
    busy_timeout_ms = int(lock_timeout(url) * 1000)
    if in_memory:
        # One connection shared by every thread: an in-memory database lives in its connection.
        engine = sa.create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    else:
        _create_private_file(Path(str(url.database)).expanduser())
        engine = sa.create_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            connect_args={"timeout": busy_timeout_ms / 1000},
            hide_parameters=True,
        )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the store emits BEGIN itself, see below
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                _use_write_ahead_log(cursor)
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        # Straight to the driver: through exec_driver_sql this costs as much as the query after.
        driver: Any = connection.connection.driver_connection
        driver.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _create_private_file(path: Path) -> None:
    """Create the database file (and its directory) readable by its owner only, unless it
    exists. SQLite would create it ``0644`` less the umask, and it gives the ``-wal`` and
    ``-shm`` files beside it the database file's own mode: a file made ``0600`` first keeps all
    three private, wherever the database lives. An existing file keeps the mode it was given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def is_sqlite_file(url: URL) -> bool:
    """Whether ``url`` names a SQLite database in a file (not in memory, not PostgreSQL)."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
