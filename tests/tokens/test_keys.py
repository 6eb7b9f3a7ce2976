"""TokenKey: generated at random, stored sealed under the master key and bound to its key id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.crypto import MasterKey, UnsealError
from ramsts.tokens import TokenKey

T0 = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
MASTER = MasterKey(bytes(range(32)))


def test_generated_keys_are_random_and_dated() -> None:
    first, second = TokenKey.generate(T0), TokenKey.generate(T0)
    assert first.material != second.material
    assert first.key_id != second.key_id
    assert first.key_id.startswith("20240501-")
    assert len(first.material) == 32
    assert first.created_at == T0


def test_sealed_key_unseals_to_the_same_key() -> None:
    key = TokenKey.generate(T0)
    sealed = key.seal(MASTER)
    assert key.material.hex() not in sealed
    assert TokenKey.unseal(key.key_id, sealed, T0, MASTER) == key


def test_a_sealed_key_moved_to_another_key_id_does_not_open() -> None:
    key = TokenKey.generate(T0)
    with pytest.raises(UnsealError):
        TokenKey.unseal("someone-else", key.seal(MASTER), T0, MASTER)


def test_a_sealed_key_does_not_open_under_another_master_key() -> None:
    key = TokenKey.generate(T0)
    with pytest.raises(UnsealError):
        TokenKey.unseal(key.key_id, key.seal(MASTER), T0, MasterKey(bytes(32)))


def test_material_never_shows_in_repr() -> None:
    key = TokenKey.generate(T0)
    assert key.material.hex() not in repr(key)
    assert repr(key.material) not in repr(key)
    assert key.key_id in repr(key)


@pytest.mark.parametrize(
    ("key_id", "material", "created_at", "complaint"),
    [
        ("", bytes(32), T0, "key id"),
        ("k" * 33, bytes(32), T0, "key id"),
        ("k 1", bytes(32), T0, "key id"),
        ("ключ", bytes(32), T0, "key id"),
        ("k1", bytes(16), T0, "32 bytes"),
        ("k1", bytes(32), T0.replace(tzinfo=None), "aware"),
    ],
)
def test_malformed_keys_are_refused(
    key_id: str, material: bytes, created_at: datetime, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        TokenKey(key_id=key_id, material=material, created_at=created_at)
