"""Sealing of secrets at rest: AES-256-GCM with the storage context bound as associated data.

A sealed value is ``s1.`` followed by the unpadded URL-safe base64 of ``nonce ‖ ciphertext``.
The context (for example ``access-key:LTAI5t…``) is authenticated but not stored, so a sealed value
copied into another column or row no longer opens: unsealing needs the very context it was sealed
under.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ramsts.errors import InternalError

SEAL_PREFIX = "s1."
NONCE_BYTES = 12
TAG_BYTES = 16
_AAD_LABEL = b"ramsts/seal/v1\x00"


class UnsealError(InternalError):
    """A sealed value did not open: tampered, moved to another context, or sealed under another
    master key. Clients see only the generic 500; :attr:`reason` is for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def _associated_data(context: str) -> bytes:
    return _AAD_LABEL + context.encode("utf-8")


def seal_value(aead: AESGCM, plaintext: bytes | str, context: str) -> str:
    """Encrypt ``plaintext`` for storage under ``context``."""
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)
    # A fresh random 96-bit nonce per seal: far below the 2**32 seals per key where GCM's
    # random-nonce collision risk starts to matter.
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + aead.encrypt(nonce, data, _associated_data(context))
    return SEAL_PREFIX + base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def unseal_value(aead: AESGCM, sealed: str, context: str) -> bytes:
    """Decrypt a value made by :func:`seal_value` under the same ``context``."""
    if not sealed.startswith(SEAL_PREFIX):
        raise UnsealError("sealed value has an unknown version prefix")
    body = sealed[len(SEAL_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise UnsealError("sealed value is not base64") from exc
    # Only the canonical encoding opens: the decoder skips stray characters and ignores the
    # final character's spare bits, and a changed character must never go unnoticed.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise UnsealError("sealed value is not in canonical base64")
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise UnsealError("sealed value is too short")
    try:
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(context))
    except InvalidTag as exc:
        raise UnsealError(
            "sealed value failed authentication (tampered, wrong context or wrong master key)"
        ) from exc
