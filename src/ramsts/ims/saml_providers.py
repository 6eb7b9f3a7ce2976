"""SAML providers (Ims): the SAML 2.0 identity providers an account trusts for
role-based single sign-on.

CreateSAMLProvider, GetSAMLProvider, UpdateSAMLProvider, DeleteSAMLProvider and
ListSAMLProviders, with the real parameter names and answers. A provider is resolved by name
first (any letter case), then authorized as ``ram:<Action>`` on its ARN,
``acs:ram::<AccountId>:saml-provider/<Name>``; the listing on ``…:saml-provider/*``.

``EncodedSAMLMetadataDocument`` is base64 of the IdP's metadata XML. It is parsed safely
(:mod:`ramsts.federation.saml_metadata`: no DOCTYPE, no entities, no network) and must name the
IdP's entity id and at least one signing certificate, which AssumeRoleWithSAML
(:mod:`ramsts.sts.assume_role_with_saml`) verifies assertions with; it is kept and answered as
uploaded.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, InvalidParameter, LimitExceeded
from ramsts.federation.saml_assertions import SIGN_ALGORITHMS
from ramsts.federation.saml_metadata import MetadataInvalid, parse_idp_metadata
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.entities import EntityKind
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.service import RamService
from ramsts.store import SamlProvider

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

PROVIDER_NAME = TextRule(
    128, pattern=re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"), invalid="Format"
)
DESCRIPTION = TextRule(256)
PROVIDERS_PER_ACCOUNT = 100
MAX_METADATA_CHARACTERS = 100_000
"""Longest ``EncodedSAMLMetadataDocument``: room for an IdP with several certificates."""
DEFAULT_SIGN_ALGO = "rsa-sha256"


def saml_provider_arn(account_id: str, provider_name: str) -> str:
    return f"acs:ram::{account_id}:saml-provider/{provider_name}"


SAML_PROVIDER: EntityKind[SamlProvider] = EntityKind(
    "SAMLProvider",
    "SAML provider",
    lambda tx, account, name: tx.saml_providers.get(account, name),
    lambda provider: provider.provider_name,
    saml_provider_arn,
    PROVIDER_NAME,
)


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
        body["EncodedSAMLMetadataDocument"] = base64.b64encode(
            provider.metadata_document.encode()
        ).decode()
    return body


def render_listed(provider: SamlProvider) -> Body:
    """A listing's entry, as the real one: no document, no algorithm."""
    body = render_provider(provider)
    del body["AuthnSignAlgo"]
    return body


# -- parameters --------------------------------------------------------------------------------


def metadata_document(name: str, encoded: str) -> str:
    """The metadata XML of ``encoded``, checked to be usable IdP metadata; else
    ``InvalidParameter.<name>`` saying why."""
    if len(encoded) > MAX_METADATA_CHARACTERS:
        raise InvalidParameter(
            name, f"The parameter {name} must be at most {MAX_METADATA_CHARACTERS} characters."
        )
    try:
        document = base64.b64decode("".join(encoded.split()), validate=True)
        text = document.decode("utf-8")
        parse_idp_metadata(document)
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidParameter(
            name, f"The parameter {name} must be base64 of a UTF-8 SAML metadata document."
        ) from None
    except MetadataInvalid as exc:
        raise InvalidParameter(
            name, f"The parameter {name} is not valid SAML IdP metadata: {exc}."
        ) from None
    return text


def _sign_algo(read: Parameters) -> str | None:
    value = read.optional("AuthnSignAlgo")
    if value is not None and value not in SIGN_ALGORITHMS:
        raise InvalidParameter(
            "AuthnSignAlgo",
            f"The parameter AuthnSignAlgo must be {' or '.join(SIGN_ALGORITHMS)}; got {value!r}.",
        )
    return value


# -- actions ------------------------------------------------------------------------------------


def create_saml_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params, missing_suffix=True)
    name = read.required("SAMLProviderName", PROVIDER_NAME)
    document = metadata_document(
        "EncodedSAMLMetadataDocument", read.required("EncodedSAMLMetadataDocument")
    )
    description = read.optional("Description", DESCRIPTION) or ""
    sign_algo = _sign_algo(read) or DEFAULT_SIGN_ALGO
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:CreateSAMLProvider", saml_provider_arn(account_id, name))
    with ram.transaction(account_id) as tx:
        if tx.saml_providers.count(account_id) >= PROVIDERS_PER_ACCOUNT:
            raise LimitExceeded(
                "SAMLProvider", f"The account already has {PROVIDERS_PER_ACCOUNT} SAML providers."
            )
        found = tx.saml_providers.get(account_id, name)
        if found is not None:
            raise EntityAlreadyExists(
                "SAMLProvider", f"The SAML provider already exists: {found.provider_name}."
            )
        provider = tx.saml_providers.create(
            account_id,
            provider_name=name,
            metadata_document=document,
            now=ram.now(),
            description=description,
            authn_sign_algo=sign_algo,
        )
    return {"SAMLProvider": render_provider(provider)}


def get_saml_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    name = Parameters(params, missing_suffix=True).required("SAMLProviderName", PROVIDER_NAME)
    with ram.read() as tx:
        provider = ram.authorized(tx, principal, "ram:GetSAMLProvider", SAML_PROVIDER, name)
    return {"SAMLProvider": render_provider(provider, with_document=True)}


def update_saml_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    """``NewEncodedSAMLMetadataDocument``, ``NewDescription`` and ``AuthnSignAlgo`` replace
    theirs; what is not given is kept. A new document takes effect for AssumeRoleWithSAML at
    once: rotate an IdP's certificate by uploading metadata that lists both, then the new one."""
    principal = ram.signed_in(caller)
    read = Parameters(params, missing_suffix=True)
    name = read.required("SAMLProviderName", PROVIDER_NAME)
    encoded = read.optional("NewEncodedSAMLMetadataDocument")
    document = (
        None if encoded is None else metadata_document("NewEncodedSAMLMetadataDocument", encoded)
    )
    description = read.optional("NewDescription", DESCRIPTION)
    sign_algo = _sign_algo(read)
    with ram.transaction(principal.account_id) as tx:
        provider = ram.authorized(tx, principal, "ram:UpdateSAMLProvider", SAML_PROVIDER, name)
        changed = replace(
            provider,
            metadata_document=provider.metadata_document if document is None else document,
            description=provider.description if description is None else description,
            authn_sign_algo=provider.authn_sign_algo if sign_algo is None else sign_algo,
        )
        updated = tx.saml_providers.update(changed, now=ram.now())
    return {"SAMLProvider": render_provider(updated)}


def delete_saml_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    name = Parameters(params, missing_suffix=True).required("SAMLProviderName", PROVIDER_NAME)
    with ram.transaction(principal.account_id) as tx:
        provider = ram.authorized(tx, principal, "ram:DeleteSAMLProvider", SAML_PROVIDER, name)
        tx.saml_providers.delete(provider.provider_id)
    return {}


def list_saml_providers(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    marker = read.optional("Marker")
    max_items = read.max_items()
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:ListSAMLProviders", saml_provider_arn(account_id, "*"))
    with ram.read() as tx:
        page = tx.saml_providers.list(account_id, marker=marker, max_items=max_items)
    return paged("SAMLProviders", "SAMLProvider", page, render_listed)


def register_saml_providers(table: ActionTable, ram: RamService, *, version: str) -> None:
    table.add(version, "CreateSAMLProvider", partial(create_saml_provider, ram))
    table.add(version, "GetSAMLProvider", partial(get_saml_provider, ram))
    table.add(version, "UpdateSAMLProvider", partial(update_saml_provider, ram))
    table.add(version, "DeleteSAMLProvider", partial(delete_saml_provider, ram))
    table.add(version, "ListSAMLProviders", partial(list_saml_providers, ram))
