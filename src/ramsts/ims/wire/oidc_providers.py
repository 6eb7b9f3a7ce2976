"""The OIDC provider actions on the wire (Ims): CreateOIDCProvider,
GetOIDCProvider, UpdateOIDCProvider, DeleteOIDCProvider, ListOIDCProviders,
AddClientIdToOIDCProvider, RemoveClientIdFromOIDCProvider, AddFingerprintToOIDCProvider and
RemoveFingerprintFromOIDCProvider, over :mod:`ramsts.ims.oidc_providers`.

Client ids and fingerprints travel as one comma-separated parameter each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.ims.identity_providers import DESCRIPTION, PROVIDER_NAME
from ramsts.ims.oidc_providers import (
    DEFAULT_ISSUANCE_LIMIT_TIME,
    MAX_ISSUANCE_LIMIT_TIME,
    NewOIDCProvider,
    OIDCProviderChange,
    ProviderClientId,
    ProviderFingerprint,
    add_client_id_to_oidc_provider,
    add_fingerprint_to_oidc_provider,
    checked_client_id,
    checked_client_ids,
    checked_fingerprint,
    checked_fingerprints,
    checked_issuer_url,
    create_oidc_provider,
    delete_oidc_provider,
    get_oidc_provider,
    list_oidc_providers,
    remove_client_id_from_oidc_provider,
    remove_fingerprint_from_oidc_provider,
    update_oidc_provider,
)
from ramsts.ims.wire.identity_providers import listing, provider_name, required
from ramsts.parameters import Parameters
from ramsts.products import IMS
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import OidcProvider, Page

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

NAME = "OIDCProviderName"


def render_provider(provider: OidcProvider) -> Body:
    return {
        "Arn": provider.arn,
        "OIDCProviderName": provider.provider_name,
        "IssuerUrl": provider.issuer_url,
        "Description": provider.description,
        "ClientIds": ",".join(provider.client_ids),
        "Fingerprints": ",".join(provider.fingerprints),
        "IssuanceLimitTime": provider.issuance_limit_time,
        "CreateDate": iso8601(provider.created_at),
        "UpdateDate": iso8601(provider.updated_at),
        "GmtCreate": _milliseconds(provider.created_at.timestamp()),
        "GmtModified": _milliseconds(provider.updated_at.timestamp()),
    }


def _milliseconds(seconds: float) -> str:
    return str(round(seconds * 1000))


def _entries(read: Parameters, name: str) -> tuple[str, ...] | None:
    text = read.optional(name)
    return None if text is None else tuple(entry.strip() for entry in text.split(","))


def _issuance_limit_time(read: Parameters) -> int | None:
    return read.integer("IssuanceLimitTime", minimum=1, maximum=MAX_ISSUANCE_LIMIT_TIME)


def _new_provider(read: Parameters) -> NewOIDCProvider:
    return NewOIDCProvider(
        provider_name=required(read, NAME, PROVIDER_NAME),
        issuer_url=checked_issuer_url(required(read, "IssuerUrl")),
        description=read.optional("Description", DESCRIPTION) or "",
        client_ids=checked_client_ids("ClientIds", _entries(read, "ClientIds")) or (),
        fingerprints=checked_fingerprints("Fingerprints", _entries(read, "Fingerprints")) or (),
        issuance_limit_time=_issuance_limit_time(read) or DEFAULT_ISSUANCE_LIMIT_TIME,
    )


def _change(read: Parameters) -> OIDCProviderChange:
    return OIDCProviderChange(
        client_ids=checked_client_ids("ClientIds", _entries(read, "ClientIds")),
        new_description=read.optional("NewDescription", DESCRIPTION),
        issuance_limit_time=_issuance_limit_time(read),
        provider_name=required(read, NAME, PROVIDER_NAME),
    )


def _client_id(read: Parameters) -> ProviderClientId:
    return ProviderClientId(
        client_id=checked_client_id("ClientId", required(read, "ClientId")),
        provider_name=required(read, NAME, PROVIDER_NAME),
    )


def _fingerprint(read: Parameters) -> ProviderFingerprint:
    return ProviderFingerprint(
        fingerprint=checked_fingerprint("Fingerprint", required(read, "Fingerprint")),
        provider_name=required(read, NAME, PROVIDER_NAME),
    )


def _provider(provider: OidcProvider) -> Body:
    return {"OIDCProvider": render_provider(provider)}


def _listed(page: Page[OidcProvider]) -> Body:
    return paged("OIDCProviders", "OIDCProvider", page, render_provider)


ACTIONS = (
    RpcAction("CreateOIDCProvider", _new_provider, create_oidc_provider, _provider),
    RpcAction("GetOIDCProvider", provider_name(NAME), get_oidc_provider, _provider),
    RpcAction("UpdateOIDCProvider", _change, update_oidc_provider, _provider),
    RpcAction("DeleteOIDCProvider", provider_name(NAME), delete_oidc_provider, no_body),
    RpcAction("ListOIDCProviders", listing, list_oidc_providers, _listed),
    RpcAction("AddClientIdToOIDCProvider", _client_id, add_client_id_to_oidc_provider, _provider),
    RpcAction(
        "RemoveClientIdFromOIDCProvider",
        _client_id,
        remove_client_id_from_oidc_provider,
        _provider,
    ),
    RpcAction(
        "AddFingerprintToOIDCProvider", _fingerprint, add_fingerprint_to_oidc_provider, _provider
    ),
    RpcAction(
        "RemoveFingerprintFromOIDCProvider",
        _fingerprint,
        remove_fingerprint_from_oidc_provider,
        _provider,
    ),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
