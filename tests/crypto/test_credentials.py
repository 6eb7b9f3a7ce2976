"""New AccessKey pairs have the real service's shapes and are unpredictable."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest

from ramsts.crypto import (
    ACCESS_KEY_ID_PREFIX,
    STS_ACCESS_KEY_ID_PREFIX,
    new_access_key_id,
    new_access_key_secret,
    new_sts_access_key_id,
    new_sts_access_key_secret,
)
from ramsts.crypto.credentials import ALPHANUMERICS, random_alphanumerics
from ramsts.types import Secret


def test_long_term_access_key_id_shape() -> None:
    assert re.fullmatch(r"LTAI5t[A-Za-z0-9]{18}", new_access_key_id())


def test_long_term_access_key_secret_is_a_30_character_secret() -> None:
    secret = new_access_key_secret()
    assert isinstance(secret, Secret)
    assert re.fullmatch(r"[A-Za-z0-9]{30}", secret.reveal())
    assert secret.reveal() not in repr(secret)


def test_temporary_access_key_id_shape() -> None:
    assert re.fullmatch(r"STS\.[A-Za-z0-9]{25}", new_sts_access_key_id())


def test_temporary_access_key_secret_shape() -> None:
    assert re.fullmatch(r"[A-Za-z0-9]{44}", new_sts_access_key_secret().reveal())


def test_generated_values_do_not_repeat() -> None:
    ids = {new_access_key_id() for _ in range(200)}
    secrets = {new_access_key_secret().reveal() for _ in range(200)}
    assert len(ids) == 200
    assert len(secrets) == 200


def test_generated_temporary_values_do_not_repeat() -> None:
    ids = {new_sts_access_key_id() for _ in range(200)}
    secrets = {new_sts_access_key_secret().reveal() for _ in range(200)}
    assert len(ids) == 200
    assert len(secrets) == 200


def test_every_byte_value_maps_without_modulo_bias() -> None:
    """Fed each of the 256 byte values once, the mapping names every alphanumeric exactly four
    times and drops the 8 bytes (248–255) that would make the first 8 characters likelier."""
    every_byte = bytes(range(256))
    handed_out: list[int] = []

    def token_bytes(n: int) -> bytes:
        handed_out.append(n)
        return every_byte if len(handed_out) == 1 else b"\x00" * n

    drawn = random_alphanumerics(248, token_bytes=token_bytes)
    assert Counter(drawn) == dict.fromkeys(ALPHANUMERICS, 4)
    assert drawn == ALPHANUMERICS * 4


def test_rejected_bytes_are_made_up_by_drawing_again() -> None:
    asked: list[int] = []

    def token_bytes(n: int) -> bytes:
        asked.append(n)
        # First all but two bytes rejected (248-255), then nothing but byte 0 ("a").
        return b"\xf8" * (n - 2) + b"\x01\x3d" if len(asked) == 1 else b"\x00" * n

    assert random_alphanumerics(5, token_bytes=token_bytes) == "b9aaa"
    assert len(asked) == 2


@pytest.mark.parametrize(
    "new_value",
    [
        lambda: new_access_key_id()[len(ACCESS_KEY_ID_PREFIX) :],
        lambda: new_access_key_secret().reveal(),
        lambda: new_sts_access_key_id()[len(STS_ACCESS_KEY_ID_PREFIX) :],
        lambda: new_sts_access_key_secret().reveal(),
    ],
    ids=["access-key-id", "access-key-secret", "sts-access-key-id", "sts-access-key-secret"],
)
def test_characters_are_roughly_uniform(new_value: Callable[[], str]) -> None:
    """Chi-square over 62 characters (61 degrees of freedom) of at least 60,000 draws.

    Uniform draws exceed 200 with probability below 10⁻¹⁵, so the test does not flake; taking
    ``byte % 62`` without rejection gives about 450 (its first 8 characters are 25% likelier), and
    one character missing from the alphabet about 1,000.
    """
    counts: Counter[str] = Counter()
    while counts.total() < 60_000:
        counts.update(new_value())
    expected = counts.total() / len(ALPHANUMERICS)
    chi_square = sum((counts[char] - expected) ** 2 / expected for char in ALPHANUMERICS)
    assert chi_square < 200
