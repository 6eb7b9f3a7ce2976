"""The store on a PostgreSQL cluster whose primary moves (Patroni): URLs naming several servers,
as libpq takes them (``postgresql://user@h1:p1,h2:p2,h3:p3/db?target_session_attrs=read-write``),
through which the store opens, migrates and works on the first server that takes writes, shown
without their password; and a server that takes no writes (a standby, as a primary demoted under
the store's connections), on which every write is ``DatabaseUnavailable`` (503) and rolled back,
never an unexpected error. The failover itself, on a real Patroni cluster, is ``tests/ha``.

A standby is PostgreSQL with ``default_transaction_read_only`` on for the session, which refuses
writes with the SQLSTATE a hot standby answers (25006)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.engine import make_url

from fresh_databases import standby_url
from local_servers import free_port
from ramsts.loop_work import run_on_loop
from ramsts.store import DatabaseUnavailable, open_store, shown_url
from ramsts.store.engine import normalise_url


def test_a_list_of_servers_becomes_sqlalchemys_host_query() -> None:
    url = normalise_url("postgresql://app:pw@db1:5432,db2:5433,db3/ramsts?sslmode=require")
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.database) == ("app", "pw", None, "ramsts")
    assert url.query == {"host": ("db1:5432", "db2:5433", "db3"), "sslmode": "require"}


def test_a_url_with_one_server_is_left_as_it_is() -> None:
    url = normalise_url("postgresql://app@db1:5432/ramsts?target_session_attrs=read-write")
    assert (url.host, url.port, url.query) == ("db1", 5432, {"target_session_attrs": "read-write"})


def test_a_list_with_an_empty_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="empty entry"):
        normalise_url("postgresql://app@db1:5432,,db3/ramsts")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:s3cr%40t@db1:5432,db2:5432/ramsts?target_session_attrs=read-write",
        "postgresql://app:s3cr%40t@db1:5432/ramsts",
    ],
)
def test_the_url_is_shown_without_its_password(url: str) -> None:
    shown = shown_url(url)
    assert "s3cr" not in shown and "app:***@" in shown


def _with_servers_before(url: str, *servers: str) -> str:
    """``url`` (one server) with ``servers`` listed before its own, and read-write sessions
    asked for."""
    parsed = make_url(url)
    hosts = ",".join([*servers, f"{parsed.host}:{parsed.port or 5432}"])
    query = "&".join(
        [*(f"{k}={v}" for k, v in parsed.query.items()), "target_session_attrs=read-write"]
    )
    return f"postgresql://{parsed.username}@{hosts}/{parsed.database}?{query}"


@pytest.mark.postgres
def test_the_store_migrates_and_writes_through_the_first_server_that_answers(
    empty_postgres_url: str,
) -> None:
    nobody_there = f"127.0.0.1:{free_port()}"
    store = open_store(_with_servers_before(empty_postgres_url, nobody_there))
    try:
        with store.transaction() as tx:
            account = tx.accounts.create(name="listed", now=datetime.now(UTC))
        with store.read() as tx:
            assert tx.accounts.get(account.account_id) is not None
        store.check_writable()
    finally:
        store.dispose()


@pytest.mark.postgres
def test_a_list_whose_only_server_takes_no_writes_is_unavailable(postgres_url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        open_store(_with_servers_before(standby_url(postgres_url), f"127.0.0.1:{free_port()}"))


@pytest.mark.postgres
def test_on_a_server_that_takes_no_writes_writes_are_unavailable_and_reads_work(
    postgres_url: str,
) -> None:
    store = open_store(standby_url(postgres_url), migrate=False)
    try:
        with pytest.raises(DatabaseUnavailable), store.transaction() as tx:
            tx.accounts.create(name="refused", now=datetime.now(UTC))
        expires = datetime.now(UTC) + timedelta(minutes=15)
        with pytest.raises(DatabaseUnavailable):
            store.use_nonce("refused-nonce", expires)

        async def awaited() -> bool:
            return await run_on_loop(partial(store.use_nonce, "refused-awaited", expires))

        with pytest.raises(DatabaseUnavailable):
            asyncio.run(awaited())
        with pytest.raises(DatabaseUnavailable) as not_ready:
            store.check_writable()
        assert "takes no writes" in not_ready.value.reason
        store.check_available()
        with store.read() as tx:
            assert tx.accounts.list() == []
    finally:
        store.dispose()


@pytest.mark.postgres
def test_a_write_in_a_read_transaction_stays_a_bug_not_an_outage(postgres_url: str) -> None:
    store = open_store(postgres_url, migrate=False)
    try:
        with pytest.raises(Exception) as raised, store.read() as tx:
            tx.accounts.create(name="misplaced", now=datetime.now(UTC))
        assert not isinstance(raised.value, DatabaseUnavailable)
    finally:
        store.dispose()


@pytest.mark.postgres
def test_a_read_leaves_its_connection_in_the_servers_own_access_mode(postgres_url: str) -> None:
    # One call at a time: the pool's one connection, handed back by the read, serves the rest.
    store = open_store(standby_url(postgres_url), migrate=False)
    try:
        for _ in range(2):
            with store.read() as tx:
                assert tx.accounts.list() == []
            with pytest.raises(DatabaseUnavailable), store.transaction() as tx:
                tx.accounts.create(name="refused after a read", now=datetime.now(UTC))
            with store.read() as tx:
                tx.accounts.list()
            with pytest.raises(DatabaseUnavailable):
                store.check_writable()
    finally:
        store.dispose()
