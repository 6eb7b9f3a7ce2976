"""The master key: 32 random bytes under which every secret at rest is sealed.

It comes from ``RAMSTS_MASTER_KEY`` (base64 or URL-safe base64 of exactly 32 bytes) or from a key
file that the first start creates with mode 0600. A key file that group or others can read is
refused rather than used, because anyone who reads it can unseal every stored secret.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ramsts.crypto.sealing import seal_value, unseal_value

MASTER_KEY_ENV = "RAMSTS_MASTER_KEY"
MASTER_KEY_BYTES = 32


class MasterKeyError(Exception):
    """The master key cannot be loaded; raised at start-up, never during a request.

    Messages name the source (variable or path) and what is wrong with it, never the key.
    """


class MasterKey:
    """The 32-byte master key. Its bytes never appear in a repr, str or error."""

    __slots__ = ("_aead", "_material")

    def __init__(self, material: bytes) -> None:
        if len(material) != MASTER_KEY_BYTES:
            raise MasterKeyError(
                f"a master key is exactly {MASTER_KEY_BYTES} bytes, got {len(material)}"
            )
        self._material = bytes(material)
        self._aead = AESGCM(self._material)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(MASTER_KEY_BYTES))

    def encoded(self) -> str:
        """The key as URL-safe base64, the form ``RAMSTS_MASTER_KEY`` and the key file hold."""
        return base64.urlsafe_b64encode(self._material).decode("ascii")

    def seal(self, plaintext: bytes | str, context: str) -> str:
        """Encrypt a secret for storage; ``context`` names where it is stored (column and row)."""
        return seal_value(self._aead, plaintext, context)

    def unseal(self, sealed: str, context: str) -> bytes:
        """Decrypt a value sealed under the same ``context``; raises ``UnsealError`` otherwise."""
        return unseal_value(self._aead, sealed, context)

    def __repr__(self) -> str:
        return "MasterKey(***)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # Pickling would write the key wherever the pickle goes (caches, crash dumps).
        raise TypeError("a MasterKey cannot be pickled")


def parse_master_key(text: str, source: str) -> MasterKey:
    """Decode base64 or URL-safe base64 of exactly 32 bytes; ``source`` names where it came from."""
    cleaned = text.strip()
    if not cleaned:
        raise MasterKeyError(f"{source} is empty; it must hold the base64 of 32 random bytes")
    alphabet = cleaned.replace("-", "+").replace("_", "/")
    unpadded = alphabet.rstrip("=")
    padded = unpadded + "=" * (-len(unpadded) % 4)
    try:
        material = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(
            f"{source} is not valid base64; generate a key with `openssl rand -base64 32`"
        ) from None
    if len(material) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"{source} must decode to exactly {MASTER_KEY_BYTES} bytes, got {len(material)}"
        )
    return MasterKey(material)


def load_master_key(env: Mapping[str, str], key_file: Path) -> MasterKey:
    """The key from ``RAMSTS_MASTER_KEY`` if set, else from ``key_file`` (created if missing).

    A variable that is set but empty is an error rather than a fall-back to the file: falling back
    silently would start the server with a different key than the operator meant.
    """
    if MASTER_KEY_ENV in env:
        return parse_master_key(env[MASTER_KEY_ENV], MASTER_KEY_ENV)
    if not key_file.exists():
        _create_key_file(key_file)
    return _read_key_file(key_file)


def _read_key_file(key_file: Path) -> MasterKey:
    try:
        info = key_file.stat()
    except OSError as exc:
        message = f"cannot read the master key file {key_file}: {exc.strerror}"
        raise MasterKeyError(message) from None
    if not stat.S_ISREG(info.st_mode):
        raise MasterKeyError(f"the master key file {key_file} is not a regular file")
    if info.st_mode & 0o077:
        raise MasterKeyError(
            f"the master key file {key_file} is readable by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {key_file}` and start again"
        )
    try:
        text = key_file.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterKeyError(f"cannot read the master key file {key_file}: {exc}") from None
    return parse_master_key(text, f"the master key file {key_file}")


def _create_key_file(key_file: Path) -> None:
    """Write a new key to a private temporary file, then link it into place.

    ``O_CREAT | O_EXCL`` with mode 0600 means the key is never readable by others, not even for
    an instant; linking the complete file into place means a concurrent start either wins the
    race or reads the winner's complete key, never a half-written one.
    """
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(MasterKey.generate().encoded() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, key_file)
    finally:
        temporary.unlink(missing_ok=True)
