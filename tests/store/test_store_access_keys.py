"""AccessKeys: the gateway's one-query resolution, status, last use, root keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.store import Account, Conflict, Store, new_access_key_id

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_users_key_resolves_to_the_key_its_account_and_its_user(
    store: Store, account: Account
) -> None:
    key_id = new_access_key_id()
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        key = tx.access_keys.create(
            account.account_id,
            user_id=user.user_id,
            access_key_id=key_id,
            sealed_secret="sealed-secret",
            now=NOW,
        )

    owner = store.resolve_access_key(key_id)

    assert owner is not None
    assert owner.key == key
    assert owner.account == account
    assert owner.user == user


def test_a_root_key_resolves_without_a_user(store: Store, account: Account) -> None:
    key_id = new_access_key_id()
    with store.transaction() as tx:
        tx.access_keys.create(
            account.account_id, user_id=None, access_key_id=key_id, sealed_secret="s", now=NOW
        )
        assert [k.access_key_id for k in tx.access_keys.list_for(account.account_id, None)] == [
            key_id
        ]
        assert tx.access_keys.count_for(account.account_id, None) == 1

    owner = store.resolve_access_key(key_id)
    assert owner is not None
    assert owner.user is None
    assert owner.account.account_id == account.account_id


def test_an_unknown_key_resolves_to_nothing(store: Store) -> None:
    assert store.resolve_access_key("LTAInothing") is None


def test_access_key_ids_have_the_long_term_shape() -> None:
    key_id = new_access_key_id()
    assert key_id.startswith("LTAI")
    assert len(key_id) == 24
    assert key_id.isalnum()


def test_a_status_is_written(store: Store, account: Account) -> None:
    key_id = new_access_key_id()
    with store.transaction() as tx:
        tx.access_keys.create(
            account.account_id, user_id=None, access_key_id=key_id, sealed_secret="s", now=NOW
        )
        assert tx.access_keys.set_status(key_id, "Inactive")
        key = tx.access_keys.get(key_id)
    assert key is not None
    assert key.status == "Inactive"


def test_a_duplicate_key_id_conflicts_and_a_deleted_key_is_gone(
    store: Store, account: Account
) -> None:
    key_id = new_access_key_id()
    with store.transaction() as tx:
        tx.access_keys.create(
            account.account_id, user_id=None, access_key_id=key_id, sealed_secret="s", now=NOW
        )
        with pytest.raises(Conflict):
            tx.access_keys.create(
                account.account_id, user_id=None, access_key_id=key_id, sealed_secret="t", now=NOW
            )
        assert tx.access_keys.delete(key_id)
        assert tx.access_keys.get(key_id) is None
