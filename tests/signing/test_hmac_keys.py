"""HMAC with prepared key pads gives exactly the standard library's HMAC, whatever the key."""

from __future__ import annotations

import hmac

from hypothesis import given
from hypothesis import strategies as st

from ramsts.signing.hmac_keys import hmac_digest


@given(
    key=st.binary(max_size=200),
    message=st.binary(max_size=3000),
    algorithm=st.sampled_from(["sha1", "sha256"]),
)
def test_the_digest_is_the_standard_hmac(key: bytes, message: bytes, algorithm: str) -> None:
    assert hmac_digest(key, message, algorithm) == hmac.digest(key, message, algorithm)


def test_a_key_used_again_gives_the_same_digest_and_others_do_not_disturb_it() -> None:
    first = hmac_digest(b"secret&", b"GET&%2F&Action%3DListUsers", "sha1")
    for index in range(50):
        hmac_digest(f"other{index}".encode(), b"message", "sha1")
    assert hmac_digest(b"secret&", b"GET&%2F&Action%3DListUsers", "sha1") == first
