"""WAL checkpoints: a store on a SQLite file runs a thread that copies the write-ahead log into the
database (``PRAGMA wal_checkpoint(PASSIVE)``) once a second, so that no commit has to.

What the store needs from it: a checkpoint copies what was written; the thread goes with the store,
survives a round that fails, and exists only where there is a log to copy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from ramsts.store import open_store
from ramsts.store.checkpoints import CHECKPOINTER_NAME, WalCheckpointer
from ramsts.store.engine import READ_ONLY, create_engine
from ramsts.store.migrate import upgrade
from ramsts.store.schema import signature_nonces

EXPIRES = datetime(2025, 3, 1, 12, 15, tzinfo=UTC)
NEVER = 3600.0
"""An interval after which no round comes during a test: only the checkpoints it asks for."""


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite file, without a store (and so without the store's checkpointer)."""
    created = create_engine(sqlite_url)
    upgrade(created)
    yield created
    created.dispose()


def checkpointer_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == CHECKPOINTER_NAME}


def eventually(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within a generous while (the thread works in rounds)."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_checkpoint_copies_the_whole_log_when_nobody_reads(engine: Engine) -> None:
    with engine.begin() as connection:
        for i in range(50):
            connection.execute(
                signature_nonces.insert().values(nonce_key=f"LTAIexample:{i}", expires_at=EXPIRES)
            )
    checkpointer = WalCheckpointer(engine, interval=NEVER)
    try:
        busy, logged, copied = checkpointer.checkpoint()
    finally:
        checkpointer.close()
    assert busy == 0
    assert logged > 0
    assert copied == logged


def test_a_checkpoint_leaves_what_a_reader_still_needs(engine: Engine) -> None:
    """Passive: it copies up to the oldest snapshot still read, and never waits for it."""
    insert = signature_nonces.insert()
    with engine.begin() as connection:
        connection.execute(insert.values(nonce_key="LTAIexample:before", expires_at=EXPIRES))
    checkpointer = WalCheckpointer(engine, interval=NEVER)
    try:
        with engine.connect() as reader:
            reader.execution_options(**{READ_ONLY: True})
            reader.execute(sa.select(signature_nonces))  # its snapshot: the first write only
            with engine.begin() as connection:
                connection.execute(insert.values(nonce_key="LTAIexample:after", expires_at=EXPIRES))
            busy, logged, copied = checkpointer.checkpoint()
            reader.rollback()
        assert busy == 0
        assert 0 < copied < logged
        assert checkpointer.checkpoint() == (0, logged, logged)  # the reader is gone
    finally:
        checkpointer.close()


def test_a_store_on_a_sqlite_file_checkpoints_until_disposed(sqlite_url: str) -> None:
    before = checkpointer_threads()
    store = open_store(sqlite_url)
    started = checkpointer_threads() - before
    assert len(started) == 1
    store.dispose()
    assert not any(thread.is_alive() for thread in started)


@pytest.mark.parametrize("database", ["postgres", "in-memory"])
def test_a_store_without_a_sqlite_file_starts_no_checkpointer(
    request: pytest.FixtureRequest, database: str
) -> None:
    url = str(request.getfixturevalue("postgres_url")) if database == "postgres" else "sqlite://"
    before = checkpointer_threads()
    store = open_store(url)
    try:
        assert store.use_nonce("LTAIexample:k", EXPIRES + timedelta(days=1))
        assert checkpointer_threads() == before
    finally:
        store.dispose()


def test_a_failed_round_is_logged_and_the_next_round_tries_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its database's directory is missing at first, so the rounds cannot open the file; once it
    is there, the next round opens (and so creates) the file."""
    directory = tmp_path / "data"
    engine = sa.create_engine(f"sqlite:///{directory / 'ramsts.db'}", poolclass=NullPool)
    before = checkpointer_threads()
    checkpointer = WalCheckpointer(engine, interval=0.01)
    started = checkpointer_threads() - before
    try:
        assert eventually(
            lambda: any(r.getMessage() == "a WAL checkpoint failed" for r in caplog.records)
        )
        directory.mkdir()
        assert eventually((directory / "ramsts.db").exists)
    finally:
        checkpointer.close()
        engine.dispose()
    assert len(started) == 1
    assert not any(thread.is_alive() for thread in started)
