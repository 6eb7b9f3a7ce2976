"""Opening the store: engine, migrations, and the transactions services run in."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime

from sqlalchemy.engine import Dialect, Engine

from ramsts.loop_work import note_blocking_call, off_loop
from ramsts.store.checkpoints import WalCheckpointer
from ramsts.store.engine import (
    READ_ONLY,
    create_engine,
    discard_connections,
    is_sqlite_file,
    lock_timeout,
)
from ramsts.store.errors import DatabaseUnavailable, OutageHold, translated_outages
from ramsts.store.invalidations import InvalidationListener
from ramsts.store.migrate import check_current, upgrade
from ramsts.store.nonce_ledger import NonceLedger
from ramsts.store.records import AccessKeyOwner
from ramsts.store.request_counts import RequestCounts, WindowCount
from ramsts.store.transaction import Transaction
from ramsts.store.write_gate import WriteGate, gated
from ramsts.types import Clock, system_clock

DEFAULT_URL = "sqlite:///./var/ramsts.db"


class Store:
    """A database with the ramsts schema. Thread-safe; share one per process."""

    def __init__(self, engine: Engine, *, clock: Clock = system_clock) -> None:
        self._engine = engine
        self._clock = clock
        on_file = is_sqlite_file(engine.url)
        self._write_gate = (
            WriteGate(str(engine.url.database), timeout=lock_timeout(engine.url))
            if on_file
            else None
        )
        self._outages = OutageHold()
        self._nonces = NonceLedger(
            engine, clock=clock, write_gate=self._write_gate, outages=self._outages
        )
        self._checkpoints = WalCheckpointer(engine) if on_file else None
        self._request_counts = RequestCounts(
            engine, write_gate=self._write_gate, outages=self._outages
        )
        self._before_commit: list[Callable[[Transaction], None]] = []

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @property
    def sql_dialect(self) -> Dialect:
        """The engine's SQLAlchemy dialect: what binds values for its driver, for rows made
        before their transaction (:func:`ramsts.store.event_rows`)."""
        return self._engine.dialect

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One read-write transaction: commits when the block ends, rolls back everything if
        it raises. On a SQLite file it waits its turn at the store's write gate (see
        :mod:`ramsts.store.write_gate`) before it begins. In loop work it blocks the loop, and
        is counted (:func:`ramsts.loop_work.note_blocking_call`)."""
        note_blocking_call("Store.transaction")
        with self._committing(gated(self._write_gate)) as transaction:
            yield transaction

    @property
    def writes_on_loop(self) -> bool:
        """Whether :meth:`loop_transaction` ever begins one (on a SQLite file): elsewhere an
        event loop's writes go to a thread at once."""
        return self._write_gate is not None

    @contextmanager
    def loop_transaction(self) -> Iterator[Transaction | None]:
        """:meth:`transaction` for an event loop, which must not wait: on a SQLite file, if no
        other writer holds the write gate now; else, and on any other database (PostgreSQL,
        where a statement is a round trip; SQLite in memory), ``None`` at once."""
        gate = self._write_gate
        if gate is None or not gate.try_enter():
            yield None
            return
        try:
            with self._committing(nullcontext()) as transaction:
                yield transaction
        finally:
            gate.leave()

    @contextmanager
    def _committing(self, gate: AbstractContextManager[object]) -> Iterator[Transaction]:
        """The body of both read-write transactions: outages translated (and a held outage
        refused before ``gate`` is waited for), the block, then the before-commit hooks."""
        with translated_outages(self._outages), gate, self._engine.begin() as connection:
            transaction = Transaction(connection)
            yield transaction
            for hook in self._before_commit:
                hook(transaction)

    def before_commit(self, hook: Callable[[Transaction], None]) -> None:
        """Have ``hook`` run at the end of every read-write transaction whose block succeeded,
        in that transaction, just before it commits: what it writes commits with the rest, and
        if it raises, everything rolls back. (The audit trail writes the event of the change
        being made this way; the store knows nothing of what a hook writes or why.)"""
        self._before_commit.append(hook)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only transaction for lookups. It never commits (PostgreSQL also refuses
        writes in it), and on SQLite it takes no write lock. In loop work it blocks the loop,
        and is counted (:func:`ramsts.loop_work.note_blocking_call`)."""
        note_blocking_call("Store.read")
        with translated_outages(self._outages), self._engine.connect() as connection:
            options: dict[str, object] = {READ_ONLY: True}
            if self.dialect == "postgresql":
                options["postgresql_readonly"] = True
            connection.execution_options(**options)
            with connection.begin() as transaction:
                try:
                    yield Transaction(connection)
                finally:
                    transaction.rollback()

    def check_available(self) -> None:
        """Raise :class:`~ramsts.store.errors.DatabaseUnavailable` unless the database answers
        a trivial query now, within the store's bounds (for ``/health``); in loop work, from a
        worker thread."""
        off_loop(self._answer_trivial_query)

    def _answer_trivial_query(self) -> None:
        with translated_outages(self._outages), self._engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1").close()

    def check_writable(self) -> None:
        """:meth:`check_available`, and on PostgreSQL also that the server it reaches takes
        writes (is not a standby): what a load balancer asks before it sends a server calls (its
        readiness). A pool found connected to a standby (a primary demoted under it) is
        discarded, so that the next connections look for the primary the URL names. In loop
        work, from a worker thread."""
        off_loop(self._take_writes)

    def _take_writes(self) -> None:
        with translated_outages(self._outages), self._engine.connect() as connection:
            if self.dialect != "postgresql":
                connection.exec_driver_sql("SELECT 1").close()
                return
            # "on" on a standby (hot standby allows no writes), and on a server told to refuse
            # them (default_transaction_read_only).
            read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
            connection.rollback()
        if read_only == "on":
            discard_connections(self._engine)
            raise DatabaseUnavailable("the database server takes no writes (a standby?)")

    def resolve_access_key(self, access_key_id: str) -> AccessKeyOwner | None:
        """The gateway's lookup: the key with its account and user, one query (in loop work,
        from a worker thread)."""
        return off_loop(self._resolve_access_key, access_key_id)

    def _resolve_access_key(self, access_key_id: str) -> AccessKeyOwner | None:
        with self.read() as tx:
            return tx.access_keys.resolve(access_key_id)

    def use_nonce(self, key: str, expires_at: datetime) -> bool:
        """Spend a signature nonce until ``expires_at``, committed at once (outside any
        transaction); ``False`` if it was spent already, by any process on this database. In
        loop work it is spent with the other nonces of the loop's turn, the loop serving other
        requests meanwhile; elsewhere the calling thread waits while the store's nonce writer
        spends it with whatever else is queued (see :mod:`ramsts.store.nonce_ledger`)."""
        if self._write_gate is not None:  # the writer would wait for this thread's transaction
            self._write_gate.refuse_nested_write()
        return self._nonces.spend(key, expires_at)

    def add_request_counts(self, counts: Sequence[tuple[str, int, int]]) -> dict[str, WindowCount]:
        """Add ``(quota_key, window_start, calls)`` to the request counts every server on this
        database shares, in one statement; each key's ``(window_start, count)`` afterwards (in
        loop work, from a worker thread)."""
        return off_loop(self._request_counts.add, counts)

    def observe_nonce_batches(self, observe: Callable[[int], None]) -> None:
        """Have ``observe`` called with the size of every batch of nonces written (thread-safe
        and quick: the nonce writer calls it)."""
        self._nonces.observe_batches(observe)

    def nonce_queue_depth(self) -> int:
        """Nonces (and loop turns) waiting for the store's nonce writer now."""
        return self._nonces.queue_depth()

    def listen_for_changes(
        self, on_change: Callable[[str], None], on_gap: Callable[[], None]
    ) -> InvalidationListener | None:
        """On PostgreSQL, a listener calling ``on_change(account_id)`` for each change another
        transaction announced (:meth:`Transaction.announce_change`), and ``on_gap()`` whenever
        it starts listening (again); close it before :meth:`dispose`. ``None`` on SQLite, which
        announces nothing (see :mod:`ramsts.store.invalidations`)."""
        if self.dialect != "postgresql":
            return None
        return InvalidationListener(self._engine, on_change, on_gap)

    def dispose(self) -> None:
        """Stop the nonce writer (failing the nonces still queued), then close every pooled
        connection."""
        self._nonces.close()
        if self._checkpoints is not None:
            self._checkpoints.close()
        self._engine.dispose()
        if self._write_gate is not None:
            self._write_gate.close()


def open_store(
    url: str = DEFAULT_URL, *, migrate: bool = True, clock: Clock = system_clock
) -> Store:
    """Open the database at ``url`` and bring its schema up to date (unless ``migrate=False``,
    which instead refuses a schema that is not the current one).

    URLs: ``sqlite:///path/to/file.db`` (the parent directory is created), ``sqlite://`` (in
    memory, one shared connection: for tests), ``postgresql://…`` or
    ``postgresql+psycopg://…``. The clock only dates housekeeping (expired nonces). A database
    that cannot be reached raises :class:`~ramsts.store.errors.DatabaseUnavailable`.
    """
    engine = create_engine(url)
    try:
        with translated_outages():
            if migrate:
                upgrade(engine)
            else:
                check_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, clock=clock)
