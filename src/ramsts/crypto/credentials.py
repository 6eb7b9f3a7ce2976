"""New AccessKey pairs, shaped like the real service's, drawn from :mod:`secrets`."""

from __future__ import annotations

import secrets
import string

from ramsts.types import Secret

ALPHANUMERICS = string.ascii_letters + string.digits
ACCESS_KEY_ID_PREFIX = "LTAI5t"
STS_ACCESS_KEY_ID_PREFIX = "STS."


def _random_alphanumerics(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERICS) for _ in range(length))


def new_access_key_id() -> str:
    """A long-term AccessKeyId: ``LTAI5t`` and 18 alphanumerics, 24 characters in all."""
    return ACCESS_KEY_ID_PREFIX + _random_alphanumerics(18)


def new_access_key_secret() -> Secret:
    """A long-term AccessKeySecret: 30 alphanumerics (about 178 bits)."""
    return Secret(_random_alphanumerics(30))


def new_sts_access_key_id() -> str:
    """A temporary AccessKeyId: ``STS.`` and 25 alphanumerics."""
    return STS_ACCESS_KEY_ID_PREFIX + _random_alphanumerics(25)


def new_sts_access_key_secret() -> Secret:
    """A temporary AccessKeySecret: 44 alphanumerics, the length of the real ones."""
    return Secret(_random_alphanumerics(44))
