"""HMAC with the AccessKeySecret's padded key states prepared once.

A server verifies request after request signed with the same few secrets. ``hmac.digest`` sets
the key up again on every call (and OpenSSL 3 looks the HMAC implementation up again too); hashing
the key's inner and outer pads once and copying those hash states per message costs half as much
(1.8 µs against 3.3 for an HMAC-SHA1 over a 1.5 kB StringToSign, measured here).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

KEYS_KEPT = 1024
"""Keys whose pads are kept; a key used again after that many others is prepared again."""

_INNER = bytes(byte ^ 0x36 for byte in range(256))
_OUTER = bytes(byte ^ 0x5C for byte in range(256))


def hmac_digest(key: bytes, message: bytes, algorithm: str) -> bytes:
    """RFC 2104 HMAC of ``message`` under ``key`` with ``algorithm`` (``sha1``, ``sha256``): the
    same bytes as ``hmac.digest(key, message, algorithm)``."""
    inner_pad, outer_pad = _pads(key, algorithm)
    inner = inner_pad.copy()
    inner.update(message)
    outer = outer_pad.copy()
    outer.update(inner.digest())
    digest: bytes = outer.digest()
    return digest


# Pure memoisation of a function of the key, not store data: a key deleted from the store is
# refused before its pads are asked for, so nothing here needs invalidating.
@lru_cache(maxsize=KEYS_KEPT)
def _pads(key: bytes, algorithm: str) -> tuple[Any, Any]:
    block_size = hashlib.new(algorithm).block_size
    if len(key) > block_size:
        key = hashlib.new(algorithm, key).digest()
    key = key.ljust(block_size, b"\0")
    return hashlib.new(algorithm, key.translate(_INNER)), hashlib.new(
        algorithm, key.translate(_OUTER)
    )
