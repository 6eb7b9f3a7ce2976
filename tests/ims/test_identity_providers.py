"""The identity providers' typed use cases, as the console runs them: their inputs refuse what
the API's parameters refuse, with the same codes, and what they store is what the Ims actions
answer (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ims_support import Ims

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ims.oidc_providers import (
    CLIENT_IDS_PER_PROVIDER,
    NewOIDCProvider,
    OIDCProviderChange,
    create_oidc_provider,
    delete_oidc_provider,
    list_oidc_providers,
    update_oidc_provider,
)
from ramsts.ims.saml_providers import MAX_METADATA_CHARACTERS, NewSAMLProvider
from ramsts.ram.listing import Listing

FINGERPRINT = "0123456789abcdef0123456789abcdef01234567"
ISSUER = "https://issuer.example.com"
TOO_MANY_CLIENT_IDS = tuple(f"app{n}" for n in range(CLIENT_IDS_PER_PROVIDER + 1))


def refusal(build: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as refused:
        build()
    return refused.value.code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"provider_name": ""}, "MissingParameter.OIDCProviderName"),
        ({"provider_name": "-idp"}, "InvalidParameter.OIDCProviderName.Format"),
        ({"issuer_url": ""}, "MissingParameter.IssuerUrl"),
        ({"issuer_url": "http://issuer.example.com"}, "InvalidParameter.IssuerUrl"),
        ({"client_ids": ("app", "app")}, "InvalidParameter.ClientIds"),
        ({"fingerprints": (FINGERPRINT, FINGERPRINT.upper())}, "InvalidParameter.Fingerprints"),
        ({"fingerprints": ("not-hex",)}, "InvalidParameter.Fingerprints"),
        ({"client_ids": TOO_MANY_CLIENT_IDS}, "LimitExceeded.OIDCProvider.ClientIds"),
        ({"issuance_limit_time": 169}, "InvalidParameter.IssuanceLimitTime"),
    ],
)
def test_a_new_oidc_provider_refuses_what_the_api_refuses(
    fields: dict[str, object], code: str
) -> None:
    given: dict[str, object] = {"provider_name": "idp", "issuer_url": ISSUER, **fields}
    assert refusal(lambda: NewOIDCProvider(**given)) == code  # type: ignore[arg-type]


def test_a_saml_provider_longer_than_the_api_takes_is_refused_however_it_was_given() -> None:
    document = "<x/>" * (MAX_METADATA_CHARACTERS // 4)
    code = refusal(lambda: NewSAMLProvider(provider_name="corp", metadata_document=document))
    assert code == "InvalidParameter.EncodedSAMLMetadataDocument"


def test_what_the_use_cases_store_is_what_the_actions_answer(ims: Ims, root: Caller) -> None:
    new = NewOIDCProvider("idp", ISSUER, client_ids=("app",), fingerprints=(FINGERPRINT,))
    created = create_oidc_provider(ims.ram, root, new)
    changed = update_oidc_provider(
        ims.ram, root, OIDCProviderChange("IDP", new_description="the CI's issuer")
    )
    assert (changed.provider_id, changed.client_ids) == (created.provider_id, ("app",))
    answered = ims.actions.call(root, "GetOIDCProvider", OIDCProviderName="idp")["OIDCProvider"]
    assert (answered["Description"], answered["ClientIds"]) == ("the CI's issuer", "app")

    delete_oidc_provider(ims.ram, root, "idp")
    assert list_oidc_providers(ims.ram, root, Listing()).items == ()
