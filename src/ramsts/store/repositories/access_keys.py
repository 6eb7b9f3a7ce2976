"""Long-term AccessKeys of RAM users and of account roots.

:meth:`AccessKeyRepository.resolve` is the gateway's lookup for every signed request: the key,
its account and its user come back from one indexed query.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.records import AccessKey, AccessKeyOwner, AccessKeyStatus
from ramsts.store.repositories.accounts import to_account
from ramsts.store.repositories.base import Repository
from ramsts.store.repositories.users import to_user
from ramsts.store.schema import access_keys, accounts, users


def to_access_key(row: Mapping[Any, Any]) -> AccessKey:
    return AccessKey(
        access_key_id=row["access_key_id"],
        account_id=row["account_id"],
        user_id=row["user_id"],
        sealed_secret=row["sealed_secret"],
        status=row["status"],
        created_at=row["created_at"],
    )


def _owner_of(user_id: str | None) -> sa.ColumnElement[bool]:
    if user_id is None:
        return access_keys.c.user_id.is_(None)
    return access_keys.c.user_id == user_id


class AccessKeyRepository(Repository):
    def create(
        self,
        account_id: str,
        *,
        user_id: str | None,
        access_key_id: str,
        sealed_secret: str,
        now: datetime,
        status: AccessKeyStatus = "Active",
    ) -> AccessKey:
        """Store a key; ``user_id=None`` makes it a key of the account's root."""
        key = AccessKey(access_key_id, account_id, user_id, sealed_secret, status, now)
        self._write(
            access_keys.insert().values(
                access_key_id=access_key_id,
                account_id=account_id,
                user_id=user_id,
                sealed_secret=sealed_secret,
                status=status,
                created_at=now,
            ),
            entity="AccessKey",
            key=access_key_id,
            parent="User" if user_id else "Account",
        )
        return key

    def get(self, access_key_id: str) -> AccessKey | None:
        row = (
            self._connection.execute(
                sa.select(access_keys).where(access_keys.c.access_key_id == access_key_id)
            )
            .mappings()
            .first()
        )
        return to_access_key(row) if row else None

    def resolve(self, access_key_id: str) -> AccessKeyOwner | None:
        """The key with its account and (for a RAM user's key) its user, in one query."""
        key_columns = [c.label(f"k_{c.key}") for c in access_keys.c]
        account_columns = [c.label(f"a_{c.key}") for c in accounts.c]
        user_columns = [c.label(f"u_{c.key}") for c in users.c]
        row = (
            self._connection.execute(
                sa.select(*key_columns, *account_columns, *user_columns)
                .select_from(access_keys)
                .join(accounts, accounts.c.account_id == access_keys.c.account_id)
                .outerjoin(users, users.c.user_id == access_keys.c.user_id)
                .where(access_keys.c.access_key_id == access_key_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None

        def part(prefix: str) -> dict[str, object]:
            return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}

        key = to_access_key(part("k_"))
        user = to_user(part("u_")) if key.user_id else None
        return AccessKeyOwner(key, to_account(part("a_")), user)

    def list_for(self, account_id: str, user_id: str | None) -> list[AccessKey]:
        """Keys of a user, or of the account's root when ``user_id`` is ``None``; oldest first."""
        rows = self._connection.execute(
            sa.select(access_keys)
            .where((access_keys.c.account_id == account_id) & _owner_of(user_id))
            .order_by(access_keys.c.created_at, access_keys.c.access_key_id)
        ).mappings()
        return [to_access_key(row) for row in rows]

    def count_for(self, account_id: str, user_id: str | None) -> int:
        statement = sa.select(sa.func.count()).where(
            (access_keys.c.account_id == account_id) & _owner_of(user_id)
        )
        return int(self._connection.execute(statement).scalar_one())

    def set_status(self, access_key_id: str, status: AccessKeyStatus) -> bool:
        result = self._connection.execute(
            access_keys.update()
            .where(access_keys.c.access_key_id == access_key_id)
            .values(status=status)
        )
        return result.rowcount == 1

    def delete(self, access_key_id: str) -> bool:
        result = self._connection.execute(
            access_keys.delete().where(access_keys.c.access_key_id == access_key_id)
        )
        return result.rowcount == 1
