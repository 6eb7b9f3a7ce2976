"""The nonce ledger: ``Store.use_nonce`` from a thread (it waits while the writer thread spends its
nonce with whatever else is queued) and from loop work on an event loop (``run_on_loop``: the
nonces of one turn of the loop spent together, on a SQLite file by the loop itself, else by the
writer). Batching itself is seen through ``NonceLedger.queue``, whose future a test can hold.

What the replay rule needs from it: a nonce is accepted once, whichever way it comes in and across
stores (processes) on one database (see also ``test_store_database.py``), also when it comes twice
in one batch or one turn of the loop; expired nonces go away without anyone asking; spending a
nonce leaves the pooled connection as it found it, so the transactions that follow on it still
commit and roll back as a whole; awaiting nonces still completes while another process holds
SQLite's write lock; and the writer and the loop report a failed write to everyone waiting on it
rather than dying or hanging.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from ramsts.loop_work import run_on_loop
from ramsts.store import Store, open_store
from ramsts.store.engine import (
    BUSY_TIMEOUT_MS,
    WAL_AUTOCHECKPOINT_PAGES,
    create_engine,
    normalise_url,
)
from ramsts.store.migrate import upgrade
from ramsts.store.nonce_ledger import LOOP_RETRY_LIMIT, PURGE_ONE_IN, WRITER_NAME, NonceLedger
from ramsts.store.prepared import Precompiled
from ramsts.store.schema import signature_nonces, users

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(minutes=15)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store whose clock reads NOW: the only nonces purged are those meant to have expired."""
    opened = open_store(db_url, clock=lambda: NOW)
    yield opened
    opened.dispose()


@pytest.fixture
def ledger(db_url: str) -> Iterator[NonceLedger]:
    """A ledger of its own on the database, whose futures a test can hold without waiting."""
    engine = create_engine(db_url)
    made = NonceLedger(engine, clock=lambda: NOW)
    yield made
    made.close()
    engine.dispose()


def nonce_keys(url: str) -> set[str]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.select(signature_nonces.c.nonce_key)).scalars())
    finally:
        engine.dispose()


def rename_table(url: str, old: str, new: str) -> None:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))
    finally:
        engine.dispose()


@contextmanager
def another_writer_spending(url: str, key: str) -> Iterator[None]:
    """Another process mid-way through spending ``key``: its row is written but not committed
    until the block ends (then rolled back), so the ledger's write of that key waits for it — on
    SQLite for the database's write lock, on PostgreSQL for the key's row."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(signature_nonces.insert().values(nonce_key=key, expires_at=EXPIRES))
            yield
            connection.rollback()
    finally:
        engine.dispose()


@contextmanager
def writer_held(ledger: NonceLedger, url: str) -> Iterator[None]:
    """The ledger's writer kept busy for the block, in a callback of the batch it has just
    answered: what is spent meanwhile queues up, to be written as one batch afterwards."""
    held, release = threading.Event(), threading.Event()

    def hold(_: Future[bool]) -> None:
        held.set()
        release.wait()

    with another_writer_spending(url, "LTAIexample:held"):
        # Not answered before the other writer is done, so the callback runs on the writer thread.
        ledger.queue("LTAIexample:held", EXPIRES).add_done_callback(hold)
    assert held.wait(timeout=60)
    try:
        yield
    finally:
        release.set()


def writer_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == WRITER_NAME}


def assert_one_logged_error_for_all(
    errors: list[BaseException | None], caplog: pytest.LogCaptureFixture
) -> None:
    """A batch whose statement failed: every nonce holds that one error, which was logged."""
    assert "signature_nonces" in str(errors[0])
    assert errors == [errors[0]] * 3  # one statement, one error for all
    assert any(
        record.name == "ramsts.store" and record.levelno == logging.ERROR
        for record in caplog.records
    )


def test_a_nonce_is_fresh_once_then_spent(store: Store) -> None:
    assert store.use_nonce("LTAIexample:k", EXPIRES) is True
    assert store.use_nonce("LTAIexample:k", EXPIRES) is False
    assert store.use_nonce("LTAIexample:other", EXPIRES) is True


def test_expired_nonces_are_purged_by_later_uses(store: Store, db_url: str) -> None:
    assert store.use_nonce("LTAIexample:old", NOW - timedelta(seconds=1))
    for i in range(PURGE_ONE_IN - 1):
        assert store.use_nonce(f"LTAIexample:{i}", EXPIRES)
    # The purge follows the answers, and the writer works in order: a later nonce's answer
    # comes after it.
    assert store.use_nonce("LTAIexample:later", EXPIRES)

    left = nonce_keys(db_url)
    assert "LTAIexample:old" not in left
    assert len(left) == PURGE_ONE_IN
    assert not store.use_nonce("LTAIexample:0", EXPIRES)


def test_a_spent_nonce_is_refused_even_after_its_expiry_until_purged(store: Store) -> None:
    # The ledger refuses a key while its row is there; the timestamp window refuses the rest.
    assert store.use_nonce("LTAIexample:k", NOW - timedelta(minutes=1))
    assert not store.use_nonce("LTAIexample:k", NOW + timedelta(minutes=15))


def test_transactions_after_a_nonce_still_roll_back_as_a_whole(store: Store) -> None:
    for i in range(3):
        assert store.use_nonce(f"LTAIexample:{i}", NOW + timedelta(minutes=15))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        raise RuntimeError("the action failed after writing")
    with store.read() as tx:
        assert tx.accounts.get(account.account_id) is None


def test_a_naive_expiry_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="aware"):
        store.use_nonce("LTAIexample:naive", datetime(2025, 3, 1, 12, 0))


def test_a_nonce_used_inside_a_transaction_on_a_sqlite_file_is_refused_at_once(
    sqlite_url: str,
) -> None:
    """The writer would wait at the write gate for the transaction, which waits for it."""
    store = open_store(sqlite_url)
    try:
        with store.transaction(), pytest.raises(RuntimeError, match="inside another write"):
            store.use_nonce("LTAIexample:k", EXPIRES)
        assert store.use_nonce("LTAIexample:k", EXPIRES) is True
    finally:
        store.dispose()


def test_prepared_lookups_read_what_core_reads(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        created = tx.users.create(account.account_id, user_name="Alice", now=NOW, email="a@b.cn")
    query = sa.select(users).where(users.c.user_id == sa.bindparam("user_id"))
    with store.read() as tx:
        core = tx.users._connection.execute(query, {"user_id": created.user_id}).mappings().one()
        prepared = tx.users._fetch(Precompiled(query), {"user_id": created.user_id})
        found = tx.users.get(account.account_id, "ALICE")
    assert prepared == [dict(core)]
    assert prepared[0]["created_at"] == NOW
    assert found == created


def test_the_same_nonce_twice_in_one_batch_is_fresh_only_the_first_time(
    ledger: NonceLedger, db_url: str
) -> None:
    with writer_held(ledger, db_url):
        first, again, other = (
            ledger.queue(key, EXPIRES)
            for key in ("LTAIexample:k", "LTAIexample:k", "LTAIexample:other")
        )
    assert [first.result(), again.result(), other.result()] == [True, False, True]


def test_racing_threads_let_each_nonce_through_exactly_once(store: Store) -> None:
    keys = [f"LTAIexample:{i}" for i in range(400)]
    spends = keys * 2
    random.Random(7).shuffle(spends)
    start = threading.Barrier(8)

    def use(share: list[str]) -> list[tuple[str, bool]]:
        start.wait()
        return [(key, store.use_nonce(key, EXPIRES)) for key in share]

    with ThreadPoolExecutor(8) as pool:
        shares = list(pool.map(use, [spends[i::8] for i in range(8)]))
    answers = [answer for share in shares for answer in share]

    assert len(answers) == 800
    assert Counter(key for key, fresh in answers if fresh) == Counter(keys)


def test_rows_written_by_the_writer_and_by_the_loop_hold_the_same_expiry(
    store: Store, db_url: str
) -> None:
    assert store.use_nonce("LTAIexample:used", EXPIRES)
    awaited = EXPIRES.astimezone(timezone(timedelta(hours=8)))
    assert spend_together(store, ["LTAIexample:awaited"], awaited) == [True]
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT nonce_key, expires_at FROM signature_nonces"))
            stored = {key: expires_at for key, expires_at in rows}
    finally:
        engine.dispose()
    # As the database holds them (text on SQLite), so the purge compares both alike.
    assert stored["LTAIexample:used"] == stored["LTAIexample:awaited"]


def test_a_failed_write_fails_its_whole_batch_and_the_writer_carries_on(
    ledger: NonceLedger, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with writer_held(ledger, db_url):
        rename_table(db_url, "signature_nonces", "signature_nonces_away")
        batch = [ledger.queue(f"LTAIexample:{i}", EXPIRES) for i in range(3)]
    errors = [future.exception(timeout=60) for future in batch]
    rename_table(db_url, "signature_nonces_away", "signature_nonces")

    assert_one_logged_error_for_all(errors, caplog)
    # Nothing of the failed batch was kept, and the next batch is written.
    assert ledger.queue("LTAIexample:0", EXPIRES).result(timeout=60) is True


def test_closing_stops_the_writer_and_fails_queued_and_later_nonces(
    ledger: NonceLedger, db_url: str
) -> None:
    before = writer_threads()
    assert ledger.queue("LTAIexample:k", EXPIRES).result()
    writers = writer_threads() - before
    assert len(writers) == 1

    closing = threading.Thread(target=ledger.close)
    with writer_held(ledger, db_url):
        queued = ledger.queue("LTAIexample:queued", EXPIRES)
        closing.start()
        # Failed at once, while the writer is still busy.
        assert "closed" in str(queued.exception(timeout=60))
    closing.join()

    assert not any(writer.is_alive() for writer in writers)
    with pytest.raises(RuntimeError, match="closed"):
        ledger.queue("LTAIexample:later", EXPIRES).result()


def test_using_a_nonce_after_disposing_fails(db_url: str) -> None:
    store = open_store(db_url)
    store.dispose()
    with pytest.raises(RuntimeError, match="closed"):
        store.use_nonce("LTAIexample:later", EXPIRES)


# -- awaited on an event loop ------------------------------------------------------------------


def spend_together(store: Store, keys: list[str], expires_at: datetime = EXPIRES) -> list[bool]:
    """Await ``keys`` all at once, in one turn of a new event loop, in this order."""

    async def spend() -> list[bool]:
        return list(
            await asyncio.gather(
                *(run_on_loop(partial(store.use_nonce, k, expires_at)) for k in keys)
            )
        )

    return asyncio.run(spend())


def test_an_awaited_nonce_is_fresh_once_then_spent(store: Store) -> None:
    async def one_after_another() -> list[bool]:
        return [
            await run_on_loop(partial(store.use_nonce, key, EXPIRES))
            for key in ("LTAIexample:k", "LTAIexample:k", "LTAIexample:other")
        ]

    assert asyncio.run(one_after_another()) == [True, False, True]
    assert spend_together(store, ["LTAIexample:k", "LTAIexample:other"]) == [False, False]


def test_the_same_nonce_twice_in_one_turn_is_fresh_only_for_the_first(store: Store) -> None:
    keys = ["LTAIexample:k", "LTAIexample:other", "LTAIexample:k"]
    assert spend_together(store, keys) == [True, True, False]


def test_an_awaited_nonce_is_spent_for_a_thread_and_a_threads_for_an_await(store: Store) -> None:
    assert store.use_nonce("LTAIexample:used", EXPIRES)
    assert spend_together(store, ["LTAIexample:used"]) == [False]

    assert spend_together(store, ["LTAIexample:awaited"]) == [True]
    assert not store.use_nonce("LTAIexample:awaited", EXPIRES)


def test_a_nonce_awaited_through_another_store_is_spent(db_url: str) -> None:
    first, second = open_store(db_url), open_store(db_url)
    try:
        assert spend_together(first, ["LTAIexample:k"]) == [True]
        assert spend_together(second, ["LTAIexample:k"]) == [False]
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize("loops", [1, 3])
def test_racing_awaits_let_each_nonce_through_exactly_once(store: Store, loops: int) -> None:
    """300 nonces, each awaited twice, by coroutines on one event loop or on several at once."""
    keys = [f"LTAIexample:{i}" for i in range(300)]
    awaited = keys * 2
    random.Random(11).shuffle(awaited)
    shares = [awaited[i::loops] for i in range(loops)]
    start = threading.Barrier(loops)

    def on_a_loop(share: list[str]) -> list[tuple[str, bool]]:
        start.wait()
        return list(zip(share, spend_together(store, share), strict=True))

    with ThreadPoolExecutor(loops) as pool:
        answers = [answer for share in pool.map(on_a_loop, shares) for answer in share]

    assert len(answers) == 600
    assert Counter(key for key, fresh in answers if fresh) == Counter(keys)


def test_expired_nonces_are_purged_by_later_awaits(db_url: str) -> None:
    store = open_store(db_url, clock=lambda: NOW)
    try:
        assert spend_together(store, ["LTAIexample:old"], NOW - timedelta(seconds=1)) == [True]
        keys = [f"LTAIexample:{i}" for i in range(PURGE_ONE_IN - 1)]
        assert all(spend_together(store, keys))
        # The purge follows the answers; a later nonce's answer comes after it.
        assert spend_together(store, ["LTAIexample:later"]) == [True]

        left = nonce_keys(db_url)
        assert "LTAIexample:old" not in left
        assert len(left) == PURGE_ONE_IN
    finally:
        store.dispose()


@pytest.mark.parametrize(
    "held_for",
    [LOOP_RETRY_LIMIT / 5, LOOP_RETRY_LIMIT * 4],
    ids=["briefly", "past-the-loop-retries"],
)
def test_awaited_nonces_are_spent_once_another_process_lets_go_of_the_write_lock(
    sqlite_url: str, held_for: float
) -> None:
    """Whether the loop tries again until the lock is free or hands the nonces to the writer
    thread, every await is answered, and in the order the nonces came: the first is fresh."""
    store = open_store(sqlite_url)
    other_process = sqlite3.connect(str(normalise_url(sqlite_url).database), isolation_level=None)
    try:

        async def while_locked() -> list[bool]:
            other_process.execute("BEGIN IMMEDIATE")
            asyncio.get_running_loop().call_later(held_for, other_process.execute, "ROLLBACK")
            first = asyncio.ensure_future(
                run_on_loop(partial(store.use_nonce, "LTAIexample:k", EXPIRES))
            )
            await asyncio.sleep(0)  # its turn ends with the lock taken
            later = await asyncio.gather(
                run_on_loop(partial(store.use_nonce, "LTAIexample:k", EXPIRES)),
                run_on_loop(partial(store.use_nonce, "LTAIexample:other", EXPIRES)),
            )
            return [await first, *later]

        assert asyncio.run(while_locked()) == [True, False, True]
        assert not other_process.in_transaction
        assert nonce_keys(sqlite_url) == {"LTAIexample:k", "LTAIexample:other"}
    finally:
        other_process.close()
        store.dispose()


def test_on_a_sqlite_file_awaited_nonces_are_spent_without_the_writer_thread(
    sqlite_url: str,
) -> None:
    before = writer_threads()
    store = open_store(sqlite_url)
    try:
        assert spend_together(store, ["LTAIexample:k", "LTAIexample:other"]) == [True, True]
        assert writer_threads() == before
    finally:
        store.dispose()


def test_in_memory_awaited_nonces_are_spent_by_the_writer_thread() -> None:
    before = writer_threads()
    store = open_store("sqlite://")
    try:
        assert spend_together(store, ["LTAIexample:k", "LTAIexample:k"]) == [True, False]
        assert len(writer_threads() - before) == 1
        assert not store.use_nonce("LTAIexample:k", EXPIRES)
    finally:
        store.dispose()


def test_a_failed_write_fails_every_await_of_its_turn_and_later_ones_succeed(
    store: Store, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert spend_together(store, ["LTAIexample:before"]) == [True]
    rename_table(db_url, "signature_nonces", "signature_nonces_away")

    async def turn() -> list[bool | BaseException]:
        keys = [f"LTAIexample:{i}" for i in range(3)]
        awaits = (run_on_loop(partial(store.use_nonce, key, EXPIRES)) for key in keys)
        return await asyncio.gather(*awaits, return_exceptions=True)

    errors = asyncio.run(turn())
    rename_table(db_url, "signature_nonces_away", "signature_nonces")

    assert_one_logged_error_for_all(errors, caplog)
    # Nothing of the failed turn was kept, and the next turn is written.
    assert spend_together(store, ["LTAIexample:0", "LTAIexample:before"]) == [True, False]


def test_awaiting_a_nonce_after_disposing_fails(db_url: str) -> None:
    store = open_store(db_url)
    assert spend_together(store, ["LTAIexample:k"]) == [True]
    store.dispose()
    with pytest.raises(RuntimeError, match="closed"):
        spend_together(store, ["LTAIexample:later"])


def test_closing_the_ledger_hands_the_loops_connection_back_as_the_pool_gave_it(
    sqlite_url: str,
) -> None:
    """The loop's connection never waits for the write lock or a checkpoint while the ledger has
    it; back in the pool it waits like every other connection again."""
    engine = create_engine(sqlite_url)
    try:
        upgrade(engine)
        ledger = NonceLedger(engine, clock=lambda: NOW)

        async def spend() -> bool:
            return await run_on_loop(partial(ledger.spend, "LTAIexample:k", EXPIRES))

        assert asyncio.run(spend()) is True
        ledger.close()

        pool = engine.pool
        assert isinstance(pool, QueuePool)
        pooled = [engine.raw_connection() for _ in range(pool.checkedin())]
        try:
            settings = []
            for connection in pooled:
                cursor = connection.cursor()
                cursor.execute("PRAGMA busy_timeout")
                busy_timeout = cursor.fetchone()[0]
                cursor.execute("PRAGMA wal_autocheckpoint")
                settings.append((busy_timeout, cursor.fetchone()[0]))
                cursor.close()
        finally:
            for connection in pooled:
                connection.close()
        assert settings
        assert set(settings) == {(BUSY_TIMEOUT_MS, WAL_AUTOCHECKPOINT_PAGES)}
    finally:
        engine.dispose()
