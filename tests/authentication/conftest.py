"""A store on each database and a master key, for the authenticator's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ramsts.crypto import MasterKey
from ramsts.store import Store, open_store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def master_key() -> MasterKey:
    return MasterKey.generate()
