"""Console passwords are argon2id hashes that verify, refuse, and tell when to re-hash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from ramsts.crypto import hash_password, password_needs_rehash, verify_password
from ramsts.crypto.passwords import FAST_HASHING_FOR_TESTS_ENV, _hasher
from ramsts.types import Secret


@pytest.fixture
def production_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The hasher as a real deployment has it: the suite's fast test-only setting turned off."""
    monkeypatch.delenv(FAST_HASHING_FOR_TESTS_ENV, raising=False)
    _hasher.cache_clear()
    yield
    _hasher.cache_clear()


def test_hash_is_argon2id_and_does_not_contain_the_password() -> None:
    hashed = hash_password(Secret("correct horse battery staple"))
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed


def test_right_password_verifies_and_wrong_one_does_not() -> None:
    hashed = hash_password(Secret("Tr0ub4dor&3"))
    assert verify_password(hashed, Secret("Tr0ub4dor&3"))
    assert not verify_password(hashed, Secret("Tr0ub4dor&4"))
    assert not verify_password(hashed, Secret(""))


def test_same_password_hashes_differently_each_time() -> None:
    assert hash_password(Secret("same")) != hash_password(Secret("same"))


def test_malformed_stored_hash_never_verifies_and_needs_rehash() -> None:
    assert not verify_password("not-a-hash", Secret("anything"))
    assert not verify_password("", Secret(""))
    assert password_needs_rehash("not-a-hash")


@pytest.mark.usefixtures("production_hashing")
def test_a_deployment_hashes_with_the_rfc_9106_low_memory_profile() -> None:
    hashed = hash_password(Secret("pw"))
    assert "$m=65536,t=3,p=4$" in hashed


@pytest.mark.usefixtures("production_hashing")
def test_current_hash_needs_no_rehash_but_a_weaker_one_does() -> None:
    assert not password_needs_rehash(hash_password(Secret("pw")))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    assert verify_password(weak, Secret("pw"))
    assert password_needs_rehash(weak)
