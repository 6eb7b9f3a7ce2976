"""The sign-in repository (``tx.sign_ins``): failed sign-ins counted per name within a window,
taken back, cleared and purged by age; and, beside them, the lookup of spent sign-in tickets and
the forward-only MFA time step; and the sources each name signed in from.

Every process of a deployment opens its own store on one database, so what one records the
others must count: several tests use two stores on the same URL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, Store, open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
KEY = "a" * 64
OTHER = "b" * 64


@pytest.fixture
def second_store(db_url: str, store: Store) -> Iterator[Store]:
    """Another process's store on the same database."""
    opened = open_store(db_url)
    yield opened
    opened.dispose()


def record(store: Store, key: str, at: datetime) -> str:
    with store.transaction() as tx:
        return tx.sign_ins.record_failure(key, now=at)


def count(store: Store, key: str, since: datetime) -> int:
    with store.read() as tx:
        return tx.sign_ins.count_failures(key, since=since)


def test_failures_count_per_name_from_an_instant_on(store: Store) -> None:
    for minutes in (0, 10, 20):
        record(store, KEY, NOW + timedelta(minutes=minutes))
    record(store, OTHER, NOW)
    assert count(store, KEY, NOW) == 3
    assert count(store, KEY, NOW + timedelta(minutes=10)) == 2  # the instant itself counts
    assert count(store, KEY, NOW + timedelta(minutes=21)) == 0
    assert count(store, OTHER, NOW) == 1
    assert count(store, "c" * 64, NOW) == 0


def test_a_failure_taken_back_no_longer_counts_and_the_others_still_do(store: Store) -> None:
    record(store, KEY, NOW)
    pending = record(store, KEY, NOW)
    with store.transaction() as tx:
        assert tx.sign_ins.forget_failure(pending)
        assert not tx.sign_ins.forget_failure(pending)
    assert count(store, KEY, NOW) == 1


def test_clearing_a_name_forgets_its_failures_only(store: Store) -> None:
    for _ in range(3):
        record(store, KEY, NOW)
    record(store, OTHER, NOW)
    with store.transaction() as tx:
        assert tx.sign_ins.clear_failures(KEY) == 3
    assert (count(store, KEY, NOW), count(store, OTHER, NOW)) == (0, 1)


def test_purging_deletes_the_failures_older_than_the_instant_given(store: Store) -> None:
    record(store, KEY, NOW - timedelta(hours=2))
    record(store, OTHER, NOW - timedelta(minutes=61))
    record(store, KEY, NOW - timedelta(minutes=60))
    record(store, KEY, NOW)
    with store.transaction() as tx:
        assert tx.sign_ins.purge_failures(before=NOW - timedelta(minutes=60)) == 2
    assert count(store, KEY, NOW - timedelta(days=1)) == 2
    assert count(store, OTHER, NOW - timedelta(days=1)) == 0


def test_failures_recorded_at_once_by_two_stores_all_count(
    store: Store, second_store: Store
) -> None:
    per_thread = 5
    failures: list[BaseException] = []

    def record_some(target: Store) -> None:
        try:
            for _ in range(per_thread):
                record(target, KEY, NOW)
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=record_some, args=(s,)) for s in [store, second_store] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert count(store, KEY, NOW) == count(second_store, KEY, NOW) == per_thread * len(threads)


def test_a_ticket_spent_through_the_nonce_ledger_is_seen_spent_by_every_store(
    store: Store, second_store: Store
) -> None:
    key = "sign-in-ticket:abc"
    with second_store.read() as tx:
        assert not tx.sign_ins.is_spent(key)
    assert store.use_nonce(key, NOW + timedelta(minutes=5))
    with second_store.read() as tx:
        assert tx.sign_ins.is_spent(key)
        assert not tx.sign_ins.is_spent("sign-in-ticket:abd")
    assert not second_store.use_nonce(key, NOW + timedelta(minutes=5))


def test_an_mfa_step_is_used_once_and_only_forward_by_any_store(
    store: Store, second_store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        device = tx.mfa_devices.create(
            account.account_id, device_name="phone", sealed_seed="sealed", now=NOW
        )
    serial = device.serial_number

    def use(target: Store, step: int) -> bool:
        with target.transaction() as tx:
            return tx.sign_ins.use_mfa_step(serial, step)

    assert use(store, 100)
    assert not use(second_store, 100)
    assert not use(second_store, 99)
    assert use(second_store, 101)
    assert not use(store, 101)
    with store.transaction() as tx:
        assert not tx.sign_ins.use_mfa_step("acs:ram::1:mfa/none", 1)
        assert tx.mfa_devices.get(serial) == device  # the record is unchanged otherwise


# Successes: the sources a name signed in from, one row per source.


def succeed(store: Store, source: str, at: datetime) -> None:
    with store.transaction() as tx:
        tx.sign_ins.record_success(source, now=at)


def signed_in_since(store: Store, source: str, since: datetime) -> bool:
    with store.read() as tx:
        return tx.sign_ins.signed_in_since(source, since=since)


def test_a_source_signed_in_from_an_instant_on_and_another_store_sees_it(
    store: Store, second_store: Store
) -> None:
    succeed(store, KEY, NOW)
    assert signed_in_since(second_store, KEY, NOW)
    assert not signed_in_since(second_store, KEY, NOW + timedelta(seconds=1))
    assert not signed_in_since(second_store, OTHER, NOW - timedelta(days=1))


def test_a_source_keeps_one_row_however_often_it_signs_in(store: Store) -> None:
    for minutes in range(5):
        succeed(store, KEY, NOW + timedelta(minutes=minutes))
    with store.transaction() as tx:
        assert tx.sign_ins.purge_successes(before=NOW + timedelta(days=1)) == 1


def test_purging_deletes_the_successes_older_than_the_instant_given(store: Store) -> None:
    succeed(store, KEY, NOW - timedelta(days=31))
    succeed(store, OTHER, NOW)
    with store.transaction() as tx:
        assert tx.sign_ins.purge_successes(before=NOW - timedelta(days=30)) == 1
    assert not signed_in_since(store, KEY, NOW - timedelta(days=60))
    assert signed_in_since(store, OTHER, NOW)
