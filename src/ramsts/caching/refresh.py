"""Reloading cache entries in use before they expire.

Services keep what they read from the store — a key and its secret, a role, a principal's
policies — for at most a second, so that a change made by any process applies everywhere within
that second (at once on PostgreSQL, see :mod:`ramsts.caching`). Left to expire, an entry in
steady use is read again by the requests that arrive first after its second is up: on an event
loop each of them goes to a worker thread to do so (:func:`ramsts.loop_work.off_loop`), and a
burst of such threads competes with the loop for the GIL. With a :class:`RefreshAhead`, an entry
used after half its age limit (:data:`REFRESH_AT`) is reloaded by one background thread while
requests go on using it; under steady traffic no request waits for the database, and no entry is
ever used older than its limit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, ThreadPoolExecutor

REFRESH_AT = 0.5
"""Fraction of an entry's age limit after which a use of it triggers a reload."""

REFRESH_THREADS = 2

_logger = logging.getLogger("ramsts.cache")

_refreshing = ThreadPoolExecutor(max_workers=REFRESH_THREADS, thread_name_prefix="ramsts-refresh")


class RefreshAhead:
    """Runs reloads in the background, one at a time per entry. Thread-safe; share one per
    process."""

    def __init__(self, executor: Executor = _refreshing) -> None:
        self._executor = executor
        self._pending: set[Hashable] = set()
        self._lock = threading.Lock()

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
