"""SAML providers (Ims): the SAML 2.0 identity providers an account trusts for
role-based single sign-on.

Create, get, change, delete and list them, as the real service's CreateSAMLProvider,
GetSAMLProvider, UpdateSAMLProvider, DeleteSAMLProvider and ListSAMLProviders do (on the wire:
:mod:`ramsts.ims.wire.saml_providers`). A provider is an account's entity as a RAM user is
(:mod:`ramsts.ims.identity_providers`), on ``acs:ram::<AccountId>:saml-provider/<Name>``.

A provider's metadata is the IdP's metadata XML, which the wire carries base64-encoded. It is
parsed safely (:mod:`ramsts.federation.saml_metadata`: no DOCTYPE, no entities, no network) and
must name the IdP's entity id and at least one signing certificate, which AssumeRoleWithSAML
(:mod:`ramsts.sts.assume_role_with_saml`) verifies assertions with; it is kept as uploaded.

Inputs check their fields as the API's parameters are checked, wherever they were built.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.federation.saml_assertions import SIGN_ALGORITHMS
from ramsts.federation.saml_metadata import MetadataInvalid, parse_idp_metadata
from ramsts.ims.identity_providers import (
    DESCRIPTION,
    PROVIDER_NAME,
    ProviderKind,
    change_provider,
    create_provider,
    delete_provider,
    get_provider,
    list_providers,
    required_field,
)
from ramsts.parameters import optional_text
from ramsts.ram.listing import Listing
from ramsts.store import Page, SamlProvider, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

MAX_METADATA_CHARACTERS = 100_000
"""Longest ``EncodedSAMLMetadataDocument``: room for an IdP with several certificates."""
DEFAULT_SIGN_ALGO = "rsa-sha256"


SAML_PROVIDERS: ProviderKind[SamlProvider] = ProviderKind.of(
    "SAMLProvider", "SAML provider", "saml-provider", lambda tx: tx.saml_providers
)


# -- the fields' rules --------------------------------------------------------------------------


def decoded_metadata(name: str, encoded: str) -> str:
    """The metadata XML of ``encoded`` (base64, as parameter ``name`` carries it); else
    ``InvalidParameter.<name>``."""
    if len(encoded) > MAX_METADATA_CHARACTERS:
        raise _too_long(name)
    try:
        return base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _not_metadata(name) from None


def encoded_metadata(document: str) -> str:
    """``document`` as the wire carries it: base64 of its UTF-8."""
    return base64.b64encode(document.encode()).decode()


def checked_metadata(name: str, document: str) -> str:
    """``document`` once it is usable IdP metadata, no longer encoded than the wire takes;
    else ``InvalidParameter.<name>`` saying why."""
    try:
        data = document.encode()
    except UnicodeEncodeError:
        raise _not_metadata(name) from None
    if 4 * -(-len(data) // 3) > MAX_METADATA_CHARACTERS:  # its base64's length
        raise _too_long(name)
    try:
        parse_idp_metadata(data)
    except MetadataInvalid as exc:
        raise InvalidParameter(
            name, f"The parameter {name} is not valid SAML IdP metadata: {exc}."
        ) from None
    return document


def _too_long(name: str) -> InvalidParameter:
    return InvalidParameter(
        name, f"The parameter {name} must be at most {MAX_METADATA_CHARACTERS} characters."
    )


def _not_metadata(name: str) -> InvalidParameter:
    return InvalidParameter(
        name, f"The parameter {name} must be base64 of a UTF-8 SAML metadata document."
    )


def checked_sign_algo(value: str | None) -> str | None:
    if value is not None and value not in SIGN_ALGORITHMS:
        raise InvalidParameter(
            "AuthnSignAlgo",
            f"The parameter AuthnSignAlgo must be {' or '.join(SIGN_ALGORITHMS)}; got {value!r}.",
        )
    return value


# -- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSAMLProvider:
    provider_name: str
    metadata_document: str
    """The IdP's metadata XML (decoded: :func:`decoded_metadata`)."""
    description: str = ""
    authn_sign_algo: str = DEFAULT_SIGN_ALGO

    def __post_init__(self) -> None:
        required_field("SAMLProviderName", self.provider_name, PROVIDER_NAME)
        name = "EncodedSAMLMetadataDocument"
        checked_metadata(name, required_field(name, self.metadata_document))
        optional_text("Description", self.description, DESCRIPTION)
        checked_sign_algo(self.authn_sign_algo)


@dataclass(frozen=True, slots=True)
class SAMLProviderChange:
    """What to change of provider ``provider_name``; ``None`` keeps a field. A new document
    takes effect for AssumeRoleWithSAML at once: rotate an IdP's certificate by uploading
    metadata that lists both, then the new one."""

    provider_name: str
    new_metadata_document: str | None = None
    new_description: str | None = None
    authn_sign_algo: str | None = None

    def __post_init__(self) -> None:
        required_field("SAMLProviderName", self.provider_name, PROVIDER_NAME)
        if self.new_metadata_document is not None:
            checked_metadata("NewEncodedSAMLMetadataDocument", self.new_metadata_document)
        optional_text("NewDescription", self.new_description, DESCRIPTION)
        checked_sign_algo(self.authn_sign_algo)


# -- use cases ----------------------------------------------------------------------------------


def create_saml_provider(
    ram: RamService, caller: Caller, new: NewSAMLProvider, within: Transaction | None = None
) -> SamlProvider:
    def create(tx: Transaction) -> SamlProvider:
        return tx.saml_providers.create(
            caller.account_id,
            provider_name=new.provider_name,
            metadata_document=new.metadata_document,
            now=ram.now(),
            description=new.description,
            authn_sign_algo=new.authn_sign_algo,
        )

    return create_provider(SAML_PROVIDERS, ram, caller, new.provider_name, create, within=within)


def get_saml_provider(
    ram: RamService, caller: Caller, provider_name: str, within: Transaction | None = None
) -> SamlProvider:
    required_field("SAMLProviderName", provider_name, PROVIDER_NAME)
    return get_provider(SAML_PROVIDERS, ram, caller, provider_name, within)


def update_saml_provider(
    ram: RamService, caller: Caller, change: SAMLProviderChange, within: Transaction | None = None
) -> SamlProvider:
    def changed(provider: SamlProvider) -> SamlProvider:
        document, description = change.new_metadata_document, change.new_description
        return replace(
            provider,
            metadata_document=provider.metadata_document if document is None else document,
            description=provider.description if description is None else description,
            authn_sign_algo=change.authn_sign_algo or provider.authn_sign_algo,
        )

    return change_provider(
        SAML_PROVIDERS,
        ram,
        caller,
        change.provider_name,
        changed,
        action="ram:UpdateSAMLProvider",
        within=within,
    )


def delete_saml_provider(
    ram: RamService, caller: Caller, provider_name: str, within: Transaction | None = None
) -> None:
    required_field("SAMLProviderName", provider_name, PROVIDER_NAME)
    delete_provider(SAML_PROVIDERS, ram, caller, provider_name, within)


def list_saml_providers(
    ram: RamService, caller: Caller, listing: Listing, within: Transaction | None = None
) -> Page[SamlProvider]:
    return list_providers(SAML_PROVIDERS, ram, caller, listing, within)
