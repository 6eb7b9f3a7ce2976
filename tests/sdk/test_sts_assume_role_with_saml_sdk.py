"""SAML federation end to end, on SQLite and PostgreSQL: a real SAML IdP (pysaml2's, in
``saml_idp``) signs Responses; the Ims SDK (``alibabacloud-ims20190815``) registers its metadata;
the Tea STS client's ``assume_role_with_saml`` turns them into role sessions, which then sign
requests (GetCallerIdentity, RAM, the guard). Every refusal is checked with its real code and
status: forged, unsigned, wrongly signed, expired, wrong Recipient or Audience, a role pair the
assertion does not list, a wrapped signature, a replayed assertion.

One IdP for the module and one ramsts server per store.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from lxml import etree

from fresh_databases import PostgresSchemas
from ramsts.crypto import MasterKey
from ramsts.testing import RamstsServer, ramsts_server
from role_session_calls import (
    assert_the_guard_serves_it_as_a_role_session,
    refused_within_a_second,
    session_key,
)
from saml_idp import ALIBABA_ACS, OTHER_SP, SamlIdp, encoded

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("sdk-saml")]

SELF_HOSTED_ACS = "https://sso.ramsts.example/saml-role/sso"
"""A Recipient the server is told to accept beside Alibaba Cloud's (RAMSTS_SAML_RECIPIENTS)."""
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


@dataclass
class ShiftedClock:
    """The server's clock: the real time, moved by ``offset`` (to make assertions expire)."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdp:
    return SamlIdp.start(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def forger(tmp_path_factory: pytest.TempPathFactory) -> SamlIdp:
    """Claims to be the same IdP, with a key of its own."""
    return SamlIdp.start(tmp_path_factory.mktemp("forger"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_databases")
    with schemas.empty() as url:
        yield url


@dataclass(frozen=True)
class Federation:
    server: RamstsServer
    idp: SamlIdp
    clock: ShiftedClock
    master_key: MasterKey
    provider_arn: str
    role_arn: str

    @property
    def pair(self) -> str:
        return f"{self.role_arn},{self.provider_arn}"

    def response(self, **options: Any) -> str:
        return self.idp.response(**{"roles": [self.pair], **options})

    def assume(self, assertion: str, **params: Any) -> Any:
        request = sts_models.AssumeRoleWithSAMLRequest(
            samlprovider_arn=params.pop("provider_arn", self.provider_arn),
            role_arn=params.pop("role_arn", self.role_arn),
            samlassertion=assertion,
            **params,
        )
        return self.server.sts_client().assume_role_with_saml(request).body

    def refusal(self, assertion: str, **params: Any) -> tuple[str, int]:
        with pytest.raises(ClientException) as caught:
            self.assume(assertion, **params)
        return caught.value.code, caught.value.status_code


def ims_client(server: RamstsServer, *, signature: str = "v3") -> ImsClient:
    return ImsClient(server.tea_config(signature=signature))


@pytest.fixture(scope="module")
def federation(idp: SamlIdp, store_url: str | None) -> Iterator[Federation]:
    clock = ShiftedClock()
    recipients = (ALIBABA_ACS, SELF_HOSTED_ACS)
    master_key = MasterKey.generate()
    with ramsts_server(
        db_url=store_url, clock=clock, saml_recipients=recipients, master_key=master_key
    ) as server:
        created = ims_client(server).create_samlprovider(
            ims_models.CreateSAMLProviderRequest(
                samlprovider_name="corp-idp",
                encoded_samlmetadata_document=idp.metadata_base64(),
                description="the company's IdP",
            )
        )
        provider_arn = created.body.samlprovider.arn
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Federated": [provider_arn]},
                    "Condition": {
                        "StringEquals": {"saml:recipient": [ALIBABA_ACS, SELF_HOSTED_ACS]},
                        "StringLike": {"saml:sub": "*@example.com"},
                    },
                }
            ],
        }
        role_arn = server.create_role(
            "sso-admins",
            trust_policy=trust,
            statements=[{"Effect": "Allow", "Action": "ram:List*", "Resource": "*"}],
        )
        yield Federation(server, idp, clock, master_key, provider_arn, role_arn)


# -- Ims ---------------------------------------------------------------------------------------


def test_the_ims_sdk_manages_saml_providers(federation: Federation, forger: SamlIdp) -> None:
    ims = ims_client(federation.server, signature="v1")
    created = ims.create_samlprovider(
        ims_models.CreateSAMLProviderRequest(
            samlprovider_name="Other-IdP",
            encoded_samlmetadata_document=federation.idp.metadata_base64(),
            authn_sign_algo="rsa-sha1",
        )
    ).body.samlprovider
    account = federation.server.account_id
    assert created.arn == f"acs:ram::{account}:saml-provider/Other-IdP"
    assert (created.authn_sign_algo, created.description) == ("rsa-sha1", "")
    assert created.create_date == created.update_date
    ims.update_samlprovider(
        ims_models.UpdateSAMLProviderRequest(
            samlprovider_name="other-idp",
            new_encoded_samlmetadata_document=forger.metadata_base64(),
            new_description="rotated",
        )
    )
    got = ims.get_samlprovider(
        ims_models.GetSAMLProviderRequest(samlprovider_name="OTHER-IDP")
    ).body.samlprovider
    assert base64.b64decode(got.encoded_samlmetadata_document).decode() == forger.metadata()
    assert (got.description, got.authn_sign_algo) == ("rotated", "rsa-sha1")

    first = ims.list_samlproviders(ims_models.ListSAMLProvidersRequest(max_items=1)).body
    assert first.is_truncated is True
    rest = ims.list_samlproviders(ims_models.ListSAMLProvidersRequest(marker=first.marker)).body
    names = [p.samlprovider_name for p in first.samlproviders.samlprovider]
    names += [p.samlprovider_name for p in rest.samlproviders.samlprovider]
    assert names == ["corp-idp", "Other-IdP"] and rest.is_truncated is False

    ims.delete_samlprovider(ims_models.DeleteSAMLProviderRequest(samlprovider_name="other-idp"))
    with pytest.raises(ClientException) as caught:
        ims.get_samlprovider(ims_models.GetSAMLProviderRequest(samlprovider_name="other-idp"))
    assert (caught.value.code, caught.value.status_code) == ("EntityNotExist.SAMLProvider", 404)


@pytest.mark.parametrize(
    ("document", "code", "status"),
    [
        ("corp-idp", "EntityAlreadyExists.SAMLProvider", 409),
        ("not base64!", "InvalidParameter.EncodedSAMLMetadataDocument", 400),
        ("<md:EntityDescriptor/>", "InvalidParameter.EncodedSAMLMetadataDocument", 400),
        (
            '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "InvalidParameter.EncodedSAMLMetadataDocument",
            400,
        ),
    ],
)
def test_ims_refuses_a_taken_name_and_metadata_that_is_not_an_idps(
    federation: Federation, document: str, code: str, status: int
) -> None:
    if document == "corp-idp":
        name, encoded_document = "Corp-IdP", federation.idp.metadata_base64()
    elif document.startswith("<"):
        name, encoded_document = "bad", base64.b64encode(document.encode()).decode()
    else:
        name, encoded_document = "bad", document
    with pytest.raises(ClientException) as caught:
        ims_client(federation.server).create_samlprovider(
            ims_models.CreateSAMLProviderRequest(
                samlprovider_name=name, encoded_samlmetadata_document=encoded_document
            )
        )
    assert (caught.value.code, caught.value.status_code) == (code, status)


# -- AssumeRoleWithSAML ------------------------------------------------------------------------


@pytest.mark.parametrize("sign_response", [False, True])
def test_a_response_of_the_idp_buys_a_role_session_that_signs_requests(
    federation: Federation, sign_response: bool
) -> None:
    body = federation.assume(
        federation.response(session_name="alice.sso", sign_response=sign_response),
        duration_seconds=900,
    )
    account = federation.server.account_id
    assert body.assumed_role_user.arn == f"acs:ram::{account}:role/sso-admins/alice.sso"
    assert body.credentials.access_key_id.startswith("STS.")
    info = body.samlassertion_info
    assert (info.issuer, info.subject, info.subject_type, info.recipient) == (
        "https://idp.example.internal/saml",
        "alice@example.com",
        "persistent",
        "https://signin.aliyun.com/saml-role/sso",
    )
    expires = datetime.strptime(body.credentials.expiration, "%Y-%m-%dT%H:%M:%SZ")
    remaining = expires.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(seconds=880) < remaining <= timedelta(seconds=900)

    identity = federation.server.sts_client(session_key(body)).get_caller_identity().body
    assert identity.identity_type == "AssumedRoleUser"
    assert identity.arn == f"acs:ram::{account}:assumed-role/sso-admins/alice.sso"
    assert identity.principal_id.endswith(":alice.sso")
    federation.server.ram_client(session_key(body)).list_users(ram_models.ListUsersRequest())


def test_the_guard_verifies_a_saml_session_as_any_role_session(federation: Federation) -> None:
    key = session_key(federation.assume(federation.response(session_name="guarded")))
    assert_the_guard_serves_it_as_a_role_session(federation.server, key, "sso-admins/guarded")


def test_the_session_policy_narrows_a_saml_session_and_revocation_ends_it(
    federation: Federation,
) -> None:
    only_users = json.dumps(
        {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"}],
        }
    )
    body = federation.assume(federation.response(), policy=only_users)
    ram = federation.server.ram_client(session_key(body))
    ram.list_users(ram_models.ListUsersRequest())
    with pytest.raises(ClientException) as denied:
        ram.list_roles(ram_models.ListRolesRequest())
    assert denied.value.code == "NoPermission"
    federation.server.call("2015-05-01", "RevokeRoleSessions", RoleName="sso-admins")
    revoked = refused_within_a_second(lambda: ram.list_users(ram_models.ListUsersRequest()))
    assert revoked.code == "InvalidSecurityToken.Expired"
    fresh = federation.assume(federation.response())
    federation.server.ram_client(session_key(fresh)).list_users(ram_models.ListUsersRequest())


def test_a_user_with_many_roles_sends_a_large_assertion_in_the_query(
    federation: Federation,
) -> None:
    account = federation.server.account_id
    others = [f"acs:ram::{account}:role/team-{n},{federation.provider_arn}" for n in range(250)]
    assertion = federation.idp.response(roles=[*others, federation.pair])
    # The Tea client sends it in the URL's query, percent-encoded: past the 64 KiB of a URL that
    # the HTTP parser itself reads, within the 100,000 characters the parameter may have.
    assert 65_536 < len(assertion) < 100_000
    assert federation.assume(assertion).credentials.access_key_id.startswith("STS.")


def test_the_idps_source_identity_marks_the_session_and_its_role_chain(
    federation: Federation,
) -> None:
    body = federation.assume(federation.response(source_identity="alice@example.com"))
    assert body.source_identity == "alice@example.com"
    # The session carries it: a role it assumes may not be given another one.
    with pytest.raises(ClientException) as changed:
        federation.server.sts_client(session_key(body)).assume_role(
            sts_models.AssumeRoleRequest(
                role_arn=federation.role_arn,
                role_session_name="next-hop",
                source_identity="someone-else",
            )
        )
    assert (changed.value.code, changed.value.status_code) == ("NoPermission", 403)
    assert "alice@example.com" in changed.value.message
    bad = federation.response(source_identity="acs:admin")
    assert federation.refusal(bad) == ("InvalidParameter.SourceIdentity", 400)


def test_a_configured_recipient_is_accepted(federation: Federation) -> None:
    body = federation.assume(federation.response(recipient=SELF_HOSTED_ACS))
    assert body.samlassertion_info.recipient == SELF_HOSTED_ACS


def test_an_assertion_buys_one_session_only(federation: Federation) -> None:
    assertion = federation.response()
    federation.assume(assertion)
    assert federation.refusal(assertion) == ("AuthenticationFail.SAMLAssertion.Invalid", 401)


def test_another_server_on_the_same_database_refuses_an_assertion_spent_here(
    federation: Federation,
) -> None:
    assertion = federation.response()
    federation.assume(assertion)
    database = federation.server.services.settings.db_url
    request = sts_models.AssumeRoleWithSAMLRequest(
        samlprovider_arn=federation.provider_arn,
        role_arn=federation.role_arn,
        samlassertion=assertion,
    )
    with (
        ramsts_server(db_url=database, master_key=federation.master_key) as other,
        pytest.raises(ClientException) as caught,
    ):
        other.sts_client().assume_role_with_saml(request)
    refused = (caught.value.code, caught.value.status_code)
    assert refused == ("AuthenticationFail.SAMLAssertion.Invalid", 401)
    assert "used already" in caught.value.message


def test_an_expired_assertion_is_refused(federation: Federation) -> None:
    assertion = federation.response()
    federation.clock.offset = timedelta(minutes=10)  # the IdP made it valid for 5
    try:
        refused = federation.refusal(assertion)
    finally:
        federation.clock.offset = timedelta()
    assert refused == ("AuthenticationFail.SAMLAssertion.Expired", 401)


def forged(xml: str) -> str:
    """The IdP's signed Response with the signed assertion's session name changed."""
    return xml.replace(">alice<", ">mallory<")


def unsigned_signature(xml: str) -> str:
    """The signature's value replaced by that of another signature over other data."""
    root = etree.fromstring(xml.encode())
    value = root.find(f".//{{{DSIG}}}SignatureValue")
    assert value is not None and value.text
    value.text = base64.b64encode(bytes(256)).decode()
    return etree.tostring(root).decode()


def wrapped(xml: str) -> str:
    """XML signature wrapping: the signed assertion kept (so its signature still verifies) and an
    unsigned copy naming another subject and session put before it."""
    root = etree.fromstring(xml.encode())
    signed = root.find(f"{{{SAML}}}Assertion")
    assert signed is not None
    evil = etree.fromstring(etree.tostring(signed))
    for signature in evil.findall(f"{{{DSIG}}}Signature"):
        evil.remove(signature)
    evil.set("ID", "id-evil")
    name_id = evil.find(f".//{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "root@example.com"
    signed.addprevious(evil)
    return etree.tostring(root).decode()


def refusal_cases() -> list[Any]:
    def case(name: str, build: Any, code: str = "AuthenticationFail.SAMLAssertion.Invalid") -> Any:
        return pytest.param(build, code, id=name)

    return [
        case("forged", lambda f, forger: encoded(forged(f.idp.response_xml(roles=[f.pair])))),
        case(
            "bad signature value",
            lambda f, forger: encoded(unsigned_signature(f.idp.response_xml(roles=[f.pair]))),
        ),
        case("unsigned", lambda f, forger: f.response(sign_assertion=False)),
        case(
            "only the response signed",
            lambda f, forger: f.response(sign_assertion=False, sign_response=True),
        ),
        case("another key", lambda f, forger: forger.response(roles=[f.pair])),
        case("wrong recipient", lambda f, forger: f.response(recipient="https://sp.example/acs")),
        case("wrong audience", lambda f, forger: f.response(audience=OTHER_SP)),
        case(
            "pair not listed",
            lambda f, forger: f.response(roles=[f"{f.role_arn},{f.provider_arn}-other"]),
        ),
        case("no session name", lambda f, forger: f.response(session_name=None)),
        case(
            "bad session name",
            lambda f, forger: f.response(session_name="a b"),
            "InvalidParameter.RoleSessionName",
        ),
        case(
            "wrapped signature",
            lambda f, forger: encoded(wrapped(f.idp.response_xml(roles=[f.pair]))),
        ),
        case("not base64", lambda f, forger: "this is not base64!"),
        case(
            "trust policy's saml:sub",
            lambda f, forger: f.response(subject="alice@elsewhere.example"),
            "AuthenticationFail.NoPermission",
        ),
    ]


@pytest.mark.parametrize(("build", "code"), refusal_cases())
def test_what_the_idp_did_not_sign_or_the_role_does_not_trust_is_refused(
    federation: Federation, forger: SamlIdp, build: Any, code: str
) -> None:
    status = 400 if code.startswith("Invalid") else 401
    assert federation.refusal(build(federation, forger)) == (code, status)


def test_a_provider_whose_certificates_all_expired_is_refused(
    federation: Federation, tmp_path: Path
) -> None:
    stale = SamlIdp.start(tmp_path, expired_certificate=True)
    provider_arn = (
        ims_client(federation.server)
        .create_samlprovider(
            ims_models.CreateSAMLProviderRequest(
                samlprovider_name="stale-idp",
                encoded_samlmetadata_document=stale.metadata_base64(),
            )
        )
        .body.samlprovider.arn
    )
    assertion = stale.response(roles=[f"{federation.role_arn},{provider_arn}"])
    assert federation.refusal(assertion, provider_arn=provider_arn) == (
        "AuthenticationFail.IDPMetadata.Invalid",
        401,
    )


def test_the_provider_and_the_role_must_exist(federation: Federation) -> None:
    ghost_provider = federation.provider_arn.replace("/corp-idp", "/ghost")
    assert federation.refusal(federation.response(), provider_arn=ghost_provider) == (
        "EntityNotExist.SAMLProvider",
        404,
    )
    ghost_role = federation.role_arn.replace("/sso-admins", "/ghost")
    assertion = federation.idp.response(roles=[f"{ghost_role},{federation.provider_arn}"])
    assert federation.refusal(assertion, role_arn=ghost_role) == ("EntityNotExist.RoleArn", 404)
    with pytest.raises(ClientException) as missing:
        federation.server.sts_client().assume_role_with_saml(
            sts_models.AssumeRoleWithSAMLRequest(
                samlprovider_arn=federation.provider_arn, role_arn=federation.role_arn
            )
        )
    assert (missing.value.code, missing.value.status_code) == (
        "MissingParameter.SAMLAssertion",
        400,
    )
