"""Stateless SecurityTokens: any process holding the key ring verifies one without the database.

A token is the role session's :class:`SessionClaims`, encrypted and authenticated (AES-256-GCM)
under a key of the :class:`KeyRing`; the keys are stored sealed under the master key.
"""

from ramsts.tokens.claims import SessionClaims
from ramsts.tokens.keyring import (
    TOKEN_PREFIX,
    ExpiredTokenError,
    KeyRing,
    MalformedTokenError,
    UnknownTokenKeyError,
)
from ramsts.tokens.keys import TokenKey

__all__ = [
    "TOKEN_PREFIX",
    "ExpiredTokenError",
    "KeyRing",
    "MalformedTokenError",
    "SessionClaims",
    "TokenKey",
    "UnknownTokenKeyError",
]
