"""The throttle: fixed windows per (action, account), counted locally, merged through the store.

Each quota (``AssumeRole=100/s``) divides time into windows of its period, aligned on the epoch,
so that every server numbers them alike. A request is admitted while the calls its account is
known to have made in the current window stay below the limit, and refused with
``Throttling.User`` once they reach it; only admitted calls count.

What a server knows of the others is what the store told it at its last merge: every
:data:`MERGE_INTERVAL` seconds while it has traffic, a thread of its own adds the calls it
admitted since (one upsert for every key it saw, :meth:`ramsts.store.Store.add_request_counts`)
and reads back each key's total over all servers; for a second after its last call in a window
it goes on merging (adding nothing) to keep up with the others, then writes nothing until its
next call. The request path never waits for the database: it compares and increments a number
in memory, a microsecond.

The bound: a server learns of another's calls at most two merge intervals after they were made
(the other's merge, then its own). So in one window, the calls admitted across ``N`` servers
sharing a database are at most the limit, plus what the other ``N - 1`` servers admit within two
merge intervals (0.2 s) before each one's count catches up, and never more than ``N`` times the
limit (each server alone stops at the limit). With traffic spread evenly, that is at most
``(N - 1) * rate * 0.2 s`` over the limit; on one server (worker processes of one node
included: each is a server here) there is no overshoot from the ones it does not see at all.
As with any fixed window, a burst at the end of one window and the start of the next can admit
twice the limit in one period's time. Servers must agree on the time (NTP): a server whose
clock is ahead starts windows early, for everyone.

If the store cannot be reached, each server goes on counting alone (it admits what its own
count allows) and merges the calls it kept once the store is back: throttling never turns a
database outage into refused requests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ramsts.errors import ServiceError
from ramsts.request_quotas import THROTTLED_PRODUCT, RequestQuota

MERGE_INTERVAL = 0.1
"""Seconds between two merges of a server's counts with the store, while it has traffic."""

FOLLOW_UP_MERGES = 10
"""Merges a window still takes part in after this server's last call in it (adding nothing,
learning the others' count): for a second after its traffic, a server keeps up with the others;
an idle one writes nothing."""

THROTTLED_CODE = "Throttling.User"
THROTTLED_MESSAGE = "Request was denied due to user flow control."

_logger = logging.getLogger("ramsts.throttling")


class RequestCountStore(Protocol):
    """Where the counts of every server meet (:class:`ramsts.store.Store`)."""

    def add_request_counts(
        self, counts: Sequence[tuple[str, int, int]]
    ) -> dict[str, tuple[int, int]]: ...


@dataclass(slots=True)
class _Window:
    """One (action, account)'s current window, as this server knows it."""

    quota: RequestQuota
    start: int
    """Seconds since the epoch."""
    known: int = 0
    """Calls of every server in this window, as of the last merge (this server's included)."""
    unmerged: int = 0
    """Calls this server admitted since, not yet added to the store."""
    merging: int = 0
    """Calls being added to the store by the merge under way."""
    idle_merges: int = 0
    """Merges since this server's last call in this window."""

    @property
    def counted(self) -> int:
        return self.known + self.merging + self.unmerged


class Throttle:
    """Admits or refuses each call of a throttled action. Thread-safe; one per process
    (:meth:`close` it)."""

    def __init__(
        self,
        quotas: Iterable[RequestQuota],
        store: RequestCountStore,
        *,
        now: Callable[[], float] = time.time,
        merge_interval: float | None = MERGE_INTERVAL,
    ) -> None:
        """``now`` is the wall clock, seconds since the epoch (shared by all servers);
        ``merge_interval`` ``None`` merges only when :meth:`merge` is called (tests)."""
        self._quotas = {(THROTTLED_PRODUCT, quota.action): quota for quota in quotas}
        self._store = store
        self._now = now
        self._interval = merge_interval
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._merging = threading.Lock()  # one merge at a time: the thread's, or close()'s
        self._refused: dict[str, int] = {}
        self._traffic = threading.Event()
        self._closing = False
        self._merger: threading.Thread | None = None

    def admit(self, account_id: str, product: str, action: str) -> None:
        """Count one call of ``action`` by ``account_id``, or raise ``Throttling.User`` if its
        quota is used up in the current window. Actions without a quota pass untouched."""
        quota = self._quotas.get((product, action))
        if quota is None:
            return
        key = f"{action}/{account_id}"
        start = int(self._now()) // quota.period * quota.period
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.start < start:
                window = self._windows[key] = _Window(quota, start)
            if window.counted >= quota.limit:
                self._refused[action] = self._refused.get(action, 0) + 1
                raise ServiceError(THROTTLED_CODE, THROTTLED_MESSAGE)
            window.unmerged += 1
            window.idle_merges = 0
        if not self._traffic.is_set():
            self._wake_merger()

    def refused(self) -> dict[str, int]:
        """Calls refused so far, by action."""
        with self._lock:
            return dict(self._refused)

    def merge(self) -> None:
        """Add this server's unmerged calls to the store and learn every server's totals; forget
        the windows that have ended."""
        with self._merging:
            self._merge(int(self._now()))

    def _merge(self, now: int) -> None:
        with self._lock:
            for key, window in list(self._windows.items()):
                if window.start + window.quota.period <= now and not window.unmerged:
                    del self._windows[key]
            sending = []
            for key, window in self._windows.items():
                if window.unmerged or window.idle_merges < FOLLOW_UP_MERGES:
                    sending.append((key, window.start, window.unmerged))
                    window.merging, window.unmerged = window.unmerged, 0
                    window.idle_merges += 1
        if not sending:
            return
        try:
            totals = self._store.add_request_counts(sending)
        except Exception as error:
            _logger.warning("merging request counts failed, counting alone meanwhile: %s", error)
            totals = {}
        with self._lock:
            for key, start, _ in sending:
                merged = self._windows.get(key)
                if merged is None or merged.start != start:
                    continue
                window = merged
                total = totals.get(key)
                if total is None:  # not merged: kept for the next merge
                    window.unmerged += window.merging
                elif total[0] <= start:  # an older window in the store was started afresh
                    window.known = total[1]
                else:  # another server's clock is in a later window already: follow it
                    window.start, window.known = total
                window.merging = 0

    def _wake_merger(self) -> None:
        if self._interval is None:
            return
        with self._lock:
            if self._merger is None and not self._closing:
                self._merger = threading.Thread(
                    target=self._merge_while_busy, name="ramsts-throttle", daemon=True
                )
                self._merger.start()
        self._traffic.set()

    def _merge_while_busy(self) -> None:
        """Merge every interval while a window has calls to add or to follow up; then wait
        for traffic."""
        interval = self._interval or MERGE_INTERVAL
        while not self._closing:
            self._traffic.wait()
            time.sleep(interval)
            try:
                self.merge()
            except Exception:  # a bug: say so, and go on counting
                _logger.exception("merging request counts failed")
            with self._lock:
                if not any(
                    window.unmerged or window.idle_merges < FOLLOW_UP_MERGES
                    for window in self._windows.values()
                ):
                    self._traffic.clear()

    def close(self) -> None:
        """Merge what is left and stop the merging thread."""
        with self._lock:
            self._closing = True
            merger = self._merger
        self._traffic.set()
        if merger is not None:
            merger.join(1.0)
        self.merge()
