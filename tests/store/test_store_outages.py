"""The store while its database cannot serve: every way in raises ``DatabaseUnavailable`` (a
``ServiceUnavailable``, 503) instead of the driver's error, leaves nothing half-written, waits no
longer than its bounds, and works again by itself once the database is back — the nonce writer
thread and the write gate included.

PostgreSQL outages are made by a TCP forwarder between the store and the shared server (never by
stopping it); SQLite ones by a directory that is gone, or a lock held elsewhere.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ramsts.errors import RamstsError, ServiceUnavailable
from ramsts.loop_work import run_on_loop
from ramsts.store import Conflict, Store, open_store
from ramsts.store.engine import (
    BUSY_TIMEOUT_MS,
    CONNECT_TIMEOUT_SECONDS,
    TCP_USER_TIMEOUT_MS,
    create_engine,
    lock_timeout,
)
from ramsts.store.errors import (
    HOLD_SECONDS,
    SLOW_FAILURE_SECONDS,
    DatabaseUnavailable,
    OutageHold,
    database_unavailable,
)
from ramsts.store.migrate import upgrade
from ramsts.store.nonce_ledger import NonceLedger
from ramsts.store.write_gate import GATE_SUFFIX, WriteGate
from tcp_forwarder import TcpForwarder

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)


@pytest.fixture
def forwarder(postgres_url: str) -> Iterator[TcpForwarder]:
    target = make_url(postgres_url)
    made = TcpForwarder((target.host or "", target.port or 5432))
    yield made
    made.cut()


def forwarded(postgres_url: str, forwarder: TcpForwarder) -> str:
    return make_url(postgres_url).set(port=forwarder.port).render_as_string(hide_password=False)


@pytest.fixture
def store(postgres_url: str, forwarder: TcpForwarder) -> Iterator[Store]:
    opened = open_store(forwarded(postgres_url, forwarder), clock=lambda: NOW)
    yield opened
    opened.dispose()


@pytest.fixture
def ledger(postgres_url: str, forwarder: TcpForwarder) -> Iterator[NonceLedger]:
    """A ledger of its own through the forwarder, whose futures a test can hold."""
    engine = create_engine(forwarded(postgres_url, forwarder))
    made = NonceLedger(engine, clock=lambda: NOW)
    yield made
    made.close()
    engine.dispose()


def account_names(store: Store) -> list[str]:
    with store.read() as tx:
        return [account.name for account in tx.accounts.list()]


# -- PostgreSQL cut off -------------------------------------------------------------------------


def test_a_transaction_cut_off_midway_is_unavailable_and_leaves_nothing_written(
    store: Store, forwarder: TcpForwarder
) -> None:
    with pytest.raises(DatabaseUnavailable) as refused, store.transaction() as tx:
        tx.accounts.create(name="first", now=NOW)
        forwarder.cut()
        tx.accounts.create(name="second", now=NOW)
    assert (refused.value.code, refused.value.http_status) == ("ServiceUnavailable", 503)
    assert "the database is unavailable" in refused.value.reason
    forwarder.restore()
    assert account_names(store) == []


@pytest.mark.parametrize("way", ["read", "transaction", "use_nonce", "check_available"])
def test_every_way_in_is_unavailable_while_cut_off_and_works_once_restored(
    store: Store, forwarder: TcpForwarder, way: str
) -> None:
    def use() -> object:
        if way == "read":
            return account_names(store)
        if way == "transaction":
            with store.transaction() as tx:
                return tx.accounts.create(name="acme", now=NOW).name
        if way == "use_nonce":
            return store.use_nonce("LTAIexample:n", EXPIRES)
        return store.check_available()

    forwarder.cut()
    with pytest.raises(DatabaseUnavailable):
        use()
    forwarder.restore()
    use()


def test_the_nonce_writer_answers_an_outage_to_its_waiters_and_carries_on(
    store: Store, forwarder: TcpForwarder
) -> None:
    assert store.use_nonce("LTAIexample:before", EXPIRES) is True
    forwarder.cut()
    with pytest.raises(DatabaseUnavailable):
        store.use_nonce("LTAIexample:during", EXPIRES)

    async def awaited() -> bool:
        return await run_on_loop(partial(store.use_nonce, "LTAIexample:awaited", EXPIRES))

    with pytest.raises(DatabaseUnavailable):
        asyncio.run(awaited())

    forwarder.restore()
    # Nothing of the failed writes was kept: the same nonces are fresh now.
    assert store.use_nonce("LTAIexample:during", EXPIRES) is True
    assert asyncio.run(awaited()) is True


def test_a_nonce_spent_once_the_writer_has_failed_is_tried_afresh(
    ledger: NonceLedger, forwarder: TcpForwarder
) -> None:
    # The failed spender's callback runs on the writer thread as the failure is answered,
    # before the writer answers whatever was queued during the attempt: what it spends then
    # was queued after the failure, once the database is back, and must be spent, not failed.
    forwarder.cut()
    spent = ledger.queue("LTAIexample:during", EXPIRES)
    after: list[Future[bool]] = []
    spent_again = threading.Event()

    def spend_again(_: Future[bool]) -> None:
        forwarder.restore()
        after.append(ledger.queue("LTAIexample:after", EXPIRES))
        spent_again.set()

    spent.add_done_callback(spend_again)
    assert isinstance(spent.exception(timeout=30), DatabaseUnavailable)
    assert spent_again.wait(timeout=30)
    assert after[0].result(timeout=30) is True


def test_opening_a_store_on_an_unreachable_database_is_unavailable(
    postgres_url: str, forwarder: TcpForwarder
) -> None:
    url = make_url(postgres_url).set(port=forwarder.port).render_as_string(hide_password=False)
    forwarder.cut()
    with pytest.raises(DatabaseUnavailable):
        open_store(url)


def test_postgresql_connections_are_opened_within_bounds_unless_the_url_sets_its_own(
    postgres_url: str,
) -> None:
    def parameters(url: str) -> dict[str, str]:
        engine = create_engine(url)
        try:
            connection = engine.raw_connection()
            try:
                driver = connection.driver_connection
                assert isinstance(driver, psycopg.Connection)
                return driver.info.get_parameters()
            finally:
                connection.close()
        finally:
            engine.dispose()

    default = parameters(postgres_url)
    assert default["connect_timeout"] == str(CONNECT_TIMEOUT_SECONDS)
    assert default["tcp_user_timeout"] == str(TCP_USER_TIMEOUT_MS)
    own = parameters(f"{postgres_url}&connect_timeout=7&tcp_user_timeout=900")
    assert (own["connect_timeout"], own["tcp_user_timeout"]) == ("7", "900")


# -- SQLite -------------------------------------------------------------------------------------


def test_a_sqlite_writer_waits_the_urls_timeout_for_the_file_or_five_seconds(
    tmp_path: Path,
) -> None:
    def busy_timeout(url: str) -> int:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
        finally:
            engine.dispose()

    url = f"sqlite:///{tmp_path / 'ramsts.db'}"
    assert busy_timeout(url) == BUSY_TIMEOUT_MS == 5000
    assert busy_timeout(f"{url}?timeout=1.5") == 1500
    for bad in ("0", "-1", "soon", "inf"):
        with pytest.raises(ValueError, match="timeout"):
            lock_timeout(make_url(f"{url}?timeout={bad}"))


def test_a_sqlite_file_locked_past_its_timeout_is_unavailable_then_writable(
    tmp_path: Path,
) -> None:
    database = tmp_path / "ramsts.db"
    store = open_store(f"sqlite:///{database}?timeout=0.3", clock=lambda: NOW)
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), store.transaction() as tx:
            tx.accounts.create(name="acme", now=NOW)
        assert time.monotonic() - started < 3
        with pytest.raises(DatabaseUnavailable):
            store.use_nonce("k:1", EXPIRES)
        holder.execute("ROLLBACK")
        with store.transaction() as tx:
            tx.accounts.create(name="acme", now=NOW)
        assert store.use_nonce("k:1", EXPIRES) is True
    finally:
        holder.close()
        store.dispose()


def test_nonces_awaited_on_a_loop_are_answered_when_the_file_cannot_be_opened(
    tmp_path: Path,
) -> None:
    """The loop opens a connection of its own for nonces: if the file cannot be opened, the
    turn's nonces are answered with that (not left waiting for ever), and a later turn opens
    the file again."""
    directory = tmp_path / "gone"
    engine = create_engine(f"sqlite:///{directory / 'ramsts.db'}")
    shutil.rmtree(directory)
    ledger = NonceLedger(engine, clock=lambda: NOW)

    async def spend() -> bool:
        return await asyncio.wait_for(
            run_on_loop(partial(ledger.spend, "LTAIexample:k", EXPIRES)), timeout=10
        )

    try:
        with pytest.raises(DatabaseUnavailable):
            asyncio.run(spend())
        directory.mkdir()
        upgrade(engine)
        assert asyncio.run(spend()) is True
    finally:
        ledger.close()
        engine.dispose()


# -- the write gate's bound ---------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "ramsts.db")


@pytest.fixture
def held_elsewhere(database: str) -> Iterator[int]:
    """The gate's file locked by another open file, as another process holds it."""
    fd = os.open(database + GATE_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield fd
    os.close(fd)


def test_a_writer_waits_for_a_gate_held_elsewhere_at_most_its_timeout(
    database: str, held_elsewhere: int
) -> None:
    gate = WriteGate(database, timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as refused, gate.held():
            pass
        assert 0.3 <= time.monotonic() - started < 2
        assert "write gate" in refused.value.reason
    finally:
        gate.close()


def test_a_writer_enters_as_soon_as_the_gate_is_let_go_within_its_timeout(
    database: str, held_elsewhere: int
) -> None:
    gate = WriteGate(database, timeout=30)
    entered = threading.Event()

    def write() -> None:
        with gate.held():
            entered.set()

    try:
        writer = threading.Thread(target=write)
        writer.start()
        assert not entered.wait(0.2)
        fcntl.flock(held_elsewhere, fcntl.LOCK_UN)
        assert entered.wait(5)
        writer.join()
    finally:
        gate.close()


def test_a_writer_that_gave_up_leaves_the_gate_free_for_everyone(
    database: str, held_elsewhere: int
) -> None:
    """The lock the gate's waiter thread gets after its writer gave up is let go at once:
    the other process takes it again, and so does this gate's next writer."""
    gate = WriteGate(database, timeout=0.2)
    try:
        with pytest.raises(DatabaseUnavailable), gate.held():
            pass
        fcntl.flock(held_elsewhere, fcntl.LOCK_UN)
        deadline = time.monotonic() + 5
        while True:  # the waiter takes the lock, sees nobody wants it, lets go
            try:
                fcntl.flock(held_elsewhere, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        fcntl.flock(held_elsewhere, fcntl.LOCK_UN)
        with gate.held():
            assert not _lockable_elsewhere(held_elsewhere)
        assert gate.try_enter()
        gate.leave()
    finally:
        gate.close()


def test_writers_of_two_processes_giving_up_and_entering_never_write_together(
    database: str,
) -> None:
    """Two gates on one file (as two processes have), four threads each, with waits so short
    that many give up: whoever is inside is alone, and afterwards both gates serve."""
    gates = [WriteGate(database, timeout=0.003), WriteGate(database, timeout=0.003)]
    inside: list[int] = []
    overlaps: list[list[int]] = []
    entered = gave_up = 0
    count = threading.Lock()

    def write(gate: WriteGate, writer: int) -> None:
        nonlocal entered, gave_up
        for _ in range(150):
            try:
                with gate.held():
                    inside.append(writer)
                    time.sleep(0.0005)
                    if len(inside) != 1:
                        overlaps.append(list(inside))
                    inside.remove(writer)
                with count:
                    entered += 1
            except DatabaseUnavailable:
                with count:
                    gave_up += 1

    threads = [threading.Thread(target=write, args=(gates[n % 2], n)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert overlaps == []
        assert entered > 0 and gave_up > 0
        for gate in gates:
            with gate.held():
                pass
    finally:
        for gate in gates:
            gate.close()


def _lockable_elsewhere(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def test_closing_a_gate_whose_waiter_is_still_waiting_does_not_hang(
    database: str, held_elsewhere: int
) -> None:
    gate = WriteGate(database, timeout=0.1)
    with pytest.raises(DatabaseUnavailable), gate.held():
        pass
    started = time.monotonic()
    gate.close()
    assert time.monotonic() - started < 1
    fcntl.flock(held_elsewhere, fcntl.LOCK_UN)  # the waiter gets it, and lets it and the file go
    with pytest.raises(RuntimeError, match="closed"), gate.held():
        pass


# -- the hold on a database found unreachable slowly ---------------------------------------------


def test_only_an_unreachable_database_found_after_a_timeout_is_held_and_only_for_a_while() -> None:
    clock = [100.0]
    hold = OutageHold(monotonic=lambda: clock[0])

    def fails(outage: DatabaseUnavailable, after: float) -> None:
        started = hold.begin()
        clock[0] += after
        hold.note(outage, started)

    fails(DatabaseUnavailable("connection refused", unreachable=True), after=0.01)
    hold.begin()  # refused at once: the next call tries again
    fails(DatabaseUnavailable("database is locked"), after=SLOW_FAILURE_SECONDS)
    hold.begin()  # slow, but the server answered: not held either
    fails(DatabaseUnavailable("connection timeout expired", unreachable=True), SLOW_FAILURE_SECONDS)
    with pytest.raises(DatabaseUnavailable) as held:
        hold.begin()
    assert "connection timeout expired" in held.value.reason
    assert held.value.http_status == 503
    clock[0] += HOLD_SECONDS
    assert hold.begin() == clock[0]  # tried again


def test_a_store_that_found_postgresql_unreachable_slowly_answers_at_once_for_a_second(
    store: Store, forwarder: TcpForwarder
) -> None:
    forwarder.cut()
    forwarder.stall()
    with pytest.raises(DatabaseUnavailable):
        account_names(store)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as held:
        store.use_nonce("LTAIexample:held", EXPIRES)
    assert "not tried again" in held.value.reason

    async def awaited() -> bool:
        return await run_on_loop(partial(store.use_nonce, "LTAIexample:held", EXPIRES))

    with pytest.raises(DatabaseUnavailable):
        asyncio.run(awaited())
    assert time.monotonic() - started < HOLD_SECONDS
    forwarder.cut()
    forwarder.restore()
    time.sleep(HOLD_SECONDS)
    assert store.use_nonce("LTAIexample:held", EXPIRES) is True


# -- what counts as unavailable -----------------------------------------------------------------


def _sqlite_error(sql: str, setup: str = "") -> sqlite3.OperationalError:
    connection = sqlite3.connect(":memory:")
    try:
        if setup:
            connection.execute(setup)
        connection.execute(sql)
    except sqlite3.OperationalError as error:
        return error
    finally:
        connection.close()
    raise AssertionError(f"{sql!r} did not fail")


def _busy(path: Path) -> sqlite3.OperationalError:
    holder = sqlite3.connect(path, isolation_level=None)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
        other.close()
    raise AssertionError("the second writer was not refused")


def test_only_errors_of_a_database_that_cannot_serve_count_as_unavailable(
    tmp_path: Path,
) -> None:
    wrapped = sa.exc.OperationalError("SELECT 1", {}, _busy(tmp_path / "busy.db"))
    refused = psycopg.OperationalError("connection failed: Connection refused")
    unavailable: list[BaseException] = [
        _busy(tmp_path / "busy.db"),
        wrapped,
        refused,
        sa.exc.OperationalError("SELECT 1", {}, refused),
        psycopg.InterfaceError("the connection is closed"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        sa.exc.TimeoutError("QueuePool limit of size 16 overflow 16 reached"),
    ]
    failing: list[BaseException] = [
        _sqlite_error("SELECT * FROM missing"),
        _sqlite_error("SELEKT 1"),
        sa.exc.OperationalError("SELECT", {}, _sqlite_error("SELECT * FROM missing")),
        psycopg.errors.ProgramLimitExceeded("index row size exceeds maximum"),
        psycopg.errors.InvalidPassword("password authentication failed"),
        psycopg.errors.UndefinedTable("relation does not exist"),
        sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        Conflict("User", "alice"),
        RuntimeError("the store is closed"),
    ]
    for error in unavailable:
        assert isinstance(database_unavailable(error), DatabaseUnavailable), error
    for error in failing:
        assert database_unavailable(error) is None, error


@pytest.mark.parametrize(
    "raised", [ValueError("a bug"), ServiceUnavailable(), RamstsError("X", "an action's own")]
)
def test_an_actions_own_error_leaves_a_transaction_unchanged(
    tmp_path: Path, raised: Exception
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'ramsts.db'}")
    try:
        with pytest.raises(type(raised)) as caught, store.transaction():
            raise raised
        assert caught.value is raised
    finally:
        store.dispose()
