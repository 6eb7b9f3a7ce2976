"""Rotating the keys that seal SecurityTokens (``ramsts keys rotate``, ``ramsts keys list``).

A rotation adds a new random key, sealed under the master key, and makes it the one that mints.
The older keys stay in the ring, so every token they minted keeps opening until it expires on its
own; nothing is revoked by a rotation.

How running servers learn of it, without a restart:

* opening a token whose key id the process does not hold reloads the ring from the store (at most
  once a second, so forged key ids cannot flood the database) — a token minted by the new key in
  another process is accepted at once;
* AssumeRole looks at the stored ring every
  :data:`~ramsts.sts.assume_role.KEY_RING_REFRESH_INTERVAL` seconds (10) before minting — every
  process mints with the new key within that time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ramsts.crypto import MasterKey
from ramsts.store import Store
from ramsts.tokens import TokenKey


@dataclass(frozen=True, slots=True)
class TokenKeyInfo:
    """What may be shown of a token key: never its material."""

    key_id: str
    created_at: datetime
    is_current: bool


def rotate_token_key(store: Store, master_key: MasterKey, *, now: datetime) -> TokenKeyInfo:
    """Add a new token key and make it the one that mints; older keys keep opening tokens."""
    key = TokenKey.generate(now)
    with store.transaction() as tx:
        tx.token_keys.add(key.key_id, key.seal(master_key), now=now, current=True)
    return TokenKeyInfo(key.key_id, key.created_at, is_current=True)


def list_token_keys(store: Store) -> list[TokenKeyInfo]:
    """Every token key, newest first."""
    with store.read() as tx:
        return [
            TokenKeyInfo(key.key_id, key.created_at, key.is_current) for key in tx.token_keys.list()
        ]
