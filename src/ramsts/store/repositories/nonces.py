"""Signature nonces (``SignatureNonce`` / ``x-acs-signature-nonce``): each may be used once.

The primary key decides: inserting a nonce that is there already fails, whichever process tried
first, on SQLite and PostgreSQL alike. Expired nonces are purged now and then on insert, so the
table stays as small as the replay window.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from ramsts.store.errors import Conflict
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import signature_nonces

PURGE_ONE_IN = 64
"""On average one insert in this many also deletes the expired nonces."""


class NonceRepository(Repository):
    def use(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record ``key`` as used until ``expires_at``; ``False`` if it was used already.

        ``key`` should be scoped by the caller (e.g. ``<AccessKeyId>:<nonce>``).
        """
        if secrets.randbelow(PURGE_ONE_IN) == 0:
            self.purge(now)
        try:
            self._write(
                signature_nonces.insert().values(nonce_key=key, expires_at=expires_at),
                entity="Nonce",
                key=key,
            )
        except Conflict:
            return False
        return True

    def purge(self, now: datetime) -> int:
        """Delete the nonces that expired before ``now``."""
        result = self._connection.execute(
            signature_nonces.delete().where(signature_nonces.c.expires_at < now)
        )
        return int(result.rowcount)
