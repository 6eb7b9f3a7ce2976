"""OIDC providers (Ims): the OpenID Connect issuers an account trusts.

CreateOIDCProvider, GetOIDCProvider, UpdateOIDCProvider, DeleteOIDCProvider, ListOIDCProviders,
AddClientIdToOIDCProvider, RemoveClientIdFromOIDCProvider, AddFingerprintToOIDCProvider and
RemoveFingerprintFromOIDCProvider, with the real parameter names and answers. A provider is an
account's entity as a RAM user is: resolved by name first (any letter case), then authorized as
``ram:<Action>`` (the real service's action names) on its ARN,
``acs:ram::<AccountId>:oidc-provider/<Name>``; the listing on ``…:oidc-provider/*``. Creating one
also sets the condition key ``ram:OidcIssuerUrl``.

AssumeRoleWithOIDC (:mod:`ramsts.sts.assume_role_with_oidc`) trusts an ID token only from a
provider's issuer, for one of its client ids, over a TLS connection showing a certificate whose
SHA-1 fingerprint it lists, and no older than its IssuanceLimitTime.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, EntityNotExist, InvalidParameter, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.entities import EntityKind
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.service import RamService
from ramsts.store import OidcProvider

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

PROVIDER_NAME = TextRule(
    128, pattern=re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"), invalid="Format"
)
DESCRIPTION = TextRule(256)
CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
FINGERPRINT = re.compile(r"[0-9A-Fa-f]{40}")
ISSUER_URL_LENGTH = 255

PROVIDERS_PER_ACCOUNT = 100
CLIENT_IDS_PER_PROVIDER = 50
FINGERPRINTS_PER_PROVIDER = 5
DEFAULT_ISSUANCE_LIMIT_TIME = 12
MAX_ISSUANCE_LIMIT_TIME = 168


def oidc_provider_arn(account_id: str, provider_name: str) -> str:
    return f"acs:ram::{account_id}:oidc-provider/{provider_name}"


OIDC_PROVIDER: EntityKind[OidcProvider] = EntityKind(
    "OIDCProvider",
    "OIDC provider",
    lambda tx, account, name: tx.oidc_providers.get(account, name),
    lambda provider: provider.provider_name,
    oidc_provider_arn,
    PROVIDER_NAME,
)


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


# -- parameters --------------------------------------------------------------------------------


def issuer_url(value: str) -> str:
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
            "IssuerUrl", f"The parameter IssuerUrl must be {problem}; got {_shown(value)}."
        )
    return value


def _listed(
    read: Parameters, name: str, pattern: re.Pattern[str], what: str, limit: int
) -> tuple[str, ...] | None:
    """A comma-separated list parameter, each entry checked, duplicates (in any letter case for
    fingerprints) refused; ``None`` when absent."""
    text = read.optional(name)
    if text is None:
        return None
    entries = tuple(entry.strip() for entry in text.split(","))
    for entry in entries:
        _checked_entry(name, entry, pattern, what)
    if len({entry.lower() if pattern is FINGERPRINT else entry for entry in entries}) != len(
        entries
    ):
        raise InvalidParameter(name, f"The parameter {name} lists the same value twice.")
    if len(entries) > limit:
        raise LimitExceeded(
            f"OIDCProvider.{name}", f"An OIDC provider may have at most {limit} {name}."
        )
    return entries


def _checked_entry(name: str, entry: str, pattern: re.Pattern[str], what: str) -> str:
    if pattern.fullmatch(entry) is None:
        raise InvalidParameter(name, f"The parameter {name} must be {what}; got {_shown(entry)}.")
    return entry


CLIENT_ID_RULE = "letters, digits and . - _ : / (not first), at most 128 characters"
FINGERPRINT_RULE = "40 hexadecimal digits (a SHA-1 fingerprint)"


def _issuance_limit_time(read: Parameters) -> int | None:
    return read.integer("IssuanceLimitTime", minimum=1, maximum=MAX_ISSUANCE_LIMIT_TIME)


def _shown(value: str) -> str:
    return repr(value if len(value) <= 64 else value[:64] + "…")


# -- actions ------------------------------------------------------------------------------------


def create_oidc_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params, missing_suffix=True)
    name = read.required("OIDCProviderName", PROVIDER_NAME)
    url = issuer_url(read.required("IssuerUrl"))
    description = read.optional("Description", DESCRIPTION) or ""
    client_ids = _listed(read, "ClientIds", CLIENT_ID, CLIENT_ID_RULE, CLIENT_IDS_PER_PROVIDER)
    fingerprints = _listed(
        read, "Fingerprints", FINGERPRINT, FINGERPRINT_RULE, FINGERPRINTS_PER_PROVIDER
    )
    limit = _issuance_limit_time(read) or DEFAULT_ISSUANCE_LIMIT_TIME
    account_id = principal.account_id
    ram.authorizer.require(
        principal,
        "ram:CreateOIDCProvider",
        oidc_provider_arn(account_id, name),
        {"ram:OidcIssuerUrl": url},
    )
    with ram.transaction(account_id) as tx:
        if tx.oidc_providers.count(account_id) >= PROVIDERS_PER_ACCOUNT:
            raise LimitExceeded(
                "OIDCProvider",
                f"The account already has {PROVIDERS_PER_ACCOUNT} OIDC providers.",
            )
        found = tx.oidc_providers.get(account_id, name)
        if found is not None:
            raise EntityAlreadyExists(
                "OIDCProvider", f"The OIDC provider already exists: {found.provider_name}."
            )
        provider = tx.oidc_providers.create(
            account_id,
            provider_name=name,
            issuer_url=url,
            now=ram.now(),
            description=description,
            client_ids=client_ids or (),
            fingerprints=fingerprints or (),
            issuance_limit_time=limit,
        )
    return {"OIDCProvider": render_provider(provider)}


def get_oidc_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    name = Parameters(params, missing_suffix=True).required("OIDCProviderName", PROVIDER_NAME)
    with ram.read() as tx:
        provider = ram.authorized(tx, principal, "ram:GetOIDCProvider", OIDC_PROVIDER, name)
    return {"OIDCProvider": render_provider(provider)}


def delete_oidc_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    name = Parameters(params, missing_suffix=True).required("OIDCProviderName", PROVIDER_NAME)
    with ram.transaction(principal.account_id) as tx:
        provider = ram.authorized(tx, principal, "ram:DeleteOIDCProvider", OIDC_PROVIDER, name)
        tx.oidc_providers.delete(provider.provider_id)
    return {}


def list_oidc_providers(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    marker = read.optional("Marker")
    max_items = read.max_items()
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:ListOIDCProviders", oidc_provider_arn(account_id, "*"))
    with ram.read() as tx:
        page = tx.oidc_providers.list(account_id, marker=marker, max_items=max_items)
    return paged("OIDCProviders", "OIDCProvider", page, render_provider)


def update_oidc_provider(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    """``ClientIds`` replaces the whole list; ``NewDescription`` and ``IssuanceLimitTime``
    replace theirs; what is not given is kept."""
    read = Parameters(params, missing_suffix=True)
    client_ids = _listed(read, "ClientIds", CLIENT_ID, CLIENT_ID_RULE, CLIENT_IDS_PER_PROVIDER)
    description = read.optional("NewDescription", DESCRIPTION)
    limit = _issuance_limit_time(read)

    def change(provider: OidcProvider) -> OidcProvider:
        return replace(
            provider,
            client_ids=provider.client_ids if client_ids is None else client_ids,
            description=provider.description if description is None else description,
            issuance_limit_time=provider.issuance_limit_time if limit is None else limit,
        )

    return _changed(ram, caller, read, "ram:UpdateOIDCProvider", change)


def add_client_id(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    read = Parameters(params, missing_suffix=True)
    client_id = _checked_entry("ClientId", read.required("ClientId"), CLIENT_ID, CLIENT_ID_RULE)

    def change(provider: OidcProvider) -> OidcProvider:
        if client_id in provider.client_ids:
            raise EntityAlreadyExists(
                "OIDCProvider.ClientId",
                f"The client id {client_id} is already in the OIDC provider"
                f" {provider.provider_name}.",
            )
        if len(provider.client_ids) >= CLIENT_IDS_PER_PROVIDER:
            raise LimitExceeded(
                "OIDCProvider.ClientIds",
                f"An OIDC provider may have at most {CLIENT_IDS_PER_PROVIDER} client ids.",
            )
        return replace(provider, client_ids=(*provider.client_ids, client_id))

    return _changed(ram, caller, read, "ram:AddClientIdToOIDCProvider", change)


def remove_client_id(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    read = Parameters(params, missing_suffix=True)
    client_id = _checked_entry("ClientId", read.required("ClientId"), CLIENT_ID, CLIENT_ID_RULE)

    def change(provider: OidcProvider) -> OidcProvider:
        if client_id not in provider.client_ids:
            raise EntityNotExist(
                "OIDCProvider.ClientId",
                f"The client id {client_id} is not in the OIDC provider {provider.provider_name}.",
            )
        kept = tuple(known for known in provider.client_ids if known != client_id)
        return replace(provider, client_ids=kept)

    return _changed(ram, caller, read, "ram:RemoveClientIdFromOIDCProvider", change)


def add_fingerprint(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    read = Parameters(params, missing_suffix=True)
    fingerprint = _checked_entry(
        "Fingerprint", read.required("Fingerprint"), FINGERPRINT, FINGERPRINT_RULE
    )

    def change(provider: OidcProvider) -> OidcProvider:
        if fingerprint.lower() in (known.lower() for known in provider.fingerprints):
            raise EntityAlreadyExists(
                "OIDCProvider.Fingerprint",
                f"The fingerprint {fingerprint} is already in the OIDC provider"
                f" {provider.provider_name}.",
            )
        if len(provider.fingerprints) >= FINGERPRINTS_PER_PROVIDER:
            raise LimitExceeded(
                "OIDCProvider.Fingerprints",
                f"An OIDC provider may have at most {FINGERPRINTS_PER_PROVIDER} fingerprints.",
            )
        return replace(provider, fingerprints=(*provider.fingerprints, fingerprint))

    return _changed(ram, caller, read, "ram:AddFingerprintToOIDCProvider", change)


def remove_fingerprint(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    read = Parameters(params, missing_suffix=True)
    fingerprint = _checked_entry(
        "Fingerprint", read.required("Fingerprint"), FINGERPRINT, FINGERPRINT_RULE
    )

    def change(provider: OidcProvider) -> OidcProvider:
        kept = tuple(
            known for known in provider.fingerprints if known.lower() != fingerprint.lower()
        )
        if len(kept) == len(provider.fingerprints):
            raise EntityNotExist(
                "OIDCProvider.Fingerprint",
                f"The fingerprint {fingerprint} is not in the OIDC provider"
                f" {provider.provider_name}.",
            )
        return replace(provider, fingerprints=kept)

    return _changed(ram, caller, read, "ram:RemoveFingerprintFromOIDCProvider", change)


def _changed(
    ram: RamService,
    caller: Caller | None,
    read: Parameters,
    action: str,
    change: Callable[[OidcProvider], OidcProvider],
) -> Body:
    """Resolve and authorize the named provider, apply ``change`` and store it, in one
    transaction; the provider as stored after it."""
    principal = ram.signed_in(caller)
    name = read.required("OIDCProviderName", PROVIDER_NAME)
    with ram.transaction(principal.account_id) as tx:
        provider = ram.authorized(tx, principal, action, OIDC_PROVIDER, name)
        updated = tx.oidc_providers.update(change(provider), now=ram.now())
    return {"OIDCProvider": render_provider(updated)}


def register_oidc_providers(table: ActionTable, ram: RamService, *, version: str) -> None:
    table.add(version, "CreateOIDCProvider", partial(create_oidc_provider, ram))
    table.add(version, "GetOIDCProvider", partial(get_oidc_provider, ram))
    table.add(version, "UpdateOIDCProvider", partial(update_oidc_provider, ram))
    table.add(version, "DeleteOIDCProvider", partial(delete_oidc_provider, ram))
    table.add(version, "ListOIDCProviders", partial(list_oidc_providers, ram))
    table.add(version, "AddClientIdToOIDCProvider", partial(add_client_id, ram))
    table.add(version, "RemoveClientIdFromOIDCProvider", partial(remove_client_id, ram))
    table.add(version, "AddFingerprintToOIDCProvider", partial(add_fingerprint, ram))
    table.add(version, "RemoveFingerprintFromOIDCProvider", partial(remove_fingerprint, ram))
