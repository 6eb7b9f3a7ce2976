"""Console passwords, stored as argon2id hashes (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ramsts.types import Secret

_hasher = PasswordHasher()


def hash_password(password: Secret) -> str:
    """An argon2id hash in PHC string form (``$argon2id$v=19$m=…``), with its own random salt."""
    return str(_hasher.hash(password.reveal()))


def verify_password(password_hash: str, candidate: Secret) -> bool:
    """Whether ``candidate`` is the password; a malformed stored hash never matches."""
    try:
        return bool(_hasher.verify(password_hash, candidate.reveal()))
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with older parameters (re-hash it after the next good login)."""
    try:
        return bool(_hasher.check_needs_rehash(password_hash))
    except (InvalidHashError, ValueError):
        return True
