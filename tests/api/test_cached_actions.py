"""Actions registered ``cached`` (AssumeRole, GetCallerIdentity) run on the event loop while their
caches are warm, and in a worker thread when a cache needs the database; other actions run in a
worker thread. Either way the client gets the same answer, and the nonce is spent once, on the
loop, before the handler runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.store import Store, open_store

STS = "2015-04-01"


@pytest.fixture
def store() -> Iterator[Store]:
    store = open_store("sqlite://")
    yield store
    store.dispose()


class Recorder:
    """A handler that notes which thread ran it, reading the store when told to."""

    def __init__(self, store: Store, *, needs_database: bool) -> None:
        self.store = store
        self.needs_database = needs_database
        self.threads: list[str] = []

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        self.threads.append(threading.current_thread().name)
        if self.needs_database:
            with self.store.read():
                pass
        return {"Ran": "yes"}


def call(client: Any, action: str) -> Any:
    return client.get(f"/?Action={action}&Version={STS}&Format=JSON&SignatureNonce=n-{action}")


def test_a_cached_action_with_warm_caches_runs_on_the_event_loop(services, client, store):
    warm = Recorder(store, needs_database=False)
    services.actions.add(STS, "Warm", warm, cached=True)

    response = call(client, "Warm")

    assert response.status_code == 200 and response.json()["Ran"] == "yes"
    assert warm.threads == [threading.current_thread().name]  # anyio.run's loop thread
    assert services.authenticator.spent_on_the_loop == ["n-Warm"]


def test_a_cached_action_that_needs_the_database_runs_again_in_a_worker_thread(
    services, client, store
):
    cold = Recorder(store, needs_database=True)
    services.actions.add(STS, "Cold", cold, cached=True)

    response = call(client, "Cold")

    assert response.status_code == 200 and response.json()["Ran"] == "yes"
    assert len(cold.threads) == 2
    assert cold.threads[1].startswith("ramsts-rpc")
    assert services.authenticator.spent_on_the_loop == ["n-Cold"]  # spent once, not per attempt


def test_other_actions_run_in_a_worker_thread_after_their_nonce_is_spent_on_the_loop(
    services, client, store
):
    plain = Recorder(store, needs_database=True)
    services.actions.add(STS, "Plain", plain)

    response = call(client, "Plain")

    assert response.status_code == 200
    assert [name.startswith("ramsts-rpc") for name in plain.threads] == [True]
    assert services.authenticator.spent_on_the_loop == ["n-Plain"]
