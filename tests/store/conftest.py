"""Fixtures for storage tests: a migrated store on each database, and an account in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ramsts.store import Account, Store, open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def account(store: Store) -> Account:
    with store.transaction() as tx:
        return tx.accounts.create(name="acme", now=NOW)
