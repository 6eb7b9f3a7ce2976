"""Accounts (the tenants), their alias and root console password, and per-account settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.errors import Conflict
from ramsts.store.records import Account, AccountSettings
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import account_settings, accounts


def to_account(row: Mapping[Any, Any]) -> Account:
    return Account(
        account_id=row["account_id"],
        name=row["name"],
        alias=row["alias"],
        root_password_hash=row["root_password_hash"],
        created_at=row["created_at"],
    )


class AccountRepository(Repository):
    def create(
        self,
        *,
        name: str,
        now: datetime,
        account_id: str | None = None,
        root_password_hash: str | None = None,
    ) -> Account:
        """Create an account; a fresh 16-digit AccountId unless one is given (imports, tests)."""
        account = Account(
            account_id=account_id or ids.new_account_id(),
            name=name,
            alias=None,
            root_password_hash=root_password_hash,
            created_at=now,
        )
        self._write(
            accounts.insert().values(
                account_id=account.account_id,
                name=name,
                alias=None,
                root_password_hash=root_password_hash,
                created_at=now,
            ),
            entity="Account",
            key=account.account_id,
        )
        return account

    def get(self, account_id: str) -> Account | None:
        row = (
            self._connection.execute(sa.select(accounts).where(accounts.c.account_id == account_id))
            .mappings()
            .first()
        )
        return to_account(row) if row else None

    def get_by_alias(self, alias: str) -> Account | None:
        row = (
            self._connection.execute(sa.select(accounts).where(accounts.c.alias == alias.lower()))
            .mappings()
            .first()
        )
        return to_account(row) if row else None

    def list(self) -> list[Account]:
        rows = self._connection.execute(sa.select(accounts).order_by(accounts.c.account_id))
        return [to_account(row) for row in rows.mappings()]

    def set_alias(self, account_id: str, alias: str | None) -> bool:
        """Set (or with ``None`` clear) the alias; raises ``Conflict("AccountAlias")`` if taken.

        Aliases are lower-case by the API's rules; they are stored lower-cased all the same so
        that uniqueness can never depend on the caller's spelling.
        """
        result = self._write(
            accounts.update()
            .where(accounts.c.account_id == account_id)
            .values(alias=alias.lower() if alias is not None else None),
            entity="AccountAlias",
            key=alias or "",
        )
        return result.rowcount == 1

    def set_root_password(self, account_id: str, password_hash: str | None) -> bool:
        result = self._connection.execute(
            accounts.update()
            .where(accounts.c.account_id == account_id)
            .values(root_password_hash=password_hash)
        )
        return result.rowcount == 1

    def delete(self, account_id: str) -> bool:
        """Delete an account and, by cascade, everything it owns."""
        result = self._connection.execute(
            accounts.delete().where(accounts.c.account_id == account_id)
        )
        return result.rowcount == 1


class AccountSettingsRepository(Repository):
    """Password policy and security preference, stored as JSON documents."""

    def get(self, account_id: str) -> AccountSettings:
        row = (
            self._connection.execute(
                sa.select(account_settings).where(account_settings.c.account_id == account_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return AccountSettings(account_id, None, None)
        return AccountSettings(account_id, row["password_policy"], row["security_preference"])

    def set_password_policy(self, account_id: str, policy: Mapping[str, Any]) -> None:
        self._upsert(account_id, password_policy=dict(policy))

    def set_security_preference(self, account_id: str, preference: Mapping[str, Any]) -> None:
        self._upsert(account_id, security_preference=dict(preference))

    def _upsert(self, account_id: str, **values: Any) -> None:
        updated = self._connection.execute(
            account_settings.update()
            .where(account_settings.c.account_id == account_id)
            .values(**values)
        )
        if updated.rowcount == 1:
            return
        try:
            self._write(
                account_settings.insert().values(account_id=account_id, **values),
                entity="AccountSettings",
                key=account_id,
                parent="Account",
            )
        except Conflict:
            # Another action created the row between our update and insert: update it now.
            self._connection.execute(
                account_settings.update()
                .where(account_settings.c.account_id == account_id)
                .values(**values)
            )
