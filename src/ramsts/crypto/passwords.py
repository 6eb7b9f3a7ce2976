"""Console passwords, stored as argon2id hashes (argon2-cffi's RFC 9106 low-memory profile).

The profile costs tens of milliseconds and 64 MiB per hash, as it should. A test suite that
creates hundreds of login profiles may set :data:`FAST_HASHING_FOR_TESTS_ENV` to ``1`` to hash
with argon2id's smallest parameters instead; a process that does so says it in its log, once.
"""

from __future__ import annotations

import logging
import os
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ramsts.types import Secret

FAST_HASHING_FOR_TESTS_ENV = "RAMSTS_TEST_ONLY_FAST_PASSWORD_HASHING"
"""``1``: hash passwords with argon2id's smallest parameters. For test suites only: such hashes
offer next to no resistance to guessing."""

logger = logging.getLogger(__name__)


@cache
def _hasher() -> PasswordHasher:
    if os.environ.get(FAST_HASHING_FOR_TESTS_ENV) == "1":
        logger.warning(
            "%s=1: passwords are hashed with test-only parameters, unfit for real use",
            FAST_HASHING_FOR_TESTS_ENV,
        )
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: Secret) -> str:
    """An argon2id hash in PHC string form (``$argon2id$v=19$m=…``), with its own random salt."""
    return str(_hasher().hash(password.reveal()))


def verify_password(password_hash: str, candidate: Secret) -> bool:
    """Whether ``candidate`` is the password; a malformed stored hash never matches."""
    try:
        return bool(_hasher().verify(password_hash, candidate.reveal()))
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with older parameters (re-hash it after the next good login)."""
    try:
        return bool(_hasher().check_needs_rehash(password_hash))
    except (InvalidHashError, ValueError):
        return True
