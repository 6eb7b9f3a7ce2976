"""Opening a store: migrations, re-opening, transactions, and two processes on one database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ramsts.store import Conflict, SchemaError, Store, open_store
from ramsts.store.engine import normalise_url
from ramsts.store.migrate import head_revision

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def tables_of(url: str) -> set[str]:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_migrating_an_empty_database_creates_every_table_and_records_the_revision(
    empty_db_url: str,
) -> None:
    open_store(empty_db_url).dispose()

    assert {
        "accounts",
        "users",
        "groups",
        "group_memberships",
        "access_keys",
        "roles",
        "policies",
        "policy_versions",
        "user_policy_attachments",
        "group_policy_attachments",
        "role_policy_attachments",
        "tags",
        "login_profiles",
        "virtual_mfa_devices",
        "account_settings",
        "signature_nonces",
        "token_keys",
        "alembic_version",
    } <= tables_of(empty_db_url)
    engine = sa.create_engine(normalise_url(empty_db_url))
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == head_revision()


def test_reopening_keeps_the_data_and_does_not_migrate_again(empty_db_url: str) -> None:
    first = open_store(empty_db_url)
    with first.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
    first.dispose()

    second = open_store(empty_db_url)
    with second.read() as tx:
        assert tx.accounts.get(account.account_id) == account
    second.dispose()


def test_without_migration_an_empty_database_is_refused(empty_db_url: str) -> None:
    with pytest.raises(SchemaError):
        open_store(empty_db_url, migrate=False)


def test_without_migration_a_current_database_opens(empty_db_url: str) -> None:
    open_store(empty_db_url).dispose()
    open_store(empty_db_url, migrate=False).dispose()


def test_postgresql_tables_land_in_the_search_path_schema(postgres_url: str) -> None:
    schema = postgres_url.rsplit("%3D", 1)[1]
    engine = sa.create_engine(normalise_url(postgres_url))

    def tables_in(name: str) -> set[str]:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names(schema=name))

    # The shared database's public schema may hold another deployment's tables: compare, don't
    # assume it is empty.
    public_before = tables_in("public")
    open_store(postgres_url).dispose()
    found, public_after = tables_in(schema), tables_in("public")
    engine.dispose()
    assert {"users", "alembic_version"} <= found
    assert public_after == public_before


def test_a_sqlite_file_url_creates_its_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "ramsts.db"
    open_store(f"sqlite:///{path}").dispose()
    assert path.is_file()


def test_an_in_memory_store_keeps_its_data_across_transactions() -> None:
    store = open_store("sqlite://")
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
    with store.read() as tx:
        assert tx.accounts.get(account.account_id) == account
    store.dispose()


def test_postgresql_urls_are_normalised_to_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="mysql"):
        normalise_url("mysql://u@h/db")


def test_a_failed_action_rolls_back_every_write(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)

    with pytest.raises(Conflict), store.transaction() as tx:
        tx.users.create(account.account_id, user_name="alice", now=NOW)
        tx.groups.create(account.account_id, group_name="admins", now=NOW)
        tx.users.create(account.account_id, user_name="ALICE", now=NOW)

    with store.read() as tx:
        assert tx.users.count(account.account_id) == 0
        assert tx.groups.count(account.account_id) == 0


def test_a_conflict_leaves_the_transaction_usable(store: Store) -> None:
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        tx.users.create(account.account_id, user_name="alice", now=NOW)
        with pytest.raises(Conflict):
            tx.users.create(account.account_id, user_name="Alice", now=NOW)
        tx.users.create(account.account_id, user_name="bob", now=NOW)

    with store.read() as tx:
        assert tx.users.count(account.account_id) == 2


def test_writes_in_a_read_transaction_are_never_kept(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with store.read() as tx:
        tx.accounts.create(name="acme", account_id="1000000000000001", now=NOW)
    with store.read() as tx:
        assert tx.accounts.get("1000000000000001") is None
    store.dispose()


def test_a_write_through_one_store_is_seen_by_another(empty_db_url: str) -> None:
    writer, reader = open_store(empty_db_url), open_store(empty_db_url)
    with writer.transaction() as tx:
        account = tx.accounts.create(name="acme", now=NOW)
        tx.roles.create(
            account.account_id,
            role_name="Deployer",
            assume_role_policy_document="{}",
            now=NOW,
        )

    with reader.read() as tx:
        role = tx.roles.get(account.account_id, "deployer")
    assert role is not None
    assert role.role_name == "Deployer"
    writer.dispose()
    reader.dispose()


def test_a_nonce_is_accepted_once_across_two_stores(empty_db_url: str) -> None:
    first, second = open_store(empty_db_url), open_store(empty_db_url)
    expires = datetime.now(UTC) + timedelta(minutes=15)

    assert first.use_nonce("LTAIexample:4f1c", expires) is True
    assert second.use_nonce("LTAIexample:4f1c", expires) is False
    assert first.use_nonce("LTAIexample:4f1c", expires) is False
    assert second.use_nonce("LTAIexample:other", expires) is True
    first.dispose()
    second.dispose()


def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError), store.transaction() as tx:
        tx.accounts.create(name="acme", now=datetime(2025, 1, 1))


def test_timestamps_come_back_as_aware_utc(store: Store) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2025, 3, 1, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=local)
    with store.read() as tx:
        stored = tx.accounts.get(account.account_id)
    assert stored is not None
    assert stored.created_at == NOW
    assert stored.created_at.tzinfo == UTC


def test_postgresql_refuses_writes_in_a_read_transaction_only(postgres_url: str) -> None:
    store = open_store(postgres_url)
    with pytest.raises(sa.exc.InternalError), store.read() as tx:
        tx.accounts.create(name="acme", now=NOW)

    with store.transaction() as tx:  # the pooled connection is writable again
        account = tx.accounts.create(name="acme", now=NOW)
    with store.read() as tx:
        assert tx.accounts.get(account.account_id) == account
    store.dispose()


def test_racing_uses_of_one_nonce_let_exactly_one_through(empty_db_url: str) -> None:
    import threading

    stores = [open_store(empty_db_url) for _ in range(2)]
    expires = datetime.now(UTC) + timedelta(minutes=15)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def use(store: Store) -> None:
        barrier.wait()
        results.append(store.use_nonce("LTAIexample:race", expires))

    racers = [threading.Thread(target=use, args=(stores[i % 2],)) for i in range(6)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    for store in stores:
        store.dispose()

    assert sorted(results) == [False] * 5 + [True]
