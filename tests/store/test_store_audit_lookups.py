"""The audit trail's lookups (``tx.audit_events``): LookupEvents' page of one account's events in
a time range that match its attributes, newest or oldest first, resumed after a position; the
export's reading in the trail's order; retention's purge in small batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ramsts.store import AuditEvent, EventLookup, EventPosition, Store
from trail_events import ACCOUNT, trail_event

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
OTHER = "6543210987654321"
DAY = timedelta(days=1)


def event(name: str = "CreateUser", *, at: datetime = NOW, **fields: Any) -> AuditEvent:
    return trail_event(name, at=at, **fields)


def stored(store: Store, *events: AuditEvent) -> list[AuditEvent]:
    with store.transaction() as tx:
        tx.audit_events.add(list(events))
    return list(events)


def lookup(store: Store, **given: object) -> list[str]:
    """The event ids of the page ``given`` asks for (by default: the whole of the day)."""
    query = EventLookup(account_id=ACCOUNT, start=NOW - DAY, end=NOW + DAY)
    with store.read() as tx:
        return [e.event_id for e in tx.audit_events.lookup(replace(query, **given))]  # type: ignore[arg-type]


def ids(*events: AuditEvent) -> list[str]:
    return [e.event_id for e in events]


def test_a_lookup_is_newest_first_by_default_and_oldest_first_forward(store: Store) -> None:
    first, second, third = stored(
        store, event(at=NOW - timedelta(hours=2)), event(at=NOW), event(at=NOW - timedelta(hours=1))
    )
    assert lookup(store) == ids(second, third, first)
    assert lookup(store, newest_first=False) == ids(first, third, second)


def test_the_time_range_includes_both_ends(store: Store) -> None:
    before, start, end, after = stored(
        store,
        event(at=NOW - 2 * DAY),
        event(at=NOW - DAY),
        event(at=NOW + DAY),
        event(at=NOW + 2 * DAY),
    )
    assert lookup(store) == ids(end, start)
    assert before.event_id not in lookup(store) and after.event_id not in lookup(store)


def test_another_accounts_events_are_never_found(store: Store) -> None:
    mine, _ = stored(store, event(), event(account_id=OTHER))
    assert lookup(store) == ids(mine)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("EventName", "DeleteUser"),
        ("User", "bob"),
        ("EventAccessKeyId", "LTAI5tBobKey"),
        ("EventRW", "Read"),
        ("ResourceName", "carol"),
        ("ResourceType", "ACS::RAM::Role"),
    ],
)
def test_each_attribute_finds_exactly_its_events(store: Store, key: str, value: str) -> None:
    _, wanted = stored(
        store,
        event("CreateUser", resources=(("ACS::RAM::User", "dave"),)),
        event(
            "DeleteUser",
            user="bob",
            key="LTAI5tBobKey",
            rw="Read",
            resources=(("ACS::RAM::Role", "carol"),),
        ),
    )
    assert lookup(store, attributes={key: value}) == ids(wanted)


def test_an_event_id_and_a_service_name_find_their_events(store: Store) -> None:
    one, _ = stored(store, event(), event())
    assert lookup(store, attributes={"EventId": one.event_id}) == ids(one)
    assert len(lookup(store, attributes={"ServiceName": "Ram"})) == 2
    assert lookup(store, attributes={"ServiceName": "Sts"}) == []


def test_two_attributes_must_both_match(store: Store) -> None:
    _, both, _ = stored(
        store, event("CreateUser", user="bob"), event("DeleteUser", user="bob"), event("DeleteUser")
    )
    assert lookup(store, attributes={"EventName": "DeleteUser", "User": "bob"}) == ids(both)


def test_a_resource_of_another_account_with_the_same_name_is_not_found(store: Store) -> None:
    stored(store, event(account_id=OTHER, resources=(("ACS::RAM::User", "alice"),)))
    assert lookup(store, attributes={"ResourceName": "alice"}) == []


@pytest.mark.parametrize("newest_first", [True, False])
def test_pages_resume_after_their_position_without_loss_or_repeat(
    store: Store, newest_first: bool
) -> None:
    # Two events share each instant: the position's seq tells them apart.
    events = stored(store, *(event(at=NOW + timedelta(seconds=i // 2)) for i in range(7)))
    seen: list[str] = []
    after: EventPosition | None = None
    while True:
        with store.read() as tx:
            page = tx.audit_events.lookup(
                EventLookup(
                    account_id=ACCOUNT,
                    start=NOW - DAY,
                    end=NOW + DAY,
                    after=after,
                    limit=3,
                    newest_first=newest_first,
                )
            )
        seen += [e.event_id for e in page]
        if len(page) < 3:
            break
        last = page[-1]
        assert last.seq is not None
        after = EventPosition(last.event_time, last.seq)
    expected = ids(*events)
    assert seen == (expected[::-1] if newest_first else expected)


def test_a_found_event_carries_its_document_and_seq(store: Store) -> None:
    [added] = stored(store, event())
    with store.read() as tx:
        [found] = tx.audit_events.lookup(EventLookup(ACCOUNT, NOW - DAY, NOW + DAY))
    assert found.document == added.document
    assert found.seq is not None
    assert (found.event_name, found.user_name) == ("CreateUser", "alice")


def test_the_export_reads_in_the_trails_order_after_a_seq(store: Store) -> None:
    # Stored order, not time order: what a follower has not yet seen is what came after.
    late, early, other = stored(
        store, event(at=NOW + DAY), event(at=NOW - DAY), event(account_id=OTHER)
    )
    with store.read() as tx:
        everything = tx.audit_events.after(0, limit=10)
        assert [e.event_id for e in everything] == ids(late, early, other)
        first_seq = everything[0].seq
        assert first_seq is not None
        rest = tx.audit_events.after(first_seq, limit=10)
        assert [e.event_id for e in rest] == ids(early, other)
        assert [e.event_id for e in tx.audit_events.after(0, limit=10, account_id=OTHER)] == ids(
            other
        )
        assert [e.event_id for e in tx.audit_events.after(0, limit=10, since=NOW)] == ids(
            late, other
        )
        assert [e.event_id for e in tx.audit_events.after(0, limit=10, until=NOW)] == ids(
            early, other
        )
        assert len(tx.audit_events.after(0, limit=2)) == 2


def test_retention_purges_the_oldest_in_batches_of_the_size_asked(store: Store) -> None:
    old = [event(at=NOW - 100 * DAY, resources=(("ACS::RAM::User", "u"),)) for _ in range(5)]
    kept = event(at=NOW)
    stored(store, *old, kept)
    cutoff = NOW - 90 * DAY
    with store.transaction() as tx:
        assert tx.audit_events.purge_batch_before(cutoff, limit=2) == 2
    with store.transaction() as tx:
        assert tx.audit_events.purge_batch_before(cutoff, limit=2) == 2
        assert tx.audit_events.purge_batch_before(cutoff, limit=2) == 1
        assert tx.audit_events.purge_batch_before(cutoff, limit=2) == 0
    assert lookup(store, start=NOW - 200 * DAY) == ids(kept)
    assert lookup(store, start=NOW - 200 * DAY, attributes={"ResourceName": "u"}) == []
