"""Login profiles, virtual MFA devices and the SecurityToken key ring."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, Conflict, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_login_profile_keeps_earlier_password_hashes(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        profile = tx.login_profiles.create(
            account.account_id,
            user.user_id,
            password_hash="h1",
            password_reset_required=True,
            now=NOW,
        )
        with pytest.raises(Conflict) as raised:
            tx.login_profiles.create(account.account_id, user.user_id, password_hash="x", now=NOW)
        tx.login_profiles.update(replace(profile, password_hash="h2"), now=NOW)
        tx.login_profiles.update(
            replace(profile, password_hash="h3", password_reset_required=False), now=NOW
        )
        found = tx.login_profiles.get(user.user_id)
        assert tx.login_profiles.delete(user.user_id)
        assert tx.login_profiles.get(user.user_id) is None
    assert raised.value.entity == "User.LoginProfile"
    assert found is not None
    assert found.password_hash == "h3"
    assert found.password_history == ("h2", "h1")
    assert not found.password_reset_required


def test_an_mfa_device_binds_to_one_user_and_a_user_has_one_device(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        alice = tx.users.create(account.account_id, user_name="alice", now=NOW)
        bob = tx.users.create(account.account_id, user_name="bob", now=NOW)
        phone = tx.mfa_devices.create(
            account.account_id, device_name="Phone", sealed_seed="seed", now=NOW
        )
        token = tx.mfa_devices.create(
            account.account_id, device_name="token", sealed_seed="seed", now=NOW
        )
        with pytest.raises(Conflict) as same_name:
            tx.mfa_devices.create(account.account_id, device_name="PHONE", sealed_seed="s", now=NOW)
        assert tx.mfa_devices.bind(phone.serial_number, alice.user_id, now=NOW)
        assert not tx.mfa_devices.bind(phone.serial_number, bob.user_id, now=NOW)
        with pytest.raises(Conflict) as second_device:
            tx.mfa_devices.bind(token.serial_number, alice.user_id, now=NOW)
        bound = tx.mfa_devices.get_for_user(alice.user_id)
        released = tx.mfa_devices.unbind(alice.user_id)
        assert tx.mfa_devices.get_for_user(alice.user_id) is None
        assert tx.mfa_devices.count(account.account_id) == 2

    assert same_name.value.entity == "VirtualMFADevice"
    assert second_device.value.entity == "User.MFADevice"
    assert phone.serial_number == f"acs:ram::{account.account_id}:mfa/Phone"
    assert bound is not None
    assert bound.enabled_at == NOW
    assert released is not None
    assert released.serial_number == phone.serial_number


def test_the_key_ring_has_one_current_key(store: Store) -> None:
    later = NOW + timedelta(days=1)
    with store.transaction() as tx:
        tx.token_keys.add("k1", "sealed1", now=NOW, current=True)
        tx.token_keys.add("k2", "sealed2", now=later, current=True)
        current = tx.token_keys.current()
        assert not tx.token_keys.delete("k2")
        assert tx.token_keys.make_current("k1")
        assert not tx.token_keys.make_current("k9")
        assert tx.token_keys.delete("k2")
        ring = tx.token_keys.list()
    assert current is not None
    assert current.key_id == "k2"
    assert [(k.key_id, k.is_current) for k in ring] == [("k1", True)]


def test_the_key_ring_is_shared_by_two_stores(db_url: str) -> None:
    from ramsts.store import open_store

    first, second = open_store(db_url), open_store(db_url)
    with first.transaction() as tx:
        tx.token_keys.add("k1", "sealed1", now=NOW, current=True)
    with second.read() as tx:
        current = tx.token_keys.current()
    assert current is not None
    assert current.sealed_key == "sealed1"
    first.dispose()
    second.dispose()
