"""The store in loop work (a request's work on an event loop, :mod:`ramsts.loop_work`): a call
that is a plain function (a key's lookup, the health checks, the request counts) goes to the
work's worker thread; a nonce is spent with the loop's batch; a ``read()`` or ``transaction()``
block opened there blocks the loop for its queries, and is counted. Outside loop work nothing
moves and nothing is counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from loop_support import on_the_loop
from ramsts.loop_work import blocking_calls, run_on_loop
from ramsts.store import Account, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = datetime.now(UTC) + timedelta(minutes=15)
KEY_ID = "LTAIontheloop00000000000"


@pytest.fixture
def access_key(store: Store, account: Account) -> str:
    with store.transaction() as tx:
        tx.access_keys.create(
            account.account_id, user_id=None, access_key_id=KEY_ID, sealed_secret="s", now=NOW
        )
    return KEY_ID


def read(store: Store) -> object:
    with store.read() as tx:
        return tx.accounts.list()


def write(store: Store) -> object:
    with store.transaction() as tx:
        return tx.accounts.create(name="another", now=NOW)


SENT_OFF_THE_LOOP: dict[str, Callable[[Store], object]] = {
    "resolve_access_key": lambda store: store.resolve_access_key(KEY_ID),
    "check_available": Store.check_available,
    "check_writable": Store.check_writable,
    "add_request_counts": lambda store: store.add_request_counts([("acct:Sts", 0, 1)]),
}
BLOCKING: dict[str, Callable[[Store], object]] = {"read": read, "transaction": write}


@pytest.mark.parametrize("call", SENT_OFF_THE_LOOP.values(), ids=SENT_OFF_THE_LOOP.keys())
def test_a_plain_call_in_loop_work_goes_to_a_worker_thread(
    store: Store, access_key: str, call: Callable[[Store], object]
) -> None:
    run = on_the_loop(lambda: call(store))
    assert (run.hops, run.blocked) == (1, 0)


def test_a_key_resolved_in_loop_work_is_the_key(store: Store, access_key: str) -> None:
    owner = on_the_loop(lambda: store.resolve_access_key(access_key)).result
    assert owner is not None and owner.key.access_key_id == access_key


@pytest.mark.parametrize("call", BLOCKING.values(), ids=BLOCKING.keys())
def test_a_transaction_block_in_loop_work_blocks_the_loop_and_is_counted(
    store: Store, access_key: str, call: Callable[[Store], object]
) -> None:
    run = on_the_loop(lambda: call(store))
    assert (run.hops, run.blocked) == (0, 1)
    assert run.result


def test_a_nonce_in_loop_work_is_spent_with_the_loops_batch(store: Store) -> None:
    def spend_twice() -> list[bool]:
        return [store.use_nonce("LTAIexample:n", EXPIRES) for _ in range(2)]

    run = on_the_loop(spend_twice)

    assert run.result == [True, False]
    assert (run.hops, run.blocked) == (0, 0)
    assert store.use_nonce("LTAIexample:n", EXPIRES) is False  # spent for every thread too


def test_the_nonces_of_requests_on_one_loop_are_spent_in_one_batch(store: Store) -> None:
    batches: list[int] = []
    store.observe_nonce_batches(batches.append)

    async def three_requests() -> list[bool]:
        keys = ["LTAIexample:a", "LTAIexample:b", "LTAIexample:c"]
        return await asyncio.gather(
            *(run_on_loop(partial(store.use_nonce, key, EXPIRES)) for key in keys)
        )

    assert asyncio.run(three_requests()) == [True, True, True]
    assert batches == [3]


@pytest.mark.parametrize(
    "call", [*SENT_OFF_THE_LOOP.values(), *BLOCKING.values()], ids=[*SENT_OFF_THE_LOOP, *BLOCKING]
)
def test_outside_loop_work_nothing_is_counted(
    store: Store, access_key: str, call: Callable[[Store], object]
) -> None:
    before = blocking_calls()
    call(store)
    assert blocking_calls() == before
