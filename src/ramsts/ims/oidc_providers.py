"""OIDC providers (Ims): the OpenID Connect issuers an account trusts.

Create, get, change (description, client ids, issuance limit), delete and list them, and add or
remove one client id or certificate fingerprint, as the real service's CreateOIDCProvider,
GetOIDCProvider, UpdateOIDCProvider, DeleteOIDCProvider, ListOIDCProviders,
AddClientIdToOIDCProvider, RemoveClientIdFromOIDCProvider, AddFingerprintToOIDCProvider and
RemoveFingerprintFromOIDCProvider do (on the wire: :mod:`ramsts.ims.wire.oidc_providers`). A
provider is an account's entity as a RAM user is (:mod:`ramsts.ims.identity_providers`), on
``acs:ram::<AccountId>:oidc-provider/<Name>``; creating one also sets the condition key
``ram:OidcIssuerUrl``.

AssumeRoleWithOIDC (:mod:`ramsts.sts.assume_role_with_oidc`) trusts an ID token only from a
provider's issuer, for one of its client ids, over a TLS connection showing a certificate whose
SHA-1 fingerprint it lists, and no older than its IssuanceLimitTime.

Inputs check their fields as the API's parameters are checked, wherever they were built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, EntityNotExist, InvalidParameter, LimitExceeded
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
from ramsts.parameters import optional_text, out_of_range
from ramsts.ram.listing import Listing
from ramsts.store import OidcProvider, Page, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
FINGERPRINT = re.compile(r"[0-9A-Fa-f]{40}")
CLIENT_ID_RULE = "letters, digits and . - _ : / (not first), at most 128 characters"
FINGERPRINT_RULE = "40 hexadecimal digits (a SHA-1 fingerprint)"
ISSUER_URL_LENGTH = 255

CLIENT_IDS_PER_PROVIDER = 50
FINGERPRINTS_PER_PROVIDER = 5
DEFAULT_ISSUANCE_LIMIT_TIME = 12
MAX_ISSUANCE_LIMIT_TIME = 168

_T = TypeVar("_T")


OIDC_PROVIDERS: ProviderKind[OidcProvider] = ProviderKind.of(
    "OIDCProvider", "OIDC provider", "oidc-provider", lambda tx: tx.oidc_providers
)


@dataclass(frozen=True, slots=True)
class ProviderValues:
    """One of a provider's lists of values: its client ids, or its fingerprints."""

    code: str
    """``ClientId``: ``EntityAlreadyExists.OIDCProvider.ClientId``…"""
    noun: str
    plural: str
    limit: int
    same: Callable[[str], str]
    """What two values are compared as: fingerprints are the same in any letter case."""
    of: Callable[[OidcProvider], tuple[str, ...]]
    put: Callable[[OidcProvider, tuple[str, ...]], OidcProvider]


CLIENT_IDS = ProviderValues(
    "ClientId",
    "client id",
    "client ids",
    CLIENT_IDS_PER_PROVIDER,
    str,
    lambda provider: provider.client_ids,
    lambda provider, values: replace(provider, client_ids=values),
)
FINGERPRINTS = ProviderValues(
    "Fingerprint",
    "fingerprint",
    "fingerprints",
    FINGERPRINTS_PER_PROVIDER,
    str.lower,
    lambda provider: provider.fingerprints,
    lambda provider, values: replace(provider, fingerprints=values),
)


# -- the fields' rules --------------------------------------------------------------------------


def checked_issuer_url(value: str) -> str:
    """An https URL with a host and no query, fragment or user information, as the real
    service requires; at most 255 characters."""
    problem = None
    if len(value) > ISSUER_URL_LENGTH:
        problem = f"at most {ISSUER_URL_LENGTH} characters"
    else:
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme != "https" or not host:
            problem = "an https URL with a host"
        elif "?" in value or "#" in value or "@" in parts.netloc:
            problem = "a URL without a query (?), a fragment (#) or user information (@)"
    if problem is not None:
        raise InvalidParameter(
            "IssuerUrl", f"The parameter IssuerUrl must be {problem}; got {shown(value)}."
        )
    return value


def checked_client_id(name: str, entry: str) -> str:
    return _checked_entry(name, entry, CLIENT_ID, CLIENT_ID_RULE)


def checked_fingerprint(name: str, entry: str) -> str:
    return _checked_entry(name, entry, FINGERPRINT, FINGERPRINT_RULE)


def checked_client_ids(name: str, entries: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """A whole list of client ids (parameter ``name``): each checked, none twice, at most
    :data:`CLIENT_IDS_PER_PROVIDER`; ``None`` (not given) as it is."""
    return _checked_list(name, entries, checked_client_id, CLIENT_IDS)


def checked_fingerprints(name: str, entries: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """:func:`checked_client_ids` for fingerprints, which are the same in any letter case."""
    return _checked_list(name, entries, checked_fingerprint, FINGERPRINTS)


def checked_issuance_limit_time(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_ISSUANCE_LIMIT_TIME:
        raise out_of_range("IssuanceLimitTime", str(value), 1, MAX_ISSUANCE_LIMIT_TIME)
    return value


def _checked_list(
    name: str,
    entries: tuple[str, ...] | None,
    checked: Callable[[str, str], str],
    values: ProviderValues,
) -> tuple[str, ...] | None:
    if entries is None:
        return None
    for entry in entries:
        checked(name, entry)
    limit = values.limit
    if len({values.same(entry) for entry in entries}) != len(entries):
        raise InvalidParameter(name, f"The parameter {name} lists the same value twice.")
    if len(entries) > limit:
        raise LimitExceeded(
            f"OIDCProvider.{name}", f"An OIDC provider may have at most {limit} {name}."
        )
    return entries


def _checked_entry(name: str, entry: str, pattern: re.Pattern[str], what: str) -> str:
    if pattern.fullmatch(entry) is None:
        raise InvalidParameter(name, f"The parameter {name} must be {what}; got {shown(entry)}.")
    return entry


def shown(value: str) -> str:
    return repr(value if len(value) <= 64 else value[:64] + "…")


# -- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewOIDCProvider:
    provider_name: str
    issuer_url: str
    description: str = ""
    client_ids: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    issuance_limit_time: int = DEFAULT_ISSUANCE_LIMIT_TIME

    def __post_init__(self) -> None:
        required_field("OIDCProviderName", self.provider_name, PROVIDER_NAME)
        checked_issuer_url(required_field("IssuerUrl", self.issuer_url))
        optional_text("Description", self.description, DESCRIPTION)
        checked_client_ids("ClientIds", self.client_ids)
        checked_fingerprints("Fingerprints", self.fingerprints)
        checked_issuance_limit_time(self.issuance_limit_time)


@dataclass(frozen=True, slots=True)
class OIDCProviderChange:
    """What to change of provider ``provider_name``: ``client_ids`` replaces the whole list,
    ``new_description`` and ``issuance_limit_time`` theirs; ``None`` keeps a field."""

    provider_name: str
    client_ids: tuple[str, ...] | None = None
    new_description: str | None = None
    issuance_limit_time: int | None = None

    def __post_init__(self) -> None:
        checked_client_ids("ClientIds", self.client_ids)
        optional_text("NewDescription", self.new_description, DESCRIPTION)
        checked_issuance_limit_time(self.issuance_limit_time)
        required_field("OIDCProviderName", self.provider_name, PROVIDER_NAME)


@dataclass(frozen=True, slots=True)
class ProviderClientId:
    """One client id of provider ``provider_name``, to add or remove."""

    provider_name: str
    client_id: str

    def __post_init__(self) -> None:
        checked_client_id("ClientId", required_field("ClientId", self.client_id))
        required_field("OIDCProviderName", self.provider_name, PROVIDER_NAME)


@dataclass(frozen=True, slots=True)
class ProviderFingerprint:
    """One certificate fingerprint of provider ``provider_name``, to add or remove."""

    provider_name: str
    fingerprint: str

    def __post_init__(self) -> None:
        checked_fingerprint("Fingerprint", required_field("Fingerprint", self.fingerprint))
        required_field("OIDCProviderName", self.provider_name, PROVIDER_NAME)


# -- use cases ----------------------------------------------------------------------------------


def create_oidc_provider(
    ram: RamService, caller: Caller, new: NewOIDCProvider, within: Transaction | None = None
) -> OidcProvider:
    def create(tx: Transaction) -> OidcProvider:
        return tx.oidc_providers.create(
            caller.account_id,
            provider_name=new.provider_name,
            issuer_url=new.issuer_url,
            now=ram.now(),
            description=new.description,
            client_ids=new.client_ids,
            fingerprints=new.fingerprints,
            issuance_limit_time=new.issuance_limit_time,
        )

    return create_provider(
        OIDC_PROVIDERS,
        ram,
        caller,
        new.provider_name,
        create,
        conditions={"ram:OidcIssuerUrl": new.issuer_url},
        within=within,
    )


def get_oidc_provider(
    ram: RamService, caller: Caller, provider_name: str, within: Transaction | None = None
) -> OidcProvider:
    required_field("OIDCProviderName", provider_name, PROVIDER_NAME)
    return get_provider(OIDC_PROVIDERS, ram, caller, provider_name, within)


def delete_oidc_provider(
    ram: RamService, caller: Caller, provider_name: str, within: Transaction | None = None
) -> None:
    required_field("OIDCProviderName", provider_name, PROVIDER_NAME)
    delete_provider(OIDC_PROVIDERS, ram, caller, provider_name, within)


def list_oidc_providers(
    ram: RamService, caller: Caller, listing: Listing, within: Transaction | None = None
) -> Page[OidcProvider]:
    return list_providers(OIDC_PROVIDERS, ram, caller, listing, within)


def update_oidc_provider(
    ram: RamService, caller: Caller, change: OIDCProviderChange, within: Transaction | None = None
) -> OidcProvider:
    def changed(provider: OidcProvider) -> OidcProvider:
        return replace(
            provider,
            client_ids=_given(change.client_ids, provider.client_ids),
            description=_given(change.new_description, provider.description),
            issuance_limit_time=_given(change.issuance_limit_time, provider.issuance_limit_time),
        )

    action = "ram:UpdateOIDCProvider"
    return _changed(ram, caller, change.provider_name, action, changed, within=within)


def add_client_id_to_oidc_provider(
    ram: RamService, caller: Caller, given: ProviderClientId, within: Transaction | None = None
) -> OidcProvider:
    change = _added(CLIENT_IDS, given.client_id)
    return _changed(
        ram, caller, given.provider_name, "ram:AddClientIdToOIDCProvider", change, within=within
    )


def remove_client_id_from_oidc_provider(
    ram: RamService, caller: Caller, given: ProviderClientId, within: Transaction | None = None
) -> OidcProvider:
    change = _removed(CLIENT_IDS, given.client_id)
    return _changed(
        ram,
        caller,
        given.provider_name,
        "ram:RemoveClientIdFromOIDCProvider",
        change,
        within=within,
    )


def add_fingerprint_to_oidc_provider(
    ram: RamService, caller: Caller, given: ProviderFingerprint, within: Transaction | None = None
) -> OidcProvider:
    change = _added(FINGERPRINTS, given.fingerprint)
    return _changed(
        ram, caller, given.provider_name, "ram:AddFingerprintToOIDCProvider", change, within=within
    )


def remove_fingerprint_from_oidc_provider(
    ram: RamService, caller: Caller, given: ProviderFingerprint, within: Transaction | None = None
) -> OidcProvider:
    change = _removed(FINGERPRINTS, given.fingerprint)
    return _changed(
        ram,
        caller,
        given.provider_name,
        "ram:RemoveFingerprintFromOIDCProvider",
        change,
        within=within,
    )


def _changed(
    ram: RamService,
    caller: Caller,
    provider_name: str,
    action: str,
    change: Callable[[OidcProvider], OidcProvider],
    *,
    within: Transaction | None,
) -> OidcProvider:
    return change_provider(
        OIDC_PROVIDERS, ram, caller, provider_name, change, action=action, within=within
    )


def _added(values: ProviderValues, value: str) -> Callable[[OidcProvider], OidcProvider]:
    """The change that appends ``value``: refused when it is there already, or the list full."""

    def change(provider: OidcProvider) -> OidcProvider:
        known = values.of(provider)
        if values.same(value) in (values.same(entry) for entry in known):
            raise EntityAlreadyExists(
                f"OIDCProvider.{values.code}",
                f"The {values.noun} {value} is already in the OIDC provider"
                f" {provider.provider_name}.",
            )
        if len(known) >= values.limit:
            raise LimitExceeded(
                f"OIDCProvider.{values.code}s",
                f"An OIDC provider may have at most {values.limit} {values.plural}.",
            )
        return values.put(provider, (*known, value))

    return change


def _removed(values: ProviderValues, value: str) -> Callable[[OidcProvider], OidcProvider]:
    """The change that drops ``value``: refused when it is not there."""

    def change(provider: OidcProvider) -> OidcProvider:
        known = values.of(provider)
        kept = tuple(entry for entry in known if values.same(entry) != values.same(value))
        if len(kept) == len(known):
            raise EntityNotExist(
                f"OIDCProvider.{values.code}",
                f"The {values.noun} {value} is not in the OIDC provider {provider.provider_name}.",
            )
        return values.put(provider, kept)

    return change


def _given(value: _T | None, kept: _T) -> _T:
    return kept if value is None else value
