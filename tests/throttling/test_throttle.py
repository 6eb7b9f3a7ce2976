"""The throttle counts each account's calls of a throttled action in fixed windows, shared by
every server on one database through merges: a second server's calls count against the same
quota once both have merged, a new window starts afresh, and a store that cannot be reached
leaves each server counting alone. Clocks are injected; merges are called, not waited for."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ramsts.errors import RamstsError
from ramsts.request_quotas import RequestQuota
from ramsts.store import Store
from ramsts.throttling import THROTTLED_MESSAGE, Throttle

ACCOUNT = "1234567890123456"
OTHER_ACCOUNT = "6543210987654321"
START = 1_800_000_000.0  # a whole second, and a whole minute


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(store: Store, clock: Clock, *quotas: RequestQuota) -> Throttle:
    return Throttle(
        quotas or (RequestQuota("AssumeRole", 3, 1),), store, now=clock, merge_interval=None
    )


def admitted(throttle: Throttle, calls: int, account: str = ACCOUNT) -> int:
    """How many of ``calls`` AssumeRole calls by ``account`` were admitted."""
    count = 0
    for _ in range(calls):
        try:
            throttle.admit(account, "Sts", "AssumeRole")
        except RamstsError as refusal:
            assert (refusal.code, refusal.http_status) == ("Throttling.User", 400)
            assert refusal.message == THROTTLED_MESSAGE
        else:
            count += 1
    return count


def test_an_account_is_refused_past_its_quota_until_the_next_window(
    store: Store, clock: Clock
) -> None:
    server = throttle(store, clock)
    assert admitted(server, 5) == 3
    assert admitted(server, 1, OTHER_ACCOUNT) == 1  # each account has its own quota
    clock.now += 0.999
    assert admitted(server, 1) == 0
    clock.now += 0.001
    assert admitted(server, 4) == 3
    assert server.refused() == {"AssumeRole": 4}


def test_actions_without_a_quota_and_other_products_pass(clock: Clock) -> None:
    server = Throttle(
        (RequestQuota("AssumeRole", 3, 1),), UnreachableStore(), now=clock, merge_interval=None
    )
    for _ in range(10):
        server.admit(ACCOUNT, "Sts", "GetCallerIdentity")
        server.admit(ACCOUNT, "Ram", "AssumeRole")
    assert server.refused() == {}


def test_two_servers_on_one_database_share_the_quota_once_they_have_merged(
    store: Store, clock: Clock
) -> None:
    first = throttle(store, clock, RequestQuota("AssumeRole", 10, 60))
    second = throttle(store, clock, RequestQuota("AssumeRole", 10, 60))
    assert admitted(first, 6) == 6
    first.merge()
    second.merge()  # it has seen no call yet: nothing to learn about
    assert admitted(second, 2) == 2  # before its merge it knows only its own
    second.merge()
    assert admitted(second, 5) == 2  # 6 + 2 known, 2 left
    second.merge()
    first.merge()
    assert admitted(first, 3) == 0
    clock.now += 60
    assert admitted(first, 1) == 1


def test_the_overshoot_is_at_most_what_the_others_admit_between_merges(
    store: Store, clock: Clock
) -> None:
    servers = [throttle(store, clock, RequestQuota("AssumeRole", 20, 1)) for _ in range(3)]
    total = 0
    for _ in range(10):  # ten merge intervals in one window, each server called 3 times in each
        for server in servers:
            total += admitted(server, 3)
        for server in servers:
            server.merge()
    # Each merge interval, the two others admit at most 3 each before this one learns of it.
    assert 20 <= total <= 20 + 2 * 3 * 2


def test_a_server_whose_window_the_store_has_passed_follows_the_store(
    store: Store, clock: Clock
) -> None:
    behind = Clock()
    late = throttle(store, behind, RequestQuota("AssumeRole", 2, 1))
    ahead = throttle(store, clock, RequestQuota("AssumeRole", 2, 1))
    assert admitted(late, 1) == 1
    clock.now += 1
    assert admitted(ahead, 2) == 2
    ahead.merge()
    late.merge()  # its window is over in the store: it takes the store's
    assert admitted(late, 1) == 0


class UnreachableStore:
    def __init__(self) -> None:
        self.reachable = False
        self.added: list[tuple[str, int, int]] = []

    def add_request_counts(
        self, counts: Sequence[tuple[str, int, int]]
    ) -> dict[str, tuple[int, int]]:
        if not self.reachable:
            raise ConnectionError("the database is down")
        self.added.extend(counts)
        return {key: (window, calls) for key, window, calls in counts}


def test_without_the_store_a_server_counts_alone_and_merges_later(clock: Clock) -> None:
    counts = UnreachableStore()
    server = Throttle((RequestQuota("AssumeRole", 3, 1),), counts, now=clock, merge_interval=None)
    assert admitted(server, 2) == 2
    server.merge()
    assert admitted(server, 2) == 1  # still counted
    counts.reachable = True
    server.merge()
    assert counts.added == [(f"AssumeRole/{ACCOUNT}", int(START), 3)]


def test_the_merging_thread_starts_with_traffic_and_stops_when_closed(
    store: Store, clock: Clock
) -> None:
    server = Throttle((RequestQuota("AssumeRole", 3, 60),), store, now=clock, merge_interval=0.01)
    assert admitted(server, 2) == 2
    server.close()  # merges what is left
    assert store.add_request_counts([(f"AssumeRole/{ACCOUNT}", int(START), 0)]) == {
        f"AssumeRole/{ACCOUNT}": (int(START), 2)
    }


def test_the_store_starts_a_newer_window_afresh_and_ignores_an_older_one(store: Store) -> None:
    key = f"AssumeRole/{ACCOUNT}"
    assert store.add_request_counts([(key, 60, 4)]) == {key: (60, 4)}
    assert store.add_request_counts([(key, 60, 3)]) == {key: (60, 7)}
    assert store.add_request_counts([(key, 0, 5)]) == {key: (60, 7)}
    assert store.add_request_counts([(key, 120, 1), ("GetCallerIdentity/1", 120, 2)]) == {
        key: (120, 1),
        "GetCallerIdentity/1": (120, 2),
    }
    assert store.add_request_counts([]) == {}
