"""Fixtures for storage tests: an account in the store (the store itself: tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.store import Account, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def account(store: Store) -> Account:
    with store.transaction() as tx:
        return tx.accounts.create(name="acme", now=NOW)
