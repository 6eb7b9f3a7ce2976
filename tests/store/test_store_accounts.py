"""Accounts: aliases, settings, root keys, and deleting an account with everything it owns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.store import Account, Conflict, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_an_account_gets_a_16_digit_id(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
    assert len(account.account_id) == 16
    assert account.account_id.isdigit()
    assert account.root_arn == f"acs:ram::{account.account_id}:root"


def test_an_alias_is_unique_across_accounts_and_can_be_cleared(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        other = tx.accounts.create(name="other", now=NOW)
        assert tx.accounts.set_alias(account.account_id, "acme-prod")
        with pytest.raises(Conflict) as raised:
            tx.accounts.set_alias(other.account_id, "acme-prod")
        found = tx.accounts.get_by_alias("acme-prod")
        assert tx.accounts.set_alias(account.account_id, None)
        assert tx.accounts.set_alias(other.account_id, "acme-prod")
    assert raised.value.entity == "AccountAlias"
    assert found is not None
    assert found.account_id == account.account_id


def test_settings_are_unset_until_written_and_then_kept_per_account(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        assert tx.account_settings.get(account.account_id).password_policy is None
        tx.account_settings.set_password_policy(account.account_id, {"MinimumPasswordLength": 12})
        tx.account_settings.set_security_preference(account.account_id, {"LoginSessionDuration": 6})
        tx.account_settings.set_password_policy(account.account_id, {"MinimumPasswordLength": 14})
    with store.read() as tx:
        settings = tx.account_settings.get(account.account_id)
    assert settings.password_policy == {"MinimumPasswordLength": 14}
    assert settings.security_preference == {"LoginSessionDuration": 6}


def test_deleting_an_account_removes_everything_it_owns(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        tx.access_keys.create(
            account.account_id,
            user_id=None,
            access_key_id="LTAIroot0000000000000000",
            sealed_secret="s",
            now=NOW,
        )
        role = tx.roles.create(
            account.account_id, role_name="r", assume_role_policy_document="{}", now=NOW
        )
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.attachments.attach("User", user.user_id, policy, account_id=account.account_id, now=NOW)
        tx.tags.set(account.account_id, "role", role.role_id, {"k": "v"})
        tx.account_settings.set_password_policy(account.account_id, {})

    with store.transaction() as tx:
        assert tx.accounts.delete(account.account_id)

    with store.read() as tx:
        assert tx.accounts.get(account.account_id) is None
        assert tx.users.get_by_id(user.user_id) is None
        assert tx.access_keys.get("LTAIroot0000000000000000") is None
        assert tx.roles.get_by_id(role.role_id) is None
        assert tx.policies.get_by_id(policy.policy_id, account.account_id) is None
        assert tx.tags.list("role", role.role_id) == []
