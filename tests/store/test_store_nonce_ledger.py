"""The nonce ledger (``Store.use_nonce``): one autocommitted statement per signed request.

What the replay rule needs from it: a nonce is accepted once, across stores (processes) on one
database (see also ``test_store_database.py``); expired nonces go away without anyone asking;
and spending a nonce leaves the pooled connection as it found it, so the transactions that follow
on it still commit and roll back as a whole.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ramsts.store import Store, open_store
from ramsts.store.engine import normalise_url
from ramsts.store.nonce_ledger import PURGE_ONE_IN
from ramsts.store.prepared import Precompiled
from ramsts.store.schema import signature_nonces, users

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def nonce_keys(url: str) -> set[str]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return set(connection.execute(sa.select(signature_nonces.c.nonce_key)).scalars())
    finally:
        engine.dispose()


def test_expired_nonces_are_purged_by_later_uses(db_url: str) -> None:
    store = open_store(db_url, clock=lambda: NOW)
    try:
        assert store.use_nonce("LTAIexample:old", NOW - timedelta(seconds=1))
        for i in range(PURGE_ONE_IN - 1):
            assert store.use_nonce(f"LTAIexample:{i}", NOW + timedelta(minutes=15))
        left = nonce_keys(db_url)
        assert "LTAIexample:old" not in left
        assert len(left) == PURGE_ONE_IN - 1
        assert not store.use_nonce("LTAIexample:0", NOW + timedelta(minutes=15))
    finally:
        store.dispose()


def test_a_spent_nonce_is_refused_even_after_its_expiry_until_purged(store: Store) -> None:
    # The ledger refuses a key while its row is there; the timestamp window refuses the rest.
    assert store.use_nonce("LTAIexample:k", NOW - timedelta(minutes=1))
    assert not store.use_nonce("LTAIexample:k", NOW + timedelta(minutes=15))


def test_transactions_after_a_nonce_still_roll_back_as_a_whole(store: Store) -> None:
    for i in range(3):
        assert store.use_nonce(f"LTAIexample:{i}", NOW + timedelta(minutes=15))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        raise RuntimeError("the action failed after writing")
    with store.read() as tx:
        assert tx.accounts.get(account.account_id) is None


def test_a_naive_expiry_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="aware"):
        store.use_nonce("LTAIexample:naive", datetime(2025, 3, 1, 12, 0))


def test_prepared_lookups_read_what_core_reads(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        created = tx.users.create(account.account_id, user_name="Alice", now=NOW, email="a@b.cn")
    query = sa.select(users).where(users.c.user_id == sa.bindparam("user_id"))
    with store.read() as tx:
        core = tx.users._connection.execute(query, {"user_id": created.user_id}).mappings().one()
        prepared = tx.users._fetch(Precompiled(query), {"user_id": created.user_id})
        found = tx.users.get(account.account_id, "ALICE")
    assert prepared == [dict(core)]
    assert prepared[0]["created_at"] == NOW
    assert found == created
