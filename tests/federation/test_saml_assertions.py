"""SAML IdP metadata and Responses checked without a server: what pysaml2's IdP signs is
accepted, and the edge cases around it (algorithms, times, DOCTYPEs, encrypted or misplaced
assertions, metadata that is no IdP's) are refused with the real codes."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from ramsts.errors import AuthenticationFail
from ramsts.federation.saml_assertions import CLOCK_SKEW, SamlAssertion, verify_saml_response
from ramsts.federation.saml_metadata import IdpMetadata, MetadataInvalid, parse_idp_metadata
from saml_idp import ALIBABA_ACS, ALIBABA_SP, ENTITY_ID, SamlIdp, encoded

PAIR = "acs:ram::123:role/admins,acs:ram::123:saml-provider/corp"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> SamlIdp:
    return SamlIdp.start(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def metadata(idp: SamlIdp) -> IdpMetadata:
    return parse_idp_metadata(idp.metadata().encode())


def verify(
    response: str, metadata: IdpMetadata, *, now: datetime | None = None, algo: str = "rsa-sha256"
) -> SamlAssertion:
    return verify_saml_response(
        response,
        metadata,
        now=now or datetime.now(UTC),
        recipients=frozenset({ALIBABA_ACS}),
        audience=ALIBABA_SP,
        sign_algo=algo,
    )


def refusal(response: str, metadata: IdpMetadata, **options: object) -> AuthenticationFail:
    with pytest.raises(AuthenticationFail) as caught:
        verify(response, metadata, **options)  # type: ignore[arg-type]
    return caught.value


# -- metadata ------------------------------------------------------------------------------------


def test_pysaml2_metadata_names_the_entity_and_its_signing_certificate(
    metadata: IdpMetadata,
) -> None:
    assert metadata.entity_id == ENTITY_ID
    assert len(metadata.certificates) == 1


def test_an_entities_descriptor_with_one_idp_is_read(idp: SamlIdp) -> None:
    wrapped = f'<md:EntitiesDescriptor xmlns:md="{MD}">{idp.metadata()}</md:EntitiesDescriptor>'
    assert parse_idp_metadata(wrapped.encode()).entity_id == ENTITY_ID


def _without_signing_keys(document: str) -> str:
    root = etree.fromstring(document.encode())
    for descriptor in root.iter(f"{{{MD}}}KeyDescriptor"):
        descriptor.set("use", "encryption")
    return etree.tostring(root).decode()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda md: "<x/>", "not a SAML 2.0 metadata EntityDescriptor"),
        (lambda md: "<<<", "not well-formed XML"),
        (lambda md: '<!DOCTYPE a [<!ENTITY e "x">]>' + md, "DOCTYPE"),
        (lambda md: md.replace(ENTITY_ID, ""), "entityID"),
        (lambda md: md.replace("IDPSSODescriptor", "SPSSODescriptor"), "no IDPSSODescriptor"),
        (_without_signing_keys, "no signing X509Certificate"),
        (lambda md: md.replace("<ns2:X509Certificate>MII", "<ns2:X509Certificate>!!"), "DER"),
        (
            lambda md: f'<md:EntitiesDescriptor xmlns:md="{MD}">{md}{md}</md:EntitiesDescriptor>',
            "exactly one IdP",
        ),
    ],
)
def test_what_is_not_an_idps_metadata_is_refused(idp: SamlIdp, make: object, reason: str) -> None:
    with pytest.raises(MetadataInvalid, match=reason):
        parse_idp_metadata(make(idp.metadata()).encode())  # type: ignore[operator]


# -- responses ----------------------------------------------------------------------------------


def test_a_pysaml2_response_is_read_from_its_signed_assertion(
    idp: SamlIdp, metadata: IdpMetadata
) -> None:
    assertion = verify(idp.response(roles=[PAIR], session_name="alice"), metadata)
    assert (assertion.issuer, assertion.subject, assertion.subject_type) == (
        ENTITY_ID,
        "alice@example.com",
        "persistent",
    )
    assert (assertion.recipient, assertion.audiences) == (ALIBABA_ACS, (ALIBABA_SP,))
    assert assertion.attributes["https://www.aliyun.com/SAML-Role/Attributes/Role"] == (PAIR,)
    assert len(assertion.replay_key) == 64


def test_sha1_signatures_pass_only_for_a_provider_that_allows_rsa_sha1(
    idp: SamlIdp, metadata: IdpMetadata
) -> None:
    response = idp.response(roles=[PAIR], sha1=True)
    assert refusal(response, metadata).code == "AuthenticationFail.SAMLAssertion.Invalid"
    assert verify(response, metadata, algo="rsa-sha1").subject == "alice@example.com"


def test_the_validity_window_allows_a_minute_of_skew_either_way(
    idp: SamlIdp, metadata: IdpMetadata
) -> None:
    response = idp.response(roles=[PAIR])
    issued = datetime.now(UTC)
    lifetime = timedelta(minutes=5)  # the IdP's policy
    just_past = issued + lifetime + timedelta(seconds=CLOCK_SKEW - 5)
    assert verify(response, metadata, now=just_past).subject
    expired = refusal(response, metadata, now=just_past + timedelta(seconds=10))
    assert (expired.code, expired.http_status) == ("AuthenticationFail.SAMLAssertion.Expired", 401)
    early = refusal(response, metadata, now=issued - timedelta(seconds=CLOCK_SKEW + 5))
    assert "not valid yet" in early.message


def test_the_issuer_must_be_the_metadatas_entity(idp: SamlIdp, metadata: IdpMetadata) -> None:
    other = replace(metadata, entity_id="https://other.example/saml")
    assert "Issuer" in refusal(idp.response(roles=[PAIR]), other).message


def _edited(xml: str, edit: object) -> str:
    root = etree.fromstring(xml.encode())
    edit(root)  # type: ignore[operator]
    return etree.tostring(root).decode()


def _hide_signed_assertion_in_extensions(root: etree._Element) -> None:
    """Signature wrapping, the other way round: the signed assertion moved into the Response's
    Extensions and an unsigned one put where a careless reader looks."""
    signed = root.find(f"{{{SAML}}}Assertion")
    assert signed is not None
    evil = etree.fromstring(etree.tostring(signed))
    evil.set("ID", "id-evil")
    extensions = etree.SubElement(root, "{urn:oasis:names:tc:SAML:2.0:protocol}Extensions")
    signed.addprevious(evil)
    extensions.append(signed)


def _encrypt(root: etree._Element) -> None:
    signed = root.find(f"{{{SAML}}}Assertion")
    assert signed is not None
    signed.addprevious(etree.Element(f"{{{SAML}}}EncryptedAssertion"))
    root.remove(signed)


def _fail_status(root: etree._Element) -> None:
    code = root.find(".//{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode")
    assert code is not None
    code.set("Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda xml: _edited(xml, _hide_signed_assertion_in_extensions), "exactly one Assertion"),
        (lambda xml: _edited(xml, _encrypt), "encrypted assertions"),
        (lambda xml: _edited(xml, _fail_status), "not Success"),
        (lambda xml: '<!DOCTYPE r [<!ENTITY e "x">]>' + xml.split("?>", 1)[1], "DOCTYPE"),
        (lambda xml: xml.split("<ns1:Assertion", 1)[0], "well-formed"),
    ],
)
def test_responses_that_are_not_one_plainly_signed_assertion_are_refused(
    idp: SamlIdp, metadata: IdpMetadata, make: object, reason: str
) -> None:
    xml = make(idp.response_xml(roles=[PAIR]))  # type: ignore[operator]
    refused = refusal(encoded(xml), metadata)
    assert refused.code == "AuthenticationFail.SAMLAssertion.Invalid"
    assert reason in refused.message


def test_a_bare_assertion_is_not_a_response(idp: SamlIdp, metadata: IdpMetadata) -> None:
    root = etree.fromstring(idp.response_xml(roles=[PAIR]).encode())
    assertion = root.find(f"{{{SAML}}}Assertion")
    assert assertion is not None
    bare = base64.b64encode(etree.tostring(assertion)).decode()
    assert "whole samlp:Response" in refusal(bare, metadata).message
