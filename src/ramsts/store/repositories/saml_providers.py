"""SAML providers (Ims) and the ledger of the assertions they issued that were spent on a
session (AssumeRoleWithSAML)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.records import Page, SamlProvider
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import saml_assertions, saml_providers

PURGE_ONE_IN = 32
"""One spend in this many also deletes the expired assertions, so the ledger stays as small as
the assertions' lifetimes."""


def to_saml_provider(row: Mapping[Any, Any]) -> SamlProvider:
    return SamlProvider(
        provider_id=row["provider_id"],
        account_id=row["account_id"],
        provider_name=row["provider_name"],
        description=row["description"],
        metadata_document=row["metadata_document"],
        authn_sign_algo=row["authn_sign_algo"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SamlProviderRepository(Repository):
    def create(
        self,
        account_id: str,
        *,
        provider_name: str,
        metadata_document: str,
        now: datetime,
        description: str = "",
        authn_sign_algo: str = "rsa-sha256",
    ) -> SamlProvider:
        """Raises ``Conflict("SAMLProvider")`` when the name is taken (in any letter case)."""
        provider = SamlProvider(
            provider_id=ids.new_saml_provider_id(),
            account_id=account_id,
            provider_name=provider_name,
            description=description,
            metadata_document=metadata_document,
            authn_sign_algo=authn_sign_algo,
            created_at=now,
            updated_at=now,
        )
        self._write(
            saml_providers.insert().values(**self._columns(provider)),
            entity="SAMLProvider",
            key=provider_name,
            parent="Account",
        )
        return provider

    def get(self, account_id: str, provider_name: str) -> SamlProvider | None:
        row = (
            self._connection.execute(
                sa.select(saml_providers).where(
                    (saml_providers.c.account_id == account_id)
                    & (saml_providers.c.name_key == fold_name(provider_name))
                )
            )
            .mappings()
            .first()
        )
        return to_saml_provider(row) if row else None

    def update(self, provider: SamlProvider, *, now: datetime) -> SamlProvider:
        """Write the editable fields (description, metadata, signature algorithm)."""
        changed = replace(provider, updated_at=now)
        self._connection.execute(
            saml_providers.update()
            .where(saml_providers.c.provider_id == provider.provider_id)
            .values(
                description=changed.description,
                metadata_document=changed.metadata_document,
                authn_sign_algo=changed.authn_sign_algo,
                updated_at=now,
            )
        )
        return changed

    def delete(self, provider_id: str) -> bool:
        result = self._connection.execute(
            saml_providers.delete().where(saml_providers.c.provider_id == provider_id)
        )
        return result.rowcount == 1

    def list(
        self, account_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Page[SamlProvider]:
        return fetch_page(
            self._connection,
            sa.select(saml_providers).where(saml_providers.c.account_id == account_id),
            name_key=saml_providers.c.name_key,
            row_id=saml_providers.c.provider_id,
            marker=marker,
            max_items=max_items,
            convert=to_saml_provider,
        )

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(saml_providers.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    @staticmethod
    def _columns(provider: SamlProvider) -> dict[str, object]:
        return {
            "provider_id": provider.provider_id,
            "account_id": provider.account_id,
            "provider_name": provider.provider_name,
            "name_key": fold_name(provider.provider_name),
            "description": provider.description,
            "metadata_document": provider.metadata_document,
            "authn_sign_algo": provider.authn_sign_algo,
            "created_at": provider.created_at,
            "updated_at": provider.updated_at,
        }


class SamlAssertionLedger(Repository):
    def spend(self, assertion_key: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record the assertion as spent: ``True`` the first time, ``False`` when any process
        sharing the database spent it before (the primary key decides, so two concurrent spends
        of one assertion cannot both succeed). Expired entries are deleted now and then."""
        values = {"assertion_key": assertion_key, "expires_at": expires_at}
        dialect = self._connection.dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(saml_assertions)
        statement = (
            insert.values(**values)
            .on_conflict_do_nothing(index_elements=["assertion_key"])
            .returning(saml_assertions.c.assertion_key)
        )
        # RETURNING names the row only when this statement inserted it.
        spent_now = self._connection.execute(statement).first() is not None
        if secrets.randbelow(PURGE_ONE_IN) == 0:
            self._connection.execute(
                saml_assertions.delete().where(saml_assertions.c.expires_at <= now)
            )
        return spent_now
