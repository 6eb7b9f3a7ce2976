"""One cache: bounded by size and by age, counted, invalidated by key or by account.

Keys are what requests name — a role in a RoleArn, an AccessKeyId — which a caller chooses
freely, so past its ``limit`` storing an entry forgets the one stored longest ago: no stream of
made-up names can grow memory. Answers that something does not exist (``is_absent``) are kept
apart, at most ``absent_limit`` of them, so that such a stream cannot push the entries in use
out either (which would send their callers to the database).

Entries are ordered by when they were last stored, not last read: an entry in use is stored
again at each reload (at least once per age limit), so it stays among the newest, while a key
asked for once drifts to the oldest end and goes first. Reads take no lock (an OrderedDict read
is atomic under the GIL, and reads are the hot path); writes, which follow a load from the
store, take one, so that evicting never races another write.

A load runs off the event loop (:func:`ramsts.loop_work.off_loop`): in loop work, the lookup that
misses waits for it in a worker thread while the loop serves other requests, and goes on with
the value; anywhere else it loads where it is. A cache of what is computed rather than read
(a policy parsed from its text) is made ``fills_in_place`` and loads where it is looked up.

A load that began before an invalidation is not stored when it ends (it may have read what the
invalidation announced was changed): each discard, invalidation or clear counts one more
*invalidation*, and a load stores its value only if the count is what it was when the load
began. The next lookup loads again.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import Generic, TypeVar

from ramsts.caching.refresh import RefreshAhead
from ramsts.loop_work import off_loop

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Scope = Callable[[K, V], "str | None"]
"""The account an entry belongs to (``None``: none), for :meth:`Cache.invalidate`."""


class Cache(Generic[K, V]):
    """At most ``limit`` entries (and ``absent_limit`` absent ones), each used for at most
    ``max_age`` seconds. Thread-safe."""

    __slots__ = (
        "__weakref__",
        "_absent",
        "_counts_lock",
        "_entries",
        "_fills_in_place",
        "_invalidations",
        "_is_absent",
        "_lock",
        "_monotonic",
        "_refresh",
        "_scope",
        "absent_limit",
        "hits",
        "limit",
        "max_age",
        "misses",
        "name",
    )

    def __init__(
        self,
        name: str,
        *,
        limit: int,
        max_age: float,
        absent_limit: int = 0,
        is_absent: Callable[[V], bool] | None = None,
        scope: Scope[K, V] | None = None,
        refresh: RefreshAhead | None = None,
        fills_in_place: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``scope`` names the account of an entry (none: :meth:`invalidate` keeps it);
        ``refresh`` reloads entries in use past :data:`~ramsts.caching.REFRESH_AT` of their
        age; ``is_absent`` tells the entries kept apart, under ``absent_limit`` (0: not kept);
        ``fills_in_place``: its loads never block (they compute, read nothing), so they run
        where the lookup is, on the loop too."""
        if limit < 1 or absent_limit < 0:
            raise ValueError(f"the {name} cache holds at least one entry, not {limit}")
        if not 0 <= max_age < math.inf:
            raise ValueError(f"the {name} cache's entries need an age limit, not {max_age}")
        self.name = name
        self.limit = limit
        self.absent_limit = absent_limit
        self.max_age = max_age
        self.hits = 0
        self.misses = 0
        self._is_absent = is_absent
        self._scope = scope
        self._refresh = refresh
        self._fills_in_place = fills_in_place
        self._monotonic = monotonic
        # (stored at, value): a tuple reads faster than an object on the hot path.
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._absent: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._invalidations = 0
        self._lock = threading.Lock()
        self._counts_lock = threading.Lock()  # lookups run on the loop and in worker threads

    def get(self, key: K, load: Callable[[K], V]) -> V:
        """The entry of ``key`` while it is younger than ``max_age``, else ``load(key)``, stored
        (loaded off the event loop unless ``fills_in_place``: see the module's docstring).

        A lookup is counted a hit or a miss once it has its value: a load that fails is not
        counted."""
        entry = self._entries.get(key)
        if entry is None and self.absent_limit:
            entry = self._absent.get(key)
        if entry is not None:
            age = self._monotonic() - entry[0]
            if age < self.max_age:
                with self._counts_lock:
                    self.hits += 1
                refresh = self._refresh
                if refresh is not None and refresh.due(age, self.max_age):
                    refresh.reload((self, key), partial(self.load, key, load))
                return entry[1]
        value = self.load(key, load) if self._fills_in_place else off_loop(self.load, key, load)
        with self._counts_lock:
            self.misses += 1
        return value

    def load(self, key: K, load: Callable[[K], V]) -> V:
        """``load(key)``, stored unless an invalidation happened meanwhile."""
        invalidations = self._invalidations
        began = self._monotonic()
        value = load(key)
        self._store(key, value, began, invalidations)
        return value

    def peek(self, key: K) -> V | None:
        """The entry of ``key`` if there is one younger than ``max_age``; nothing is loaded or
        counted."""
        entry = self._entries.get(key)
        if entry is None and self.absent_limit:
            entry = self._absent.get(key)
        if entry is None or self._monotonic() - entry[0] >= self.max_age:
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        """Store ``value`` as the newest entry, forgetting the oldest ones past the limit."""
        self._store(key, value, self._monotonic(), None)

    def discard(self, key: K) -> None:
        """Forget ``key``'s entry: this process changed what it holds."""
        with self._lock:
            self._invalidations += 1
            self._entries.pop(key, None)
            self._absent.pop(key, None)

    def invalidate(self, account_id: str) -> None:
        """Forget every entry of ``account_id`` (by its ``scope``); a cache without one keeps
        them all."""
        scope = self._scope
        if scope is None:
            return
        with self._lock:
            self._invalidations += 1
            for entries in (self._entries, self._absent):
                for key in [
                    key for key, (_, value) in entries.items() if scope(key, value) == account_id
                ]:
                    del entries[key]

    def clear(self) -> None:
        """Forget every entry (notifications of changes may have been missed)."""
        with self._lock:
            self._invalidations += 1
            self._entries.clear()
            self._absent.clear()

    @property
    def scoped(self) -> bool:
        """Whether its entries belong to accounts (it was given a ``scope``)."""
        return self._scope is not None

    def __len__(self) -> int:
        return len(self._entries)

    def absent_count(self) -> int:
        """How many absent entries it holds now (at most ``absent_limit``)."""
        return len(self._absent)

    def _store(self, key: K, value: V, stored_at: float, invalidations: int | None) -> None:
        absent = self._is_absent is not None and self._is_absent(value)
        if absent and not self.absent_limit:
            return
        entries, other, limit = (
            (self._absent, self._entries, self.absent_limit)
            if absent
            else (self._entries, self._absent, self.limit)
        )
        with self._lock:
            if invalidations is not None and invalidations != self._invalidations:
                return
            other.pop(key, None)
            entries[key] = (stored_at, value)
            entries.move_to_end(key)
            while len(entries) > limit:
                entries.popitem(last=False)
