"""SAML providers (Ims 2019-08-15) at the service level, on SQLite and PostgreSQL: the five
actions' answers and refusals, and authorization as ram:<Action> on the provider's ARN."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from ims_support import Ims

from ramsts.caller import Caller
from ramsts.store import User
from saml_idp import SamlIdp


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> str:
    """base64 of a pysaml2 IdP's metadata (one made for the module: key pairs cost)."""
    return SamlIdp.start(tmp_path_factory.mktemp("idp")).metadata_base64()


def create(ims: Ims, caller: Caller, metadata: str, name: str = "corp", **params: str) -> dict:
    return ims.actions.call(
        caller,
        "CreateSAMLProvider",
        SAMLProviderName=name,
        EncodedSAMLMetadataDocument=metadata,
        **params,
    )["SAMLProvider"]


def test_a_provider_is_created_and_read_back_with_its_document(
    ims: Ims, root: Caller, metadata: str
) -> None:
    created = create(ims, root, metadata, Description="the company's IdP")
    account = ims.account.account_id
    assert created == {
        "Arn": f"acs:ram::{account}:saml-provider/corp",
        "SAMLProviderName": "corp",
        "Description": "the company's IdP",
        "AuthnSignAlgo": "rsa-sha256",
        "CreateDate": "2026-03-01T12:00:00Z",
        "UpdateDate": "2026-03-01T12:00:00Z",
    }
    got = ims.actions.call(root, "GetSAMLProvider", SAMLProviderName="CORP")["SAMLProvider"]
    assert got == {**created, "EncodedSAMLMetadataDocument": metadata}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"SAMLProviderName": "-corp"}, "InvalidParameter.SAMLProviderName.Format"),
        ({"SAMLProviderName": "c" * 129}, "InvalidParameter.SAMLProviderName.Length"),
        ({"Description": "d" * 257}, "InvalidParameter.Description.Length"),
        ({"AuthnSignAlgo": "rsa-md5"}, "InvalidParameter.AuthnSignAlgo"),
        ({"EncodedSAMLMetadataDocument": "PHg+"}, "InvalidParameter.EncodedSAMLMetadataDocument"),
        (
            {"EncodedSAMLMetadataDocument": base64.b64encode(b"\xff\xfe").decode()},
            "InvalidParameter.EncodedSAMLMetadataDocument",
        ),
        ({"EncodedSAMLMetadataDocument": ""}, "MissingParameter.EncodedSAMLMetadataDocument"),
    ],
)
def test_create_refuses_what_the_real_service_refuses(
    ims: Ims, root: Caller, metadata: str, params: dict[str, str], code: str
) -> None:
    given = {"SAMLProviderName": "corp", "EncodedSAMLMetadataDocument": metadata, **params}
    error = ims.actions.refusal(root, "CreateSAMLProvider", **given)
    assert (error.code, error.http_status) == (code, 400)


def test_names_are_unique_in_any_letter_case(ims: Ims, root: Caller, metadata: str) -> None:
    create(ims, root, metadata, "corp")
    again = ims.actions.refusal(
        root, "CreateSAMLProvider", SAMLProviderName="CORP", EncodedSAMLMetadataDocument=metadata
    )
    assert (again.code, again.http_status) == ("EntityAlreadyExists.SAMLProvider", 409)


def test_update_replaces_what_it_is_given_and_keeps_the_rest(
    ims: Ims, root: Caller, metadata: str, tmp_path: Path
) -> None:
    create(ims, root, metadata, Description="before")
    updated = ims.actions.call(
        root, "UpdateSAMLProvider", SAMLProviderName="corp", AuthnSignAlgo="rsa-sha1"
    )["SAMLProvider"]
    assert (updated["AuthnSignAlgo"], updated["Description"]) == ("rsa-sha1", "before")
    rotated = SamlIdp.start(tmp_path).metadata_base64()
    ims.actions.call(
        root,
        "UpdateSAMLProvider",
        SAMLProviderName="corp",
        NewEncodedSAMLMetadataDocument=rotated,
        NewDescription="after",
    )
    got = ims.actions.call(root, "GetSAMLProvider", SAMLProviderName="corp")["SAMLProvider"]
    assert (got["EncodedSAMLMetadataDocument"], got["Description"]) == (rotated, "after")
    assert got["AuthnSignAlgo"] == "rsa-sha1"
    bad = ims.actions.refusal(
        root, "UpdateSAMLProvider", SAMLProviderName="corp", NewEncodedSAMLMetadataDocument="PHg+"
    )
    assert bad.code == "InvalidParameter.NewEncodedSAMLMetadataDocument"


def test_listing_pages_by_name_and_delete_removes(ims: Ims, root: Caller, metadata: str) -> None:
    for number in range(3):
        create(ims, root, metadata, f"idp-{number}")
    first = ims.actions.call(root, "ListSAMLProviders", MaxItems="2")
    entries = first["SAMLProviders"]["SAMLProvider"]
    assert ([e["SAMLProviderName"] for e in entries], first["IsTruncated"]) == (
        ["idp-0", "idp-1"],
        True,
    )
    assert "EncodedSAMLMetadataDocument" not in entries[0]
    rest = ims.actions.call(root, "ListSAMLProviders", Marker=first["Marker"])
    assert [e["SAMLProviderName"] for e in rest["SAMLProviders"]["SAMLProvider"]] == ["idp-2"]
    assert rest["IsTruncated"] is False and "Marker" not in rest

    assert ims.actions.call(root, "DeleteSAMLProvider", SAMLProviderName="IDP-1") == {}
    missing = ims.actions.refusal(root, "GetSAMLProvider", SAMLProviderName="idp-1")
    assert (missing.code, missing.http_status) == ("EntityNotExist.SAMLProvider", 404)
    gone = ims.actions.refusal(root, "DeleteSAMLProvider", SAMLProviderName="idp-1")
    assert gone.code == "EntityNotExist.SAMLProvider"


def test_a_ram_user_needs_ram_actions_on_the_providers_arn(
    ims: Ims, root: Caller, alice: User, alice_caller: Caller, metadata: str
) -> None:
    create(ims, root, metadata, "corp")
    denied = ims.actions.refusal(alice_caller, "GetSAMLProvider", SAMLProviderName="corp")
    assert (denied.code, denied.http_status) == ("NoPermission", 403)
    hidden = ims.actions.refusal(alice_caller, "GetSAMLProvider", SAMLProviderName="ghost")
    assert hidden.code == "NoPermission"
    account = ims.account.account_id
    ims.grant(
        alice,
        {
            "Effect": "Allow",
            "Action": ["ram:GetSAMLProvider", "ram:ListSAMLProviders", "ram:CreateSAMLProvider"],
            "Resource": f"acs:ram::{account}:saml-provider/*",
        },
    )
    assert ims.actions.call(alice_caller, "GetSAMLProvider", SAMLProviderName="CORP")
    assert ims.actions.call(alice_caller, "ListSAMLProviders")["SAMLProviders"]["SAMLProvider"]
    create(ims, alice_caller, metadata, "alices")
    for action in ("UpdateSAMLProvider", "DeleteSAMLProvider"):
        refused = ims.actions.refusal(alice_caller, action, SAMLProviderName="corp")
        assert refused.code == "NoPermission"
