"""A server's retention of the audit trail (``TrailRetention``): events older than the
retention are purged when it starts and at every interval after, and a purge that fails is
tried again at the next one, the thread going on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.actiontrail import retention
from ramsts.actiontrail.retention import TrailRetention
from ramsts.store import Store
from trail_events import trail_event

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
KEPT = timedelta(days=90)


def _names(store: Store) -> list[str]:
    with store.read() as tx:
        return sorted(event.event_name for event in tx.audit_events.after(0, limit=100))


def _eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_events_older_than_the_retention_go_when_the_server_starts(store: Store) -> None:
    with store.transaction() as tx:
        tx.audit_events.add(
            [
                trail_event("CreateUser", at=NOW - KEPT - timedelta(hours=1)),
                trail_event("GetUser", at=NOW - KEPT + timedelta(hours=1)),
            ]
        )
    kept = TrailRetention(store, KEPT, clock=lambda: NOW)
    try:
        assert _eventually(lambda: _names(store) == ["GetUser"])
    finally:
        kept.close()


def test_a_purge_that_fails_unexpectedly_is_tried_again_at_the_next_interval(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as tx:
        tx.audit_events.add([trail_event("CreateUser", at=NOW - KEPT - timedelta(days=1))])
    purge = retention.purge_expired
    attempts: list[int] = []

    def failing_once(*args: object, **kwargs: object) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the database's one connection is busy elsewhere")
        return purge(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retention, "purge_expired", failing_once)
    kept = TrailRetention(store, KEPT, clock=lambda: NOW, interval=0.05)
    try:
        assert _eventually(lambda: _names(store) == [])
    finally:
        kept.close()
    assert len(attempts) >= 2
