"""The caches services keep of what they read from the store: bounded in size, reloaded in the
background before they expire.

Services keep what they read from the store — a key and its secret, a role, a principal's
policies — for at most a second, so that a change made by any process applies everywhere within
that second. Left to expire, an entry in steady use is read again by the requests that arrive
first after its second is up: on an event loop each of them goes to a worker thread to do so
(:mod:`ramsts.store.cache_first`), and a burst of such threads competes with the loop for the
GIL. With a :class:`RefreshAhead`, an entry used after half its age limit (:data:`REFRESH_AT`) is
reloaded by one background thread while requests go on using it; under steady traffic no request
waits for the database, and no entry is ever used older than its limit.

The same object counts each cache's hits and misses, by the cache's name, for the metrics
(:meth:`RefreshAhead.hits`, :meth:`RefreshAhead.misses`): plain integers under a lock, a
fraction of a microsecond a lookup.

Those caches are keyed by what requests name — a role in a RoleArn, an AccessKeyId — which a
caller chooses freely, so each is a :class:`BoundedCache`: past its limit, storing an entry
forgets the one stored longest ago, and no stream of made-up names can grow memory.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import Generic, TypeVar

REFRESH_AT = 0.5
"""Fraction of an entry's age limit after which a use of it triggers a reload."""

REFRESH_THREADS = 2

_logger = logging.getLogger("ramsts.cache")

_T = TypeVar("_T")
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

_refreshing = ThreadPoolExecutor(max_workers=REFRESH_THREADS, thread_name_prefix="ramsts-refresh")


class BoundedCache(Generic[_K, _V]):
    """At most ``limit`` entries; storing one more forgets the one stored longest ago.

    Entries are ordered by when they were last stored, not last read: an entry in use is stored
    again at each reload (at least once per age limit), so it stays among the newest, while a key
    asked for once drifts to the oldest end and goes first. Reads take no lock (an OrderedDict
    read is atomic under the GIL, and reads are the hot path); writes, which follow a load from
    the store, take one, so that evicting never races another write. Thread-safe.
    """

    __slots__ = ("_entries", "_lock", "limit")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a cache holds at least one entry, not {limit}")
        self.limit = limit
        self._entries: OrderedDict[_K, _V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _K) -> _V | None:
        return self._entries.get(key)

    def put(self, key: _K, value: _V) -> None:
        """Store ``value`` as the newest entry, forgetting the oldest ones past the limit."""
        with self._lock:
            entries = self._entries
            entries[key] = value
            entries.move_to_end(key)
            while len(entries) > self.limit:
                entries.popitem(last=False)

    def discard(self, key: _K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


class RefreshAhead:
    """Runs reloads in the background, one at a time per entry, and counts each cache's hits
    and misses. Thread-safe; share one per process."""

    def __init__(self, executor: Executor = _refreshing) -> None:
        self._executor = executor
        self._pending: set[Hashable] = set()
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        self._misses: dict[str, int] = {}
        self._counts_lock = threading.Lock()  # lookups run on the loop and in worker threads

    def count_hit(self, cache: str) -> None:
        with self._counts_lock:
            self._hits[cache] = self._hits.get(cache, 0) + 1

    def count_miss(self, cache: str) -> None:
        with self._counts_lock:
            self._misses[cache] = self._misses.get(cache, 0) + 1

    def hits(self) -> dict[str, int]:
        """Lookups answered from each cache so far, by cache name."""
        return dict(self._hits)

    def misses(self) -> dict[str, int]:
        """Lookups each cache had to load (absent or expired entries), by cache name."""
        return dict(self._misses)

    def due(self, age: float, limit: float) -> bool:
        """Whether an entry of ``age`` seconds, kept at most ``limit``, should be reloaded."""
        return age >= limit * REFRESH_AT

    def reload(self, entry: Hashable, load: Callable[[], object]) -> None:
        """Run ``load`` (which stores the fresh value itself) in the background, unless a reload
        of ``entry`` is already under way. A failed reload is logged and leaves the entry to
        expire: the request that then loads it meets the failure itself."""
        with self._lock:
            if entry in self._pending:
                return
            self._pending.add(entry)
        try:
            self._executor.submit(self._run, entry, load)
        except RuntimeError:  # the interpreter is shutting down
            self._done(entry)

    def _run(self, entry: Hashable, load: Callable[[], object]) -> None:
        try:
            load()
        except Exception:
            _logger.debug("reloading %r failed", entry, exc_info=True)
        finally:
            self._done(entry)

    def _done(self, entry: Hashable) -> None:
        with self._lock:
            self._pending.discard(entry)


def cached_or_loaded(
    cached: _T | None,
    age: float,
    limit: float,
    load: Callable[..., _T],
    *args: object,
    refresh: RefreshAhead | None,
    entry: Hashable,
    cache: str,
) -> _T:
    """``cached`` while it is younger than ``limit`` seconds, else ``load(*args)`` (which stores
    the fresh value itself). Past :data:`REFRESH_AT` of its limit, ``refresh`` (when given)
    reloads ``entry`` in the background, and counts the lookup as a hit or miss of ``cache``
    (a load that fails, or that must move to a thread, is counted where it ends)."""
    if cached is None or age >= limit:
        loaded = load(*args)
        if refresh is not None:
            refresh.count_miss(cache)
        return loaded
    if refresh is not None:
        refresh.count_hit(cache)
        if refresh.due(age, limit):
            refresh.reload(entry, partial(load, *args))
    return cached
