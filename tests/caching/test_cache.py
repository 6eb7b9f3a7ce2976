"""A cache of store data: bounded by size (the newest ``limit`` stored are kept, absent answers
apart under their own limit) and by age (an entry too old is loaded again), counted, and
invalidated by key or by account — a load that began before an invalidation is not kept."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.caching import Cache, RefreshAhead


class Ticks:
    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


class RunAtOnce(Executor):
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def account_of(key: tuple[str, str], _: object) -> str:
    return key[0]


# An operation: store key with value, or (value None) discard key.
operations = st.lists(st.tuples(st.integers(0, 40), st.none() | st.integers()), max_size=200)


@given(limit=st.integers(1, 12), steps=operations)
def test_a_cache_keeps_the_newest_entries_stored_and_never_more_than_its_limit(
    limit: int, steps: list[tuple[int, int | None]]
) -> None:
    cache: Cache[int, int] = Cache("numbers", limit=limit, max_age=60.0, monotonic=Ticks())
    model: dict[int, int] = {}  # insertion-ordered: the reference, oldest stored first
    for key, value in steps:
        model.pop(key, None)
        if value is None:
            cache.discard(key)
        else:
            cache.put(key, value)
            model[key] = value
            while len(model) > limit:
                del model[next(iter(model))]
        assert len(cache) == len(model) <= limit

    for key in range(41):
        assert cache.peek(key) == model.get(key)


def test_absent_answers_are_kept_apart_and_never_push_out_the_entries_in_use() -> None:
    cache: Cache[str, str | None] = Cache(
        "roles", limit=2, max_age=60.0, absent_limit=3, is_absent=lambda v: v is None
    )
    cache.put("admin", "role-admin")
    cache.put("reader", "role-reader")
    for made_up in range(100):
        assert cache.get(f"ghost-{made_up}", lambda _: None) is None

    assert (len(cache), cache.absent_count()) == (2, 3)
    assert cache.peek("admin") == "role-admin"


def test_a_cache_without_an_absent_limit_keeps_no_absent_answer() -> None:
    cache: Cache[str, str | None] = Cache(
        "keys", limit=10, max_age=60.0, is_absent=lambda v: v is None
    )
    loads: list[str] = []

    def load(key: str) -> None:
        loads.append(key)

    cache.get("ghost", load)
    cache.get("ghost", load)

    assert loads == ["ghost", "ghost"]


def test_an_entry_older_than_its_age_limit_is_loaded_again_and_each_lookup_is_counted() -> None:
    ticks = Ticks()
    cache: Cache[str, int] = Cache("counted", limit=10, max_age=1.0, monotonic=ticks)
    loads = iter(range(100))

    first = cache.get("k", lambda _: next(loads))
    ticks.value += 0.99
    again = cache.get("k", lambda _: next(loads))
    ticks.value += 0.01
    reloaded = cache.get("k", lambda _: next(loads))

    assert (first, again, reloaded) == (0, 0, 1)
    assert (cache.hits, cache.misses) == (1, 2)


def test_an_entry_in_use_is_reloaded_ahead_past_half_its_age() -> None:
    ticks = Ticks()
    cache: Cache[str, int] = Cache(
        "ahead", limit=10, max_age=1.0, refresh=RefreshAhead(RunAtOnce()), monotonic=ticks
    )
    loads = iter(range(100))
    cache.get("k", lambda _: next(loads))

    ticks.value += 0.6
    served = cache.get("k", lambda _: next(loads))  # still the cached one, reloaded behind it
    ticks.value += 0.6

    assert served == 0
    assert cache.get("k", lambda _: next(loads)) == 1  # the reload's, younger than its limit


def test_invalidating_an_account_forgets_its_entries_and_only_them() -> None:
    cache: Cache[tuple[str, str], str] = Cache("scoped", limit=10, max_age=60.0, scope=account_of)
    cache.put(("acme", "alice"), "a")
    cache.put(("acme", "bob"), "b")
    cache.put(("globex", "carol"), "c")

    cache.invalidate("acme")

    assert [
        cache.peek(key) for key in [("acme", "alice"), ("acme", "bob"), ("globex", "carol")]
    ] == [
        None,
        None,
        "c",
    ]


def test_a_cache_without_a_scope_keeps_its_entries_when_an_account_is_invalidated() -> None:
    cache: Cache[str, str] = Cache("unscoped", limit=10, max_age=60.0)
    cache.put("pattern", "compiled")

    cache.invalidate("acme")

    assert cache.peek("pattern") == "compiled"


@pytest.mark.parametrize(
    "invalidate",
    [
        lambda cache: cache.invalidate("acme"),
        lambda cache: cache.discard(("acme", "alice")),
        lambda cache: cache.clear(),
    ],
    ids=["account", "key", "everything"],
)
def test_a_load_that_began_before_an_invalidation_is_not_kept(
    invalidate: Callable[[Cache[tuple[str, str], str]], None],
) -> None:
    cache: Cache[tuple[str, str], str] = Cache("raced", limit=10, max_age=60.0, scope=account_of)

    def stale_read(_: tuple[str, str]) -> str:
        invalidate(cache)  # the change commits while this read is under way
        return "read before the change"

    served = cache.get(("acme", "alice"), stale_read)

    assert served == "read before the change"
    assert cache.peek(("acme", "alice")) is None


def test_a_cache_needs_a_size_and_an_age_limit() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Cache[str, str]("empty", limit=0, max_age=1.0)
    with pytest.raises(ValueError, match="age limit"):
        Cache[str, str]("ageless", limit=10, max_age=float("inf"))
