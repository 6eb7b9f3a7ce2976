"""``without_database()``: on an event loop, cached work runs inline, and any store call that
would reach the database raises ``DatabaseNeeded`` instead of blocking the loop, so the work can
be redone in a worker thread. The block holds for its own thread or asyncio task only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import (
    AccessKeyOwner,
    Account,
    DatabaseNeeded,
    Store,
    StoreError,
    without_database,
)
from ramsts.store.engine import create_engine

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = datetime.now(UTC) + timedelta(minutes=15)
KEY_ID = "LTAIwithoutdatabase00000"


def read(store: Store) -> object:
    with store.read() as tx:
        return tx.accounts.list()


def write(store: Store) -> object:
    with store.transaction() as tx:
        return tx.accounts.create(name="another", now=NOW)


def resolve_access_key(store: Store) -> object:
    return store.resolve_access_key(KEY_ID)


def use_nonce(store: Store) -> object:
    return store.use_nonce("LTAIexample:n", EXPIRES)


CALLS: dict[str, Callable[[Store], object]] = {
    "read": read,
    "transaction": write,
    "resolve_access_key": resolve_access_key,
    "use_nonce": use_nonce,
}


@pytest.fixture
def access_key(store: Store, account: Account) -> str:
    with store.transaction() as tx:
        tx.access_keys.create(
            account.account_id, user_id=None, access_key_id=KEY_ID, sealed_secret="s", now=NOW
        )
    return KEY_ID


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_each_call_that_reaches_the_database_is_refused_inside_the_block_only(
    store: Store, access_key: str, call: Callable[[Store], object]
) -> None:
    with pytest.raises(DatabaseNeeded), without_database():
        call(store)
    call(store)


def test_the_block_refuses_before_reaching_the_database() -> None:
    # Nothing listens there: a call that tried to connect would fail with a connection error.
    store = Store(create_engine("postgresql://nobody@127.0.0.1:9/nowhere"))
    try:
        for call in CALLS.values():
            with pytest.raises(DatabaseNeeded), without_database():
                call(store)
    finally:
        store.dispose()


def test_a_nonce_can_be_awaited_inside_the_block(store: Store) -> None:
    async def spend_twice() -> list[bool]:
        with without_database():
            return [await store.use_nonce_async("LTAIexample:n", EXPIRES) for _ in range(2)]

    assert asyncio.run(spend_twice()) == [True, False]


def test_blocks_nest(store: Store) -> None:
    with without_database():
        with without_database():
            pass
        with pytest.raises(DatabaseNeeded):
            use_nonce(store)
    assert use_nonce(store) is True


def test_the_block_does_not_reach_another_thread(store: Store, access_key: str) -> None:
    with without_database(), ThreadPoolExecutor(1) as pool:
        owner = pool.submit(store.resolve_access_key, access_key).result()
    assert owner is not None
    assert owner.key.access_key_id == access_key


def test_the_block_holds_for_its_own_task_and_not_for_executor_threads(
    store: Store, access_key: str
) -> None:
    async def serve() -> tuple[AccessKeyOwner | None, AccessKeyOwner | None]:
        loop = asyncio.get_running_loop()
        entered = asyncio.Event()

        async def cached_first() -> AccessKeyOwner | None:
            with without_database():
                entered.set()
                await asyncio.sleep(0)  # the other task runs meanwhile
                with pytest.raises(DatabaseNeeded):
                    store.resolve_access_key(access_key)
                return await loop.run_in_executor(None, store.resolve_access_key, access_key)

        async def another_request() -> AccessKeyOwner | None:
            await entered.wait()
            return store.resolve_access_key(access_key)

        return await asyncio.gather(cached_first(), another_request())

    redone, other = asyncio.run(serve())
    assert redone is not None
    assert redone == other


def test_database_needed_is_not_a_store_error() -> None:
    # Services map StoreErrors to client errors; this one must reach the caller that redoes
    # the work in a worker thread.
    assert not issubclass(DatabaseNeeded, StoreError)
