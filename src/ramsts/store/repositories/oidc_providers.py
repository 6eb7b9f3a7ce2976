"""OIDC providers (Ims): an account's trusted OpenID Connect issuers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.records import OidcProvider, Page
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import oidc_providers


def to_oidc_provider(row: Mapping[Any, Any]) -> OidcProvider:
    return OidcProvider(
        provider_id=row["provider_id"],
        account_id=row["account_id"],
        provider_name=row["provider_name"],
        issuer_url=row["issuer_url"],
        description=row["description"],
        client_ids=tuple(json.loads(row["client_ids"])),
        fingerprints=tuple(json.loads(row["fingerprints"])),
        issuance_limit_time=row["issuance_limit_time"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _stored(values: Sequence[str]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


class OidcProviderRepository(Repository):
    def create(
        self,
        account_id: str,
        *,
        provider_name: str,
        issuer_url: str,
        now: datetime,
        description: str = "",
        client_ids: Sequence[str] = (),
        fingerprints: Sequence[str] = (),
        issuance_limit_time: int = 12,
    ) -> OidcProvider:
        """Raises ``Conflict("OIDCProvider")`` when the name is taken (in any letter case) or
        the account already trusts this issuer URL."""
        provider = OidcProvider(
            provider_id=ids.new_oidc_provider_id(),
            account_id=account_id,
            provider_name=provider_name,
            issuer_url=issuer_url,
            description=description,
            client_ids=tuple(client_ids),
            fingerprints=tuple(fingerprints),
            issuance_limit_time=issuance_limit_time,
            created_at=now,
            updated_at=now,
        )
        self._write(
            oidc_providers.insert().values(**self._columns(provider)),
            entity="OIDCProvider",
            key=provider_name,
            parent="Account",
        )
        return provider

    def get(self, account_id: str, provider_name: str) -> OidcProvider | None:
        row = (
            self._connection.execute(
                sa.select(oidc_providers).where(
                    (oidc_providers.c.account_id == account_id)
                    & (oidc_providers.c.name_key == fold_name(provider_name))
                )
            )
            .mappings()
            .first()
        )
        return to_oidc_provider(row) if row else None

    def update(self, provider: OidcProvider, *, now: datetime) -> OidcProvider:
        """Write the editable fields (description, client ids, fingerprints, issuance limit);
        a provider's name and issuer URL never change."""
        changed = replace(provider, updated_at=now)
        columns = self._columns(changed)
        for fixed in ("provider_id", "account_id", "provider_name", "name_key", "issuer_url"):
            del columns[fixed]
        del columns["created_at"]
        self._connection.execute(
            oidc_providers.update()
            .where(oidc_providers.c.provider_id == provider.provider_id)
            .values(**columns)
        )
        return changed

    def delete(self, provider_id: str) -> bool:
        result = self._connection.execute(
            oidc_providers.delete().where(oidc_providers.c.provider_id == provider_id)
        )
        return result.rowcount == 1

    def list(
        self, account_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Page[OidcProvider]:
        return fetch_page(
            self._connection,
            sa.select(oidc_providers).where(oidc_providers.c.account_id == account_id),
            name_key=oidc_providers.c.name_key,
            row_id=oidc_providers.c.provider_id,
            marker=marker,
            max_items=max_items,
            convert=to_oidc_provider,
        )

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(oidc_providers.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    @staticmethod
    def _columns(provider: OidcProvider) -> dict[str, object]:
        return {
            "provider_id": provider.provider_id,
            "account_id": provider.account_id,
            "provider_name": provider.provider_name,
            "name_key": fold_name(provider.provider_name),
            "issuer_url": provider.issuer_url,
            "description": provider.description,
            "client_ids": _stored(provider.client_ids),
            "fingerprints": _stored(provider.fingerprints),
            "issuance_limit_time": provider.issuance_limit_time,
            "created_at": provider.created_at,
            "updated_at": provider.updated_at,
        }
