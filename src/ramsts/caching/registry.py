"""The caches of one process, registered where they are made, so that one call invalidates an
account in all of them and the metrics read all their counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ramsts.caching.cache import Cache, K, Scope, V
from ramsts.caching.refresh import RefreshAhead


class Caches:
    """Every :class:`Cache` a process's services made. Thread-safe; share one per process
    (a component given none makes its own, which only it invalidates)."""

    def __init__(
        self,
        refresh: RefreshAhead | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``refresh``: reload entries in use before they expire, in every cache made here that
        asks for it."""
        self.refresh = refresh
        self._monotonic = monotonic
        self._caches: list[Cache[Any, Any]] = []
        self._lock = threading.Lock()

    def cache(
        self,
        name: str,
        *,
        limit: int,
        max_age: float,
        absent_limit: int = 0,
        is_absent: Callable[[V], bool] | None = None,
        scope: Scope[K, V] | None = None,
        refreshed: bool = False,
        fills_in_place: bool = False,
        monotonic: Callable[[], float] | None = None,
    ) -> Cache[K, V]:
        """A new cache, registered here (see :class:`Cache` for the arguments); ``refreshed``:
        its entries in use are reloaded ahead, when this registry has a :class:`RefreshAhead`."""
        made: Cache[K, V] = Cache(
            name,
            limit=limit,
            max_age=max_age,
            absent_limit=absent_limit,
            is_absent=is_absent,
            scope=scope,
            refresh=self.refresh if refreshed else None,
            fills_in_place=fills_in_place,
            monotonic=monotonic or self._monotonic,
        )
        with self._lock:
            self._caches.append(made)
        return made

    def invalidate(self, account_id: str) -> None:
        """Forget every entry of ``account_id`` in every cache: a change to its principals,
        policies, keys or roles has committed (here, or in another process)."""
        for cache in self:
            cache.invalidate(account_id)

    def invalidate_all(self) -> None:
        """Forget every account's entries in every cache (those with a scope): changes may have
        been missed (the store's notifications were interrupted). Caches of what no account
        owns (an OIDC issuer's keys, a parsed policy version, which never changes) keep theirs."""
        for cache in self:
            if cache.scoped:
                cache.clear()

    def hits(self) -> dict[str, int]:
        """Lookups answered from each cache so far, by cache name."""
        return self._summed(lambda cache: cache.hits)

    def misses(self) -> dict[str, int]:
        """Lookups each cache had to load (absent or expired entries), by cache name."""
        return self._summed(lambda cache: cache.misses)

    def sizes(self) -> dict[str, int]:
        """Entries each cache holds now, absent ones included, by cache name."""
        return self._summed(lambda cache: len(cache) + cache.absent_count())

    def __iter__(self) -> Iterator[Cache[Any, Any]]:
        with self._lock:
            return iter(list(self._caches))

    def _summed(self, count: Callable[[Cache[Any, Any]], int]) -> dict[str, int]:
        # Two components of one name (tests build several) add up under it.
        totals: dict[str, int] = {}
        for cache in self:
            totals[cache.name] = totals.get(cache.name, 0) + count(cache)
        return totals
