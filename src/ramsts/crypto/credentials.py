"""New AccessKey pairs, shaped like the real service's, drawn from :mod:`secrets`.

Each value is made from one ``secrets.token_bytes`` call, mapped onto the 62 alphanumerics by
rejection sampling: a byte below 248 (4 × 62) names ``ALPHANUMERICS[byte % 62]``, and a byte of
248 to 255 is dropped, so that every character is exactly as likely as every other. The mapping
and the dropping are one ``bytes.translate``; a few spare bytes are drawn so that a second call
is almost never needed (for 44 characters, about 3 in 10¹² values).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable

from ramsts.types import Secret

ALPHANUMERICS = string.ascii_letters + string.digits
ACCESS_KEY_ID_PREFIX = "LTAI5t"
STS_ACCESS_KEY_ID_PREFIX = "STS."

_ACCEPTED = len(ALPHANUMERICS) * (256 // len(ALPHANUMERICS))  # 248
_TO_ALPHANUMERIC = bytes(ord(ALPHANUMERICS[byte % len(ALPHANUMERICS)]) for byte in range(256))
_REJECTED = bytes(range(_ACCEPTED, 256))
_SPARE_BYTES = 16
"""Drawn beyond the length: 8 of 256 bytes are rejected, so a shortfall needs more than 16
rejections among length + 16 bytes."""


def random_alphanumerics(
    length: int, *, token_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> str:
    """``length`` characters drawn uniformly and independently from :data:`ALPHANUMERICS`.

    ``token_bytes`` is the source of random bytes (tests pass a fixed one).
    """
    drawn = b""
    while len(drawn) < length:
        drawn += token_bytes(length - len(drawn) + _SPARE_BYTES).translate(
            _TO_ALPHANUMERIC, _REJECTED
        )
    return drawn[:length].decode("ascii")


def new_access_key_id() -> str:
    """A long-term AccessKeyId: ``LTAI5t`` and 18 alphanumerics, 24 characters in all."""
    return ACCESS_KEY_ID_PREFIX + random_alphanumerics(18)


def new_access_key_secret() -> Secret:
    """A long-term AccessKeySecret: 30 alphanumerics (about 178 bits)."""
    return Secret(random_alphanumerics(30))


def new_sts_access_key_id() -> str:
    """A temporary AccessKeyId: ``STS.`` and 25 alphanumerics."""
    return STS_ACCESS_KEY_ID_PREFIX + random_alphanumerics(25)


def new_sts_access_key_secret() -> Secret:
    """A temporary AccessKeySecret: 44 alphanumerics, the length of the real ones."""
    return Secret(random_alphanumerics(44))
