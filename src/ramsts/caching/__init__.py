"""ramsts.caching — the one way ramsts keeps what it read from the store in memory.

Every cache of store data is a :class:`Cache` made by the process's :class:`Caches`::

    caches = Caches(RefreshAhead())                        # one per process (services.py)
    roles = caches.cache("roles", limit=10_000, max_age=1.0, scope=lambda key, _: key[0])
    role = roles.get(key, load)                            # fresh entry, or load(key) stored
    roles.discard(key)                                     # this process changed it
    caches.invalidate(account_id)                          # every cache's entries of an account

Each cache is bounded twice: by size (``limit`` entries, the oldest stored forgotten first; a
separate ``absent_limit`` for "there is no such thing" answers, so made-up names never push real
entries out) and by age (``max_age`` seconds, after which an entry is loaded again). Each counts
its hits and misses for the metrics, and with a :class:`RefreshAhead` reloads an entry in use in
the background before it is too old (:mod:`ramsts.caching.refresh`).

Invalidation: a change this process commits invalidates its account at once
(:meth:`Caches.invalidate`); a change another process commits reaches this one through the
store's notifications on PostgreSQL (:mod:`ramsts.store.invalidations`), or, on SQLite, when the
entry's age runs out. ``docs/architecture.md`` tells the whole story.

Pure memoisation (compiling a pattern, deflating bytes) is not store data: it may stay a
``functools.lru_cache`` with a ``maxsize``, its comment saying why (``tests/caching`` checks that
no unbounded cache is left in ``src/``).
"""

from ramsts.caching.cache import Cache
from ramsts.caching.refresh import REFRESH_AT, RefreshAhead
from ramsts.caching.registry import Caches

__all__ = ["REFRESH_AT", "Cache", "Caches", "RefreshAhead"]
