"""TokenKey: a key of the ring that encrypts SecurityTokens, stored sealed under the master key."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from ramsts.crypto import MasterKey

TOKEN_KEY_BYTES = 32
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,32}")


def _sealing_context(key_id: str) -> str:
    return f"token-key:{key_id}"


@dataclass(frozen=True, slots=True)
class TokenKey:
    """An AES-256 key with the id tokens name it by. ``material`` never shows in a repr."""

    key_id: str
    material: bytes = field(repr=False)
    created_at: datetime

    def __post_init__(self) -> None:
        if not KEY_ID_PATTERN.fullmatch(self.key_id):
            raise ValueError(
                f"a token key id is 1 to 32 letters, digits, '.', '_' or '-': {self.key_id!r}"
            )
        if len(self.material) != TOKEN_KEY_BYTES:
            raise ValueError(f"a token key is exactly {TOKEN_KEY_BYTES} bytes")
        if self.created_at.tzinfo is None:
            raise ValueError("a token key's created_at must be an aware datetime")

    @classmethod
    def generate(cls, now: datetime) -> TokenKey:
        """A new random key; its id starts with the creation date so listings read in order."""
        key_id = f"{now:%Y%m%d}-{secrets.token_hex(4)}"
        return cls(key_id=key_id, material=secrets.token_bytes(TOKEN_KEY_BYTES), created_at=now)

    def seal(self, master: MasterKey) -> str:
        """The material sealed under the master key, bound to this key id, for the store."""
        return master.seal(self.material, _sealing_context(self.key_id))

    @classmethod
    def unseal(cls, key_id: str, sealed: str, created_at: datetime, master: MasterKey) -> TokenKey:
        """Rebuild a key from the store; a sealed value moved to another key id does not open."""
        return cls(
            key_id=key_id,
            material=master.unseal(sealed, _sealing_context(key_id)),
            created_at=created_at,
        )
