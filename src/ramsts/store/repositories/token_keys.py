"""The SecurityToken key ring: sealed keys by id, exactly one of them current (it mints)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.records import TokenKey
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import token_keys


def to_token_key(row: Mapping[Any, Any]) -> TokenKey:
    return TokenKey(row["key_id"], row["sealed_key"], row["created_at"], row["is_current"])


class TokenKeyRepository(Repository):
    def add(self, key_id: str, sealed_key: str, *, now: datetime, current: bool) -> TokenKey:
        """Add a key; with ``current=True`` it replaces the current one in the same step."""
        if current:
            self._clear_current()
        self._write(
            token_keys.insert().values(
                key_id=key_id, sealed_key=sealed_key, created_at=now, is_current=current
            ),
            entity="TokenKey",
            key=key_id,
        )
        return TokenKey(key_id, sealed_key, now, current)

    def list(self) -> list[TokenKey]:
        """Every key, newest first."""
        rows = self._connection.execute(
            sa.select(token_keys).order_by(token_keys.c.created_at.desc(), token_keys.c.key_id)
        ).mappings()
        return [to_token_key(row) for row in rows]

    def current(self) -> TokenKey | None:
        row = (
            self._connection.execute(sa.select(token_keys).where(token_keys.c.is_current))
            .mappings()
            .first()
        )
        return to_token_key(row) if row else None

    def make_current(self, key_id: str) -> bool:
        if (
            self._connection.execute(
                sa.select(token_keys.c.key_id).where(token_keys.c.key_id == key_id)
            ).first()
            is None
        ):
            return False
        self._clear_current()
        self._connection.execute(
            token_keys.update().where(token_keys.c.key_id == key_id).values(is_current=True)
        )
        return True

    def delete(self, key_id: str) -> bool:
        """Retire a key: tokens it signed stop opening. The current key is never deleted."""
        result = self._connection.execute(
            token_keys.delete().where(
                (token_keys.c.key_id == key_id) & sa.not_(token_keys.c.is_current)
            )
        )
        return result.rowcount == 1

    def _clear_current(self) -> None:
        self._connection.execute(
            token_keys.update().where(token_keys.c.is_current).values(is_current=False)
        )
