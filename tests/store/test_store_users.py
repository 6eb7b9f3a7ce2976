"""Users: case-insensitive names, updates and renames, paging, what blocks a delete."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, Conflict, InvalidMarker, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_user_is_found_by_its_name_in_any_case_and_keeps_its_spelling(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        created = tx.users.create(
            account.account_id, user_name="Alice.Ops", display_name="Alice", now=NOW
        )
    with store.read() as tx:
        found = tx.users.get(account.account_id, "alice.ops")
        by_id = tx.users.get_by_id(created.user_id)
    assert found == created == by_id
    assert found is not None
    assert found.user_name == "Alice.Ops"
    assert len(found.user_id) == 16
    assert found.user_id.isdigit()
    assert found.arn == f"acs:ram::{account.account_id}:user/Alice.Ops"


def test_user_names_are_unique_case_insensitively_within_an_account(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        tx.users.create(account.account_id, user_name="alice", now=NOW)
        other = tx.accounts.create(name="other", now=NOW)
        tx.users.create(other.account_id, user_name="ALICE", now=NOW)

    with pytest.raises(Conflict) as raised, store.transaction() as tx:
        tx.users.create(account.account_id, user_name="Alice", now=NOW)
    assert raised.value.entity == "User"


def test_an_update_writes_the_fields_and_a_rename_to_a_taken_name_conflicts(
    store: Store, account: Account
) -> None:
    later = NOW + timedelta(hours=1)
    with store.transaction() as tx:
        alice = tx.users.create(account.account_id, user_name="alice", now=NOW)
        tx.users.create(account.account_id, user_name="bob", now=NOW)
        updated = tx.users.update(
            replace(alice, user_name="Alicia", email="a@example.com"), now=later
        )
    with store.read() as tx:
        assert tx.users.get(account.account_id, "alicia") == updated
        assert tx.users.get(account.account_id, "alice") is None
    assert updated.updated_at == later
    assert updated.created_at == NOW

    with pytest.raises(Conflict), store.transaction() as tx:
        tx.users.update(replace(updated, user_name="BOB"), now=later)


def test_listing_pages_by_case_insensitive_name(store: Store, account: Account) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    with store.transaction() as tx:
        for name in names:
            tx.users.create(account.account_id, user_name=name, now=NOW)

    seen: list[str] = []
    marker = None
    pages = 0
    while True:
        with store.read() as tx:
            page = tx.users.list(account.account_id, marker=marker, max_items=2)
        pages += 1
        seen += [user.user_name for user in page.items]
        assert (page.marker is not None) == page.is_truncated
        if not page.is_truncated:
            break
        marker = page.marker

    assert seen == ["Alpha", "Bravo", "charlie", "delta", "echo"]
    assert pages == 3


def test_a_page_holding_the_last_items_is_not_truncated(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        tx.users.create(account.account_id, user_name="a", now=NOW)
        tx.users.create(account.account_id, user_name="b", now=NOW)
        page = tx.users.list(account.account_id, max_items=2)
    assert len(page.items) == 2
    assert not page.is_truncated
    assert page.marker is None


def test_a_forged_marker_is_refused(store: Store, account: Account) -> None:
    with pytest.raises(InvalidMarker), store.read() as tx:
        tx.users.list(account.account_id, marker="not-a-marker!")


def test_dependents_count_what_blocks_deleting_a_user(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        assert tx.users.dependents(user.user_id).access_keys == 0
        tx.access_keys.create(
            account.account_id,
            user_id=user.user_id,
            access_key_id="LTAI" + "a" * 20,
            sealed_secret="sealed",
            now=NOW,
        )
        group = tx.groups.create(account.account_id, group_name="ops", now=NOW)
        tx.groups.add_member(group, user.user_id, now=NOW)
        tx.login_profiles.create(account.account_id, user.user_id, password_hash="h", now=NOW)
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.attachments.attach("User", user.user_id, policy, account_id=account.account_id, now=NOW)
        device = tx.mfa_devices.create(
            account.account_id, device_name="phone", sealed_seed="s", now=NOW
        )
        tx.mfa_devices.bind(device.serial_number, user.user_id, now=NOW)
        dependents = tx.users.dependents(user.user_id)

    assert dependents.access_keys == 1
    assert dependents.login_profile
    assert dependents.mfa_device
    assert dependents.groups == 1
    assert dependents.policies == 1


def test_deleting_a_user_removes_its_keys_memberships_and_attachments_and_frees_its_device(
    store: Store, account: Account
) -> None:
    key_id = "LTAI" + "b" * 20
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        tx.access_keys.create(
            account.account_id,
            user_id=user.user_id,
            access_key_id=key_id,
            sealed_secret="s",
            now=NOW,
        )
        group = tx.groups.create(account.account_id, group_name="ops", now=NOW)
        tx.groups.add_member(group, user.user_id, now=NOW)
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.attachments.attach("User", user.user_id, policy, account_id=account.account_id, now=NOW)
        device = tx.mfa_devices.create(
            account.account_id, device_name="phone", sealed_seed="s", now=NOW
        )
        tx.mfa_devices.bind(device.serial_number, user.user_id, now=NOW)

    with store.transaction() as tx:
        assert tx.users.delete(user.user_id)
        assert not tx.users.delete(user.user_id)

    with store.read() as tx:
        assert tx.access_keys.get(key_id) is None
        assert tx.groups.count_members(group.group_id) == 0
        refreshed = tx.policies.get_by_id(policy.policy_id, account.account_id)
        freed = tx.mfa_devices.get(device.serial_number)
    assert refreshed is not None
    assert refreshed.attachment_count == 0
    assert freed is not None
    assert freed.user_id is None


def test_a_login_is_recorded(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        tx.users.record_login(user.user_id, NOW + timedelta(minutes=5))
        found = tx.users.get_by_id(user.user_id)
    assert found is not None
    assert found.last_login_at == NOW + timedelta(minutes=5)
