"""Accounts: creation with a root AccessKey pair, secrets at rest, and the first-start bootstrap.

Runs on both stores (the ``store`` fixture follows ``db_url``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ramsts.authentication import unseal_access_key_secret
from ramsts.crypto import UnsealError, verify_password
from ramsts.errors import InvalidParameter
from ramsts.ram.accounts import DEFAULT_ACCOUNT_NAME, AccountService, generate_console_password
from ramsts.types import Secret


@pytest.fixture
def accounts(store, master_key, clock) -> AccountService:
    return AccountService(store, master_key, clock=clock)


def test_a_new_account_has_a_16_digit_id_and_an_active_root_key(accounts, store):
    created = accounts.create_account("acme")

    assert len(created.account_id) == 16 and created.account_id.isdigit()
    assert created.access_key_id.startswith("LTAI") and len(created.access_key_id) == 24
    assert len(created.access_key_secret.reveal()) == 30
    owner = store.resolve_access_key(created.access_key_id)
    assert owner.account.account_id == created.account_id
    assert owner.account.name == "acme"
    assert owner.user is None  # the root's key
    assert owner.key.status == "Active"


def test_the_secret_is_stored_sealed_and_unseals_to_the_shown_one(accounts, store, master_key):
    created = accounts.create_account("acme")

    with store.read() as tx:
        key = tx.access_keys.get(created.access_key_id)
    assert created.access_key_secret.reveal() not in key.sealed_secret
    assert unseal_access_key_secret(master_key, key) == created.access_key_secret


def test_a_sealed_secret_moved_to_another_key_does_not_open(accounts, store, master_key):
    first = accounts.create_account("one")
    second = accounts.create_account("two")
    with store.read() as tx:
        key = tx.access_keys.get(first.access_key_id)
        other = tx.access_keys.get(second.access_key_id)

    with pytest.raises(UnsealError):
        unseal_access_key_secret(master_key, replace(other, sealed_secret=key.sealed_secret))


def test_a_console_password_is_stored_as_an_argon2_hash(accounts, store):
    created = accounts.create_account("acme", password=Secret("correct horse battery"))

    with store.read() as tx:
        account = tx.accounts.get(created.account_id)
    assert account.root_password_hash.startswith("$argon2id$")
    assert verify_password(account.root_password_hash, Secret("correct horse battery"))
    assert not verify_password(account.root_password_hash, Secret("wrong horse"))


def test_without_a_password_the_root_has_no_console_login(accounts, store):
    created = accounts.create_account("acme")

    with store.read() as tx:
        assert tx.accounts.get(created.account_id).root_password_hash is None
    assert created.console_password is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad\nname"])
def test_a_bad_account_name_is_refused(accounts, store, name):
    with pytest.raises(InvalidParameter) as raised:
        accounts.create_account(name)

    assert raised.value.code == "InvalidParameter.AccountName"
    with store.read() as tx:
        assert tx.accounts.list() == []


def test_a_short_password_is_refused_without_quoting_it(accounts, store):
    with pytest.raises(InvalidParameter) as raised:
        accounts.create_account("acme", password=Secret("s3cr"))

    assert raised.value.code == "InvalidParameter.Password.TooWeak"
    assert "s3cr" not in raised.value.message
    with store.read() as tx:
        assert tx.accounts.list() == []


def test_created_credentials_never_show_in_a_repr(accounts):
    created = accounts.create_account("acme", password=Secret("correct horse battery"))

    text = repr(created)
    assert created.access_key_secret.reveal() not in text
    assert "correct horse battery" not in text


def test_bootstrap_creates_the_default_account_once(accounts, store):
    created = accounts.bootstrap()

    assert created is not None
    assert created.name == DEFAULT_ACCOUNT_NAME
    assert created.console_password is not None
    with store.read() as tx:
        account = tx.accounts.get(created.account_id)
    assert verify_password(account.root_password_hash, created.console_password)
    assert accounts.bootstrap() is None


def test_bootstrap_leaves_an_installation_with_accounts_alone(accounts, store):
    accounts.create_account("existing")

    assert accounts.bootstrap() is None
    with store.read() as tx:
        assert [a.name for a in tx.accounts.list()] == ["existing"]


def test_generated_passwords_have_every_character_class():
    for _ in range(20):
        password = generate_console_password().reveal()
        assert len(password) == 20
        assert any(c.islower() for c in password)
        assert any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password)
        assert any(not c.isalnum() for c in password)
