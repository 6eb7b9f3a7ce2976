"""Migration 0004 binds the trust policies already stored to the entities that carry their
names on upgrade, so that no role changes whom it trusts when the server is upgraded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command

from ramsts.store import open_store
from ramsts.store.engine import create_engine
from ramsts.store.migrate import _config, upgrade

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def trusting(*principals: str) -> str:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": principals}}
    return json.dumps({"Version": "1", "Statement": [statement]})


def test_upgrading_binds_each_named_user_and_role_to_its_current_holder(empty_db_url: str) -> None:
    store = open_store(empty_db_url)
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        uid = account.account_id
        alice = tx.users.create(uid, user_name="alice", now=NOW)
        ops = tx.roles.create(uid, role_name="ops", assume_role_policy_document=trusting(), now=NOW)
        document = trusting(
            f"acs:ram::{uid}:root",
            f"acs:ram:*:{uid}:user/alice",
            f"acs:ram::{uid}:user/ALICE",  # not alice's spelling: names nobody
            f"acs:ram::{uid}:user/ghost",
            f"acs:ram::{uid}:role/ops",
        )
        relay = tx.roles.create(
            uid, role_name="relay", assume_role_policy_document=document, now=NOW
        )
    store.dispose()

    engine = create_engine(empty_db_url)
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0003")
    upgrade(engine)
    engine.dispose()

    store = open_store(empty_db_url)
    with store.read() as tx:
        upgraded = tx.roles.get_by_id(relay.role_id)
    store.dispose()
    assert upgraded is not None
    assert dict(upgraded.trusted_principal_ids) == {
        f"acs:ram::{uid}:user/alice": alice.user_id,
        f"acs:ram::{uid}:role/ops": ops.role_id,
    }
