"""A store on each database and a master key, for the authenticator's tests."""

from __future__ import annotations

import pytest

from ramsts.crypto import MasterKey


@pytest.fixture
def master_key() -> MasterKey:
    return MasterKey.generate()
