"""The compact binary payload a SecurityToken encrypts: SessionClaims without JSON.

Layout (big-endian)::

    flags:u8  padding:u8  issued_at:i64  expires_at:i64  policy_length:u16
    account_id NUL role_id NUL role_name NUL session_name NUL access_key_id NUL
    access_key_secret NUL principal_arn NUL source_identity          (UTF-8)
    session_policy                                                    (policy_length bytes)
    padding zero bytes

Times are whole seconds since the epoch. The text fields are NUL-separated because none of them
may hold a NUL, which makes decoding one ``split`` rather than a loop. The padding (0–2 bytes) is
chosen by the caller so the whole token is a multiple of three bytes, which lets its base64 form
carry no padding and no spare bits. A session policy of some size is deflated on its own, never
together with the AccessKeySecret, so the token's length says nothing about the secret.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from functools import lru_cache

from ramsts.crypto import STS_ACCESS_KEY_ID_PREFIX
from ramsts.tokens.claims import SessionClaims
from ramsts.types import Secret

_FIXED = struct.Struct(">BBqqH")
FIXED_BYTES = _FIXED.size
_TEXT_FIELDS = 8
_MAX_POLICY_BYTES = 0xFFFF
# Deflate only long policies: inflating costs about as much as the rest of opening a token, which
# pays off in token size (a 1.7 KiB policy shrinks to 0.2 KiB) but not for a short one.
_DEFLATE_FROM_BYTES = 512

CHAINED = 0x01
MFA_PRESENT = 0x02
HAS_SOURCE_IDENTITY = 0x04
HAS_SESSION_POLICY = 0x08
POLICY_DEFLATED = 0x10
_KNOWN_FLAGS = CHAINED | MFA_PRESENT | HAS_SOURCE_IDENTITY | HAS_SESSION_POLICY | POLICY_DEFLATED


class PayloadError(ValueError):
    """The decrypted payload does not decode (a token of a format this version does not know)."""


def _epoch_seconds(instant: datetime, name: str) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"SessionClaims.{name} must be an aware datetime")
    if instant.microsecond:
        raise ValueError(f"SessionClaims.{name} must be whole seconds")
    return int(instant.timestamp())


def encode_claims(claims: SessionClaims, *, framing_bytes: int = 0) -> bytes:
    """The payload for ``claims``, padded so it and ``framing_bytes`` add up to a multiple of 3.

    Raises ``ValueError`` for claims no token may carry.
    """
    if not claims.access_key_id.startswith(STS_ACCESS_KEY_ID_PREFIX):
        raise ValueError("a SecurityToken belongs to a temporary AccessKeyId (STS.…)")
    issued_at = _epoch_seconds(claims.issued_at, "issued_at")
    expires_at = _epoch_seconds(claims.expires_at, "expires_at")
    if expires_at <= issued_at:
        raise ValueError("SessionClaims.expires_at must be after issued_at")

    flags = (CHAINED if claims.chained else 0) | (MFA_PRESENT if claims.mfa_present else 0)
    if claims.source_identity is not None:
        flags |= HAS_SOURCE_IDENTITY
    policy = b""
    if claims.session_policy is not None:
        flags |= HAS_SESSION_POLICY
        policy = claims.session_policy.encode()
        if len(policy) >= _DEFLATE_FROM_BYTES:
            deflated = _deflate_policy(policy)
            if len(deflated) < len(policy):
                flags |= POLICY_DEFLATED
                policy = deflated
    if len(policy) > _MAX_POLICY_BYTES:
        raise ValueError(f"a session policy in a token is at most {_MAX_POLICY_BYTES} bytes")

    texts = (
        claims.account_id,
        claims.role_id,
        claims.role_name,
        claims.session_name,
        claims.access_key_id,
        claims.access_key_secret.reveal(),
        claims.principal_arn,
        claims.source_identity or "",
    )
    if any("\x00" in text for text in texts):
        raise ValueError("SessionClaims text fields cannot hold a NUL character")
    encoded_texts = "\x00".join(texts).encode()
    padding = -(framing_bytes + FIXED_BYTES + len(encoded_texts) + len(policy)) % 3
    fixed = _FIXED.pack(flags, padding, issued_at, expires_at, len(policy))
    return b"".join((fixed, encoded_texts, policy, bytes(padding)))


# The same session policy tends to come with every AssumeRole of an application, and deflating
# it costs several times the rest of the mint: the last few are remembered (bytes in, bytes out).
@lru_cache(maxsize=256)
def _deflate_policy(policy: bytes) -> bytes:
    return zlib.compress(policy)


def decode_claims(payload: bytes) -> SessionClaims:
    """The claims in a payload made by :func:`encode_claims`; raises :class:`PayloadError`."""
    try:
        flags, padding, issued_at, expires_at, policy_length = _FIXED.unpack_from(payload)
    except struct.error as exc:
        raise PayloadError("payload shorter than its fixed part") from exc
    if flags & ~_KNOWN_FLAGS or padding > 2:
        raise PayloadError("payload has unknown flags")
    policy_end = len(payload) - padding
    texts_end = policy_end - policy_length
    if texts_end < FIXED_BYTES:
        raise PayloadError("payload lengths do not add up")
    try:
        texts = payload[FIXED_BYTES:texts_end].decode().split("\x00")
        session_policy = _decode_policy(flags, payload[texts_end:policy_end])
        issued = datetime.fromtimestamp(issued_at, UTC)
        expires = datetime.fromtimestamp(expires_at, UTC)
    except (UnicodeDecodeError, zlib.error, OverflowError, OSError, ValueError) as exc:
        raise PayloadError("payload field does not decode") from exc
    if len(texts) != _TEXT_FIELDS:
        raise PayloadError("payload has the wrong number of text fields")
    account_id, role_id, role_name, session_name, access_key_id, secret, principal, source = texts
    return SessionClaims._from_token(
        {
            "account_id": account_id,
            "role_id": role_id,
            "role_name": role_name,
            "session_name": session_name,
            "access_key_id": access_key_id,
            "access_key_secret": Secret(secret),
            "issued_at": issued,
            "expires_at": expires,
            "principal_arn": principal,
            "session_policy": session_policy,
            "source_identity": source if flags & HAS_SOURCE_IDENTITY else None,
            "chained": bool(flags & CHAINED),
            "mfa_present": bool(flags & MFA_PRESENT),
        }
    )


def _decode_policy(flags: int, raw: bytes) -> str | None:
    if not flags & HAS_SESSION_POLICY:
        return None
    if flags & POLICY_DEFLATED:
        return _inflate_policy(raw)
    return raw.decode()


# Applications tend to pass the same session policy on every AssumeRole, so many live tokens
# carry the same deflated bytes; remembering the last few spares most inflations. Only
# authenticated payloads reach here, so the cache holds nothing an attacker chose unseen.
@lru_cache(maxsize=256)
def _inflate_policy(raw: bytes) -> str:
    inflater = zlib.decompressobj()
    text = inflater.decompress(raw, 4 * _MAX_POLICY_BYTES)
    if inflater.unconsumed_tail or not inflater.eof:
        raise PayloadError("session policy does not inflate within its limit")
    return text.decode()
