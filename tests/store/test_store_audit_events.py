"""The audit trail's repository (``tx.audit_events``): events added in batches with the
resources they name, in the order added; purged by age, their resources with them.

The lookups LookupEvents needs are tested with them; here the rows are read back directly.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from audit_trail import trail_resources, trail_rows
from ramsts.store import AuditEvent, Conflict, Store
from trail_events import ACCOUNT, trail_event

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def event(
    name: str = "CreateUser",
    *,
    at: datetime = NOW,
    resources: tuple[tuple[str, str], ...] = (),
    account_id: str = ACCOUNT,
) -> AuditEvent:
    return trail_event(
        name,
        at=at,
        resources=resources,
        account_id=account_id,
        document={"requestParameters": {"UserName": "bob"}},
    )


def test_events_added_together_are_stored_in_order_with_every_field(
    store: Store, db_url: str
) -> None:
    first, second = event("CreateUser"), event("GetUser", at=NOW + timedelta(seconds=1))
    with store.transaction() as tx:
        tx.audit_events.add([first, second])

    rows = trail_rows(db_url)
    assert [row["event_id"] for row in rows] == [first.event_id, second.event_id]
    assert rows[0]["seq"] < rows[1]["seq"]
    assert rows[0]["event_time"] == NOW
    assert rows[0]["event_name"] == "CreateUser"
    assert (rows[0]["user_name"], rows[0]["access_key_id"]) == ("alice", "LTAI5tAliceKey")
    assert rows[0]["error_code"] is None
    assert json.loads(rows[0]["document"]) == first.document


def test_the_document_keeps_its_keys_in_the_order_given(store: Store, db_url: str) -> None:
    added = replace(event(), document={"z": 1, "a": 2, "m": {"y": 1, "b": 2}})
    with store.transaction() as tx:
        tx.audit_events.add([added])
    assert trail_rows(db_url)[0]["document"] == '{"z":1,"a":2,"m":{"y":1,"b":2}}'


def test_each_resource_an_event_names_is_stored_against_that_event(
    store: Store, db_url: str
) -> None:
    named = event(resources=(("ACS::RAM::User", "bob"), ("ACS::RAM::Group", "devs")))
    other = event(resources=(("ACS::RAM::Role", "admin"),))
    with store.transaction() as tx:
        tx.audit_events.add([named, event(), other])
    assert trail_resources(db_url) == [
        (other.event_id, "ACS::RAM::Role", "admin"),
        (named.event_id, "ACS::RAM::User", "bob"),
        (named.event_id, "ACS::RAM::Group", "devs"),
    ]


def test_a_name_longer_than_its_column_is_stored_clipped_and_whole_in_the_document(
    store: Store, db_url: str
) -> None:
    long_name = "n" * 5000
    added = replace(
        event(resources=(("ACS::RAM::User", long_name),)),
        user_name=long_name,
        document={"requestParameters": {"UserName": long_name}},
    )
    with store.transaction() as tx:
        tx.audit_events.add([added])
    row = trail_rows(db_url)[0]
    assert long_name.startswith(row["user_name"])
    assert json.loads(row["document"])["requestParameters"]["UserName"] == long_name
    [(_, _, stored)] = trail_resources(db_url)
    assert long_name.startswith(stored)


def test_an_event_id_already_on_the_trail_is_refused_and_the_batch_with_it(
    store: Store, db_url: str
) -> None:
    kept = event()
    with store.transaction() as tx:
        tx.audit_events.add([kept])
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.audit_events.add([event(), kept])
    assert [row["event_id"] for row in trail_rows(db_url)] == [kept.event_id]


def test_adding_no_events_changes_nothing(store: Store, db_url: str) -> None:
    with store.transaction() as tx:
        tx.audit_events.add([])
    assert trail_rows(db_url) == []


def test_events_need_no_account_row(store: Store, db_url: str) -> None:
    # The trail outlives the account it records (its deletion is an event too).
    with store.transaction() as tx:
        tx.audit_events.add([event(account_id="9999999999999999")])
    assert len(trail_rows(db_url)) == 1


def test_purging_deletes_the_events_older_than_the_cutoff_with_their_resources(
    store: Store, db_url: str
) -> None:
    old = event(at=NOW - timedelta(days=91), resources=(("ACS::RAM::User", "old"),))
    edge = event(at=NOW - timedelta(days=90), resources=(("ACS::RAM::User", "edge"),))
    new = event(at=NOW, resources=(("ACS::RAM::User", "new"),))
    with store.transaction() as tx:
        tx.audit_events.add([old, edge, new])
        assert tx.audit_events.purge_before(NOW - timedelta(days=90)) == 1

    assert [row["event_id"] for row in trail_rows(db_url)] == [edge.event_id, new.event_id]
    assert [name for _, _, name in trail_resources(db_url)] == ["edge", "new"]


def test_a_purge_never_lets_a_later_event_reuse_a_position(store: Store, db_url: str) -> None:
    with store.transaction() as tx:
        tx.audit_events.add([event(at=NOW - timedelta(days=1)), event(at=NOW - timedelta(days=1))])
    last = trail_rows(db_url)[-1]["seq"]
    with store.transaction() as tx:
        tx.audit_events.purge_before(NOW)
        tx.audit_events.add([event()])
    assert trail_rows(db_url)[0]["seq"] > last
