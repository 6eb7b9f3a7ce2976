"""Every request's work, from authentication to the handler's answer, runs once, on the event
loop (:mod:`ramsts.loop_work`). Actions registered ``cached`` (AssumeRole, GetCallerIdentity,
VerifyRequest) run their handler there too, a cache that needs filling filling in a worker
thread while the handler waits; other actions run their handler in a worker thread. Either way
the nonce is spent in the loop's work, before the handler runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ramsts.caching import Cache
from ramsts.caller import Caller
from ramsts.loop_work import blocking_calls
from ramsts.store import Store, open_store

STS = "2015-04-01"


@pytest.fixture
def store() -> Iterator[Store]:
    store = open_store("sqlite://")
    yield store
    store.dispose()


class Recorder:
    """A handler that notes which thread ran it, looking something up in a cache filled from
    the store when told to (and noting which thread filled it)."""

    def __init__(self, store: Store, *, fills_a_cache: bool = False, reads: bool = False) -> None:
        self.store = store
        self.fills_a_cache = fills_a_cache
        self.reads = reads
        self.cache: Cache[str, int] = Cache("recorded", limit=10, max_age=60)
        self.threads: list[str] = []
        self.loads: list[str] = []

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        self.threads.append(threading.current_thread().name)
        if self.fills_a_cache:
            self.cache.get("key", self._load)
        if self.reads:
            with self.store.read():
                pass
        return {"Ran": "yes"}

    def _load(self, key: str) -> int:
        self.loads.append(threading.current_thread().name)
        with self.store.read() as tx:
            return len(tx.accounts.list())


def call(client: Any, action: str) -> Any:
    return client.get(f"/?Action={action}&Version={STS}&Format=JSON&SignatureNonce=n-{action}")


def test_a_cached_action_with_warm_caches_runs_on_the_event_loop(services, client, store):
    warm = Recorder(store)
    services.actions.add(STS, "Warm", warm, cached=True)

    response = call(client, "Warm")

    assert response.status_code == 200 and response.json()["Ran"] == "yes"
    assert warm.threads == [threading.current_thread().name]  # anyio.run's loop thread
    assert services.authenticator.spent_on_the_loop == ["n-Warm"]


def test_a_cached_action_whose_cache_is_cold_runs_once_the_cache_filling_in_a_worker_thread(
    services, client, store
):
    cold = Recorder(store, fills_a_cache=True)
    services.actions.add(STS, "Cold", cold, cached=True)
    blocked_before = blocking_calls()

    response = call(client, "Cold")

    assert response.status_code == 200 and response.json()["Ran"] == "yes"
    assert cold.threads == [threading.current_thread().name]  # once, on the loop
    assert len(cold.loads) == 1 and cold.loads[0].startswith("ramsts-rpc")
    assert blocking_calls() == blocked_before  # the loop never waited on the database
    assert services.authenticator.spent_on_the_loop == ["n-Cold"]


def test_a_cached_action_that_reads_the_store_itself_blocks_the_loop_and_is_counted(
    services, client, store
):
    reader = Recorder(store, reads=True)
    services.actions.add(STS, "Reads", reader, cached=True)
    blocked_before = blocking_calls()

    response = call(client, "Reads")

    assert response.status_code == 200 and response.json()["Ran"] == "yes"
    assert reader.threads == [threading.current_thread().name]
    assert blocking_calls() == blocked_before + 1


def test_other_actions_run_in_a_worker_thread_after_their_nonce_is_spent_on_the_loop(
    services, client, store
):
    plain = Recorder(store, reads=True)
    services.actions.add(STS, "Plain", plain)
    blocked_before = blocking_calls()

    response = call(client, "Plain")

    assert response.status_code == 200
    assert [name.startswith("ramsts-rpc") for name in plain.threads] == [True]
    assert blocking_calls() == blocked_before
    assert services.authenticator.spent_on_the_loop == ["n-Plain"]
