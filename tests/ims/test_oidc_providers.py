"""OIDC providers (Ims 2019-08-15) at the service level, on SQLite and PostgreSQL: the nine
actions, their answers, their refusals, and authorization as ram:<Action> on the provider's ARN."""

from __future__ import annotations

import pytest
from ims_support import Ims

from ramsts.caller import Caller
from ramsts.ims.oidc_providers import CLIENT_IDS_PER_PROVIDER, FINGERPRINTS_PER_PROVIDER
from ramsts.store import User

ISSUER = "https://idp.example.com/tenant"
PRINT_A = "902ef2deeb3c5b13ea4c3d5193629309e231ae55"
PRINT_B = "0BBFAB97059595E8D1EC48E89EB8657C0E5AAE71"


def create(ims: Ims, caller: Caller, name: str = "TestIdp", **params: str) -> dict[str, object]:
    given = {"IssuerUrl": ISSUER, "ClientIds": "app-1,app-2", "Fingerprints": PRINT_A, **params}
    return ims.actions.call(caller, "CreateOIDCProvider", OIDCProviderName=name, **given)[
        "OIDCProvider"
    ]


def test_a_provider_is_created_and_read_back_as_the_real_service_shows_it(
    ims: Ims, root: Caller
) -> None:
    created = create(ims, root, Description="pods", IssuanceLimitTime="6")
    assert (
        created
        == ims.actions.call(root, "GetOIDCProvider", OIDCProviderName="testidp")["OIDCProvider"]
    )
    account = ims.account.account_id
    assert created["Arn"] == f"acs:ram::{account}:oidc-provider/TestIdp"
    assert created["IssuerUrl"] == ISSUER
    assert created["ClientIds"] == "app-1,app-2"
    assert created["Fingerprints"] == PRINT_A
    assert created["IssuanceLimitTime"] == 6
    assert created["Description"] == "pods"
    assert created["CreateDate"] == created["UpdateDate"] == "2026-03-01T12:00:00Z"
    assert created["GmtCreate"] == "1772366400000"


def test_the_issuance_limit_defaults_to_12_hours(ims: Ims, root: Caller) -> None:
    assert create(ims, root)["IssuanceLimitTime"] == 12


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"OIDCProviderName": "-bad"}, "InvalidParameter.OIDCProviderName.Format"),
        ({"OIDCProviderName": "x" * 129}, "InvalidParameter.OIDCProviderName.Length"),
        ({"IssuerUrl": "http://idp.example.com"}, "InvalidParameter.IssuerUrl"),
        ({"IssuerUrl": "https://idp.example.com/?tenant=1"}, "InvalidParameter.IssuerUrl"),
        ({"IssuerUrl": "https://user@idp.example.com"}, "InvalidParameter.IssuerUrl"),
        ({"IssuerUrl": "https://idp.example.com/#x"}, "InvalidParameter.IssuerUrl"),
        ({"IssuerUrl": "https://" + "a" * 250 + ".com"}, "InvalidParameter.IssuerUrl"),
        ({"Fingerprints": "abc"}, "InvalidParameter.Fingerprints"),
        ({"Fingerprints": f"{PRINT_A},{PRINT_A.upper()}"}, "InvalidParameter.Fingerprints"),
        ({"ClientIds": "/app"}, "InvalidParameter.ClientIds"),
        ({"IssuanceLimitTime": "169"}, "InvalidParameter.IssuanceLimitTime"),
        ({"IssuanceLimitTime": "0"}, "InvalidParameter.IssuanceLimitTime"),
        ({"Description": "d" * 257}, "InvalidParameter.Description.Length"),
        (
            {"Fingerprints": ",".join(f"{n:040x}" for n in range(FINGERPRINTS_PER_PROVIDER + 1))},
            "LimitExceeded.OIDCProvider.Fingerprints",
        ),
        (
            {"ClientIds": ",".join(f"c{n}" for n in range(CLIENT_IDS_PER_PROVIDER + 1))},
            "LimitExceeded.OIDCProvider.ClientIds",
        ),
    ],
)
def test_create_refuses_what_the_real_service_refuses(
    ims: Ims, root: Caller, params: dict[str, str], code: str
) -> None:
    given = {
        "OIDCProviderName": "idp",
        "IssuerUrl": ISSUER,
        "Fingerprints": PRINT_A,
        **params,
    }
    error = ims.actions.refusal(root, "CreateOIDCProvider", **given)
    assert (error.code, error.http_status) == (code, 409 if code.startswith("Limit") else 400)


def test_names_and_issuers_are_unique_in_an_account(ims: Ims, root: Caller) -> None:
    create(ims, root, "idp")
    again = ims.actions.refusal(
        root, "CreateOIDCProvider", OIDCProviderName="IDP", IssuerUrl="https://other.example"
    )
    assert (again.code, again.http_status) == ("EntityAlreadyExists.OIDCProvider", 409)
    same_issuer = ims.actions.refusal(
        root, "CreateOIDCProvider", OIDCProviderName="idp2", IssuerUrl=ISSUER
    )
    assert same_issuer.code == "EntityAlreadyExists.OIDCProvider"
    missing = ims.actions.refusal(root, "CreateOIDCProvider", OIDCProviderName="idp3")
    assert missing.code == "MissingParameter.IssuerUrl"


def test_client_ids_and_fingerprints_are_added_and_removed_one_at_a_time(
    ims: Ims, root: Caller
) -> None:
    create(ims, root, "idp")
    call = ims.actions.call
    added = call(root, "AddClientIdToOIDCProvider", OIDCProviderName="idp", ClientId="app-3")
    assert added["OIDCProvider"]["ClientIds"] == "app-1,app-2,app-3"
    removed = call(root, "RemoveClientIdFromOIDCProvider", OIDCProviderName="idp", ClientId="app-1")
    assert removed["OIDCProvider"]["ClientIds"] == "app-2,app-3"
    printed = call(
        root, "AddFingerprintToOIDCProvider", OIDCProviderName="idp", Fingerprint=PRINT_B
    )
    assert printed["OIDCProvider"]["Fingerprints"] == f"{PRINT_A},{PRINT_B}"
    unprinted = call(
        root, "RemoveFingerprintFromOIDCProvider", OIDCProviderName="idp", Fingerprint=PRINT_A
    )
    assert unprinted["OIDCProvider"]["Fingerprints"] == PRINT_B

    refusal = ims.actions.refusal
    twice = refusal(root, "AddClientIdToOIDCProvider", OIDCProviderName="idp", ClientId="app-2")
    assert (twice.code, twice.http_status) == ("EntityAlreadyExists.OIDCProvider.ClientId", 409)
    absent = refusal(
        root, "RemoveClientIdFromOIDCProvider", OIDCProviderName="idp", ClientId="app-9"
    )
    assert (absent.code, absent.http_status) == ("EntityNotExist.OIDCProvider.ClientId", 404)
    same = refusal(
        root, "AddFingerprintToOIDCProvider", OIDCProviderName="idp", Fingerprint=PRINT_B.lower()
    )
    assert same.code == "EntityAlreadyExists.OIDCProvider.Fingerprint"
    gone = refusal(
        root, "RemoveFingerprintFromOIDCProvider", OIDCProviderName="idp", Fingerprint=PRINT_A
    )
    assert gone.code == "EntityNotExist.OIDCProvider.Fingerprint"


def test_update_replaces_what_it_is_given_and_keeps_the_rest(ims: Ims, root: Caller) -> None:
    create(ims, root, "idp", Description="before")
    updated = ims.actions.call(
        root, "UpdateOIDCProvider", OIDCProviderName="idp", ClientIds="pods", IssuanceLimitTime="1"
    )["OIDCProvider"]
    assert (updated["ClientIds"], updated["IssuanceLimitTime"]) == ("pods", 1)
    assert (updated["Description"], updated["Fingerprints"]) == ("before", PRINT_A)
    described = ims.actions.call(
        root, "UpdateOIDCProvider", OIDCProviderName="idp", NewDescription="after"
    )["OIDCProvider"]
    assert (described["Description"], described["ClientIds"]) == ("after", "pods")


def test_listing_pages_by_name_and_delete_removes(ims: Ims, root: Caller) -> None:
    for number in range(3):
        create(ims, root, f"idp-{number}", IssuerUrl=f"https://idp{number}.example")
    first = ims.actions.call(root, "ListOIDCProviders", MaxItems="2")
    names = [p["OIDCProviderName"] for p in first["OIDCProviders"]["OIDCProvider"]]
    assert (names, first["IsTruncated"]) == (["idp-0", "idp-1"], True)
    rest = ims.actions.call(root, "ListOIDCProviders", Marker=first["Marker"])
    assert [p["OIDCProviderName"] for p in rest["OIDCProviders"]["OIDCProvider"]] == ["idp-2"]
    assert rest["IsTruncated"] is False and "Marker" not in rest

    assert ims.actions.call(root, "DeleteOIDCProvider", OIDCProviderName="IDP-1") == {}
    missing = ims.actions.refusal(root, "GetOIDCProvider", OIDCProviderName="idp-1")
    assert (missing.code, missing.http_status) == ("EntityNotExist.OIDCProvider", 404)
    empty = ims.actions.refusal(root, "DeleteOIDCProvider", OIDCProviderName="idp-1")
    assert empty.code == "EntityNotExist.OIDCProvider"


def test_a_ram_user_needs_ram_actions_on_the_providers_arn(
    ims: Ims, root: Caller, alice: User, alice_caller: Caller
) -> None:
    create(ims, root, "pods")
    denied = ims.actions.refusal(alice_caller, "GetOIDCProvider", OIDCProviderName="pods")
    assert (denied.code, denied.http_status) == ("NoPermission", 403)
    # Only a caller allowed to ask learns that a provider is missing.
    hidden = ims.actions.refusal(alice_caller, "GetOIDCProvider", OIDCProviderName="ghost")
    assert hidden.code == "NoPermission"
    account = ims.account.account_id
    ims.grant(
        alice,
        {
            "Effect": "Allow",
            "Action": ["ram:GetOIDCProvider", "ram:ListOIDCProviders"],
            "Resource": f"acs:ram::{account}:oidc-provider/*",
        },
        {
            "Effect": "Allow",
            "Action": "ram:CreateOIDCProvider",
            "Resource": "*",
            "Condition": {"StringLike": {"ram:OidcIssuerUrl": "https://*.corp.example"}},
        },
    )
    assert ims.actions.call(alice_caller, "GetOIDCProvider", OIDCProviderName="PODS")
    assert ims.actions.call(alice_caller, "ListOIDCProviders")["OIDCProviders"]["OIDCProvider"]
    create(ims, alice_caller, "corp", IssuerUrl="https://login.corp.example")
    elsewhere = ims.actions.refusal(
        alice_caller, "CreateOIDCProvider", OIDCProviderName="x", IssuerUrl="https://evil.example"
    )
    assert elsewhere.code == "NoPermission"
    deleting = ims.actions.refusal(alice_caller, "DeleteOIDCProvider", OIDCProviderName="pods")
    assert deleting.code == "NoPermission"
