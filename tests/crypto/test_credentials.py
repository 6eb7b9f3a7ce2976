"""New AccessKey pairs have the real service's shapes and are unpredictable."""

from __future__ import annotations

import re

from ramsts.crypto import (
    new_access_key_id,
    new_access_key_secret,
    new_sts_access_key_id,
    new_sts_access_key_secret,
)
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
