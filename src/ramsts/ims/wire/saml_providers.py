"""The SAML provider actions on the wire (Ims): CreateSAMLProvider,
GetSAMLProvider, UpdateSAMLProvider, DeleteSAMLProvider and ListSAMLProviders, over
:mod:`ramsts.ims.saml_providers`.

The metadata travels base64-encoded (``EncodedSAMLMetadataDocument``) and is answered as
uploaded, by GetSAMLProvider only; a listing's entries show neither it nor the algorithm, as the
real ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.ims.identity_providers import DESCRIPTION, PROVIDER_NAME
from ramsts.ims.saml_providers import (
    DEFAULT_SIGN_ALGO,
    NewSAMLProvider,
    SAMLProviderChange,
    checked_metadata,
    checked_sign_algo,
    create_saml_provider,
    decoded_metadata,
    delete_saml_provider,
    encoded_metadata,
    get_saml_provider,
    list_saml_providers,
    update_saml_provider,
)
from ramsts.ims.wire.identity_providers import listing, provider_name, required
from ramsts.parameters import Parameters
from ramsts.products import IMS
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import Page, SamlProvider

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

NAME = "SAMLProviderName"


def render_provider(provider: SamlProvider, *, with_document: bool = False) -> Body:
    body: Body = {
        "Arn": provider.arn,
        "SAMLProviderName": provider.provider_name,
        "Description": provider.description,
        "AuthnSignAlgo": provider.authn_sign_algo,
        "CreateDate": iso8601(provider.created_at),
        "UpdateDate": iso8601(provider.updated_at),
    }
    if with_document:
        body["EncodedSAMLMetadataDocument"] = encoded_metadata(provider.metadata_document)
    return body


def render_listed(provider: SamlProvider) -> Body:
    body = render_provider(provider)
    del body["AuthnSignAlgo"]
    return body


def _metadata(name: str, encoded: str) -> str:
    return checked_metadata(name, decoded_metadata(name, encoded))


def _new_provider(read: Parameters) -> NewSAMLProvider:
    document = "EncodedSAMLMetadataDocument"
    return NewSAMLProvider(
        provider_name=required(read, NAME, PROVIDER_NAME),
        metadata_document=_metadata(document, required(read, document)),
        description=read.optional("Description", DESCRIPTION) or "",
        authn_sign_algo=checked_sign_algo(read.optional("AuthnSignAlgo")) or DEFAULT_SIGN_ALGO,
    )


def _change(read: Parameters) -> SAMLProviderChange:
    name = required(read, NAME, PROVIDER_NAME)
    encoded = read.optional("NewEncodedSAMLMetadataDocument")
    return SAMLProviderChange(
        provider_name=name,
        new_metadata_document=None
        if encoded is None
        else _metadata("NewEncodedSAMLMetadataDocument", encoded),
        new_description=read.optional("NewDescription", DESCRIPTION),
        authn_sign_algo=checked_sign_algo(read.optional("AuthnSignAlgo")),
    )


def _created(provider: SamlProvider) -> Body:
    return {"SAMLProvider": render_provider(provider)}


def _found(provider: SamlProvider) -> Body:
    return {"SAMLProvider": render_provider(provider, with_document=True)}


def _listed(page: Page[SamlProvider]) -> Body:
    return paged("SAMLProviders", "SAMLProvider", page, render_listed)


ACTIONS = (
    RpcAction("CreateSAMLProvider", _new_provider, create_saml_provider, _created),
    RpcAction("GetSAMLProvider", provider_name(NAME), get_saml_provider, _found),
    RpcAction("UpdateSAMLProvider", _change, update_saml_provider, _created),
    RpcAction("DeleteSAMLProvider", provider_name(NAME), delete_saml_provider, no_body),
    RpcAction("ListSAMLProviders", listing, list_saml_providers, _listed),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
