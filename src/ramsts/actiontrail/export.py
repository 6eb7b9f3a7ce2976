"""The trail exported for log shippers: every event's document, in the order the trail stored
them (``ramsts events export``), and, when following, each new one as it is written.

Following polls the store by ``seq``, the trail's order, which never goes back: an event
written late (the recorder batches) is still after every event already exported, whatever its
time says.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ramsts.store import AuditEvent, Store

EXPORT_BATCH = 500
"""Events read per query."""
FOLLOW_INTERVAL = 1.0
"""Seconds between two polls of a follower that has seen everything."""


@dataclass(frozen=True, slots=True)
class ExportRange:
    """Which events: of one account or all, within a time range (either end open)."""

    account_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def exported_events(
    store: Store,
    selection: ExportRange,
    *,
    follow_until: threading.Event | None = None,
    interval: float = FOLLOW_INTERVAL,
    batch: int = EXPORT_BATCH,
) -> Iterator[AuditEvent]:
    """The selected events in the trail's order: up to the last one stored; or, given
    ``follow_until``, on and on as new ones are written, until that event is set (a signal
    asked the follower to stop)."""
    seq = 0
    while True:
        with store.read() as tx:
            found = tx.audit_events.after(
                seq,
                limit=batch,
                account_id=selection.account_id,
                since=selection.since,
                until=selection.until,
            )
        yield from found
        if found:
            seq = found[-1].position().seq
        if len(found) == batch:
            continue
        if follow_until is None or follow_until.wait(interval):
            return
