"""How long the trail keeps its events: those older than the retention are purged, in small
batches (each its own short transaction, so that recording never waits long behind a purge),
when a server starts and every hour after (:class:`TrailRetention`), or when an operator asks
(``ramsts events purge``).

The real event history keeps 90 days; so does ramsts by default (``--audit-retention``).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from ramsts.store import Store, StoreError
from ramsts.types import Clock, system_clock

PURGE_BATCH = 500
"""Events deleted per transaction."""
PURGE_INTERVAL = 3600.0
"""Seconds between two purges of a running server."""

log = logging.getLogger("ramsts.actiontrail.retention")


def purge_expired(
    store: Store, retention: timedelta, *, clock: Clock = system_clock, batch: int = PURGE_BATCH
) -> int:
    """Delete every event older than ``retention``, ``batch`` at a time; how many went."""
    cutoff = clock() - retention
    purged = 0
    while True:
        with store.transaction() as tx:
            deleted = tx.audit_events.purge_batch_before(cutoff, limit=batch)
        purged += deleted
        if deleted < batch:
            return purged


class TrailRetention:
    """A server's background purge: once at start, then every :data:`PURGE_INTERVAL` seconds,
    until :meth:`close`. A purge that fails (the database away) is logged and tried again at the
    next interval; the events wait, nothing is lost."""

    def __init__(
        self,
        store: Store,
        retention: timedelta,
        *,
        clock: Clock = system_clock,
        interval: float = PURGE_INTERVAL,
    ) -> None:
        self._store = store
        self._retention = retention
        self._clock = clock
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="ramsts-trail-retention", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                purged = purge_expired(self._store, self._retention, clock=self._clock)
            except StoreError as exc:
                log.warning("audit trail retention: the purge failed: %s", exc)
            except Exception:
                # Housekeeping must outlive any one failure (an in-memory database's one
                # connection busy elsewhere, say): the events wait for the next interval.
                log.exception("audit trail retention: the purge failed")
            else:
                if purged:
                    log.info("audit trail retention: purged %d events", purged)
            self._stopped.wait(self._interval)

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5.0)
