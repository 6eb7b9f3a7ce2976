"""Changes announced across processes: on PostgreSQL a transaction's ``announce_change`` reaches
every listener when, and only if, it commits; a listener whose connection is killed connects
again and says so (its caches forget everything, since what was sent meanwhile is lost). SQLite
announces nothing and has no listener: there the entries' age is the rule."""

from __future__ import annotations

import os
import queue
import secrets
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ramsts.store import InvalidationListener, Store, open_store
from ramsts.store.invalidations import APPLICATION_NAME

WAIT = 10.0
"""Seconds a test waits for what must happen at once; only a failure waits this long."""


class Heard:
    """What a listener reported, in order: account ids, and ``"<gap>"`` for each (re)start.

    The channel is the whole database's, so other tests' changes are heard too: each test
    names accounts of its own and looks for them only."""

    def __init__(self) -> None:
        self.events: queue.Queue[str] = queue.Queue()

    def change(self, account_id: str) -> None:
        self.events.put(account_id)

    def gap(self) -> None:
        self.events.put("<gap>")

    def until(self, event: str) -> list[str]:
        """What was heard up to ``event`` (included), waiting at most :data:`WAIT`."""
        heard: list[str] = []
        deadline = time.monotonic() + WAIT
        while not heard or heard[-1] != event:
            heard.append(self.events.get(timeout=max(deadline - time.monotonic(), 0.01)))
        return heard


def account_id() -> str:
    return str(secrets.randbelow(10**16)).zfill(16)


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[Store]:
    store = open_store(postgres_url, migrate=False)
    yield store
    store.dispose()


@pytest.fixture
def listening(postgres_store: Store) -> Iterator[tuple[InvalidationListener, Heard]]:
    heard = Heard()
    listener = postgres_store.listen_for_changes(heard.change, heard.gap)
    assert listener is not None
    heard.until("<gap>")  # listening: nothing heard before this could be missed
    yield listener, heard
    listener.close()


def announce(store: Store, account_id: str, *, commit: bool = True) -> None:
    class RolledBack(Exception):
        pass

    try:
        with store.transaction() as tx:
            tx.announce_change(account_id)
            if not commit:
                raise RolledBack
    except RolledBack:
        pass


@pytest.mark.postgres
def test_a_committed_change_reaches_the_listener_and_a_rolled_back_one_never(
    postgres_store: Store, listening: tuple[InvalidationListener, Heard]
) -> None:
    _, heard = listening
    rolled_back, committed, later = account_id(), account_id(), account_id()

    announce(postgres_store, rolled_back, commit=False)
    announce(postgres_store, committed)
    announce(postgres_store, later)

    # Notifications arrive in commit order: the rolled-back one, had it been sent, first.
    assert rolled_back not in heard.until(committed) + heard.until(later)


@pytest.mark.postgres
def test_a_listener_whose_connection_is_killed_listens_again_and_reports_the_gap(
    postgres_store: Store, listening: tuple[InvalidationListener, Heard], postgres_url: str
) -> None:
    listener, heard = listening
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            killed = connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE pid = :pid AND application_name = :name"
                ),
                {"pid": listener.backend_pid, "name": f"{APPLICATION_NAME} {os.getpid()}"},
            ).scalar()
    finally:
        engine.dispose()
    assert killed

    heard.until("<gap>")  # connected again, after its backoff
    assert listener.wait_listening(WAIT)
    after = account_id()
    announce(postgres_store, after)
    assert heard.until(after)[-1] == after


def test_sqlite_announces_nothing_and_has_no_listener(sqlite_url: str) -> None:
    store = open_store(sqlite_url, migrate=False)
    try:
        announce(store, account_id())  # a no-op, not an error
        assert store.listen_for_changes(lambda _: None, lambda: None) is None
    finally:
        store.dispose()


@pytest.mark.postgres
def test_closing_a_listener_stops_its_thread_promptly(postgres_store: Store) -> None:
    listener = postgres_store.listen_for_changes(lambda _: None, lambda: None)
    assert listener is not None and listener.wait_listening(WAIT)

    listener.close()

    assert not listener.running
