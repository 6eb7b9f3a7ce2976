"""A SAML Response verified against the provider that is to vouch for it (AssumeRoleWithSAML).

The checks, in order, each with the real service's code (401 ``AuthenticationFail``):

1. ``SAMLAssertion`` is base64 of a well-formed XML ``samlp:Response`` without a DOCTYPE, whose
   status is Success, holding exactly one ``saml:Assertion`` anywhere in the document and no
   encrypted one (``SAMLAssertion.Invalid``). One assertion, not "the first": a signed assertion
   beside an injected one (XML signature wrapping) is refused before any signature is looked at;
2. the assertion carries its own enveloped ``ds:Signature`` — Alibaba Cloud requires the whole
   assertion to be signed; a signed Response around an unsigned assertion is not enough — that
   signxml verifies with one of the metadata's signing certificates, using an algorithm the
   provider's ``AuthnSignAlgo`` allows and never HMAC (``SAMLAssertion.Invalid``). From then on
   only the element the signature references, as signxml returns it re-parsed from its
   canonical form, is read: nothing outside what was signed can reach a decision;
3. its ``Issuer`` is the metadata's ``entityID``; a bearer ``SubjectConfirmationData`` names an
   accepted ``Recipient``; every ``AudienceRestriction`` names the audience; the subject has a
   ``NameID`` (``SAMLAssertion.Invalid``);
4. ``NotOnOrAfter`` (of the confirmation, and of the conditions when given) is not past and
   ``NotBefore`` not in the future, each within :data:`CLOCK_SKEW` seconds
   (``SAMLAssertion.Expired``; a not-yet-valid one is ``SAMLAssertion.Invalid``).

The caller then reads the Role and RoleSessionName attributes and spends the assertion's ID in
the replay ledger until :attr:`SamlAssertion.usable_until`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ramsts.errors import AuthenticationFail
from ramsts.federation.saml_metadata import IdpMetadata
from ramsts.federation.saml_xml import (
    SAML_ASSERTION,
    SAML_PROTOCOL,
    XMLDSIG,
    UnsafeXml,
    parse_untrusted,
    qualified,
    safe_parser,
)

MIN_LENGTH, MAX_LENGTH = 4, 100_000
CLOCK_SKEW = 60
"""Seconds the IdP's clock may be ahead of or behind ramsts'."""

ROLE_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/Role"
ROLE_SESSION_NAME_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAME_ID_FORMAT_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

SIGN_ALGORITHMS = ("rsa-sha256", "rsa-sha1")
"""The provider's ``AuthnSignAlgo`` values: ``rsa-sha1`` additionally admits SHA-1."""

_MODERN_METHODS = frozenset(
    method
    for method in SignatureMethod
    if not method.name.startswith(("HMAC_", "DSA_")) and "SHA1" not in method.name
)
"""Public-key signatures only (an HMAC "signature" keyed with a public certificate proves
nothing), and no SHA-1 unless the provider asks for it."""
_MODERN_DIGESTS = frozenset(digest for digest in DigestAlgorithm if "SHA1" not in digest.name)
_CONFIGURATIONS = {
    "rsa-sha256": SignatureConfiguration(
        location="./", signature_methods=_MODERN_METHODS, digest_algorithms=_MODERN_DIGESTS
    ),
    "rsa-sha1": SignatureConfiguration(
        location="./",
        signature_methods=_MODERN_METHODS | {SignatureMethod.RSA_SHA1},
        digest_algorithms=_MODERN_DIGESTS | {DigestAlgorithm.SHA1},
    ),
}


@dataclass(frozen=True, slots=True)
class SamlAssertion:
    """What the signed assertion says, read from the signed element only."""

    assertion_id: str
    issuer: str
    subject: str
    subject_type: str
    """The NameID's Format without ``urn:oasis:names:tc:SAML:2.0:nameid-format:`` (so
    ``persistent``, ``transient``…), as the real service's ``SAMLAssertionInfo`` shows it."""
    recipient: str
    audiences: tuple[str, ...]
    usable_until: datetime
    """The earliest NotOnOrAfter, plus the clock skew: after it the assertion is refused as
    expired, so the replay ledger need not remember it longer."""
    attributes: dict[str, tuple[str, ...]]

    @property
    def replay_key(self) -> str:
        """The ledger's key: assertion IDs are unique per issuer (SAML core §1.3.4)."""
        return hashlib.sha256(f"{self.issuer}\n{self.assertion_id}".encode()).hexdigest()


def invalid(reason: str) -> AuthenticationFail:
    return AuthenticationFail("SAMLAssertion.Invalid", f"The SAML Assertion is invalid: {reason}.")


def verify_saml_response(
    encoded: str,
    metadata: IdpMetadata,
    *,
    now: datetime,
    recipients: frozenset[str],
    audience: str,
    sign_algo: str,
) -> SamlAssertion:
    response = _response(encoded)
    assertion = _only_assertion(response)
    signed = _verified(assertion, metadata.certificates, _CONFIGURATIONS[sign_algo])
    return _read(signed, metadata, now=now, recipients=recipients, audience=audience)


def _response(encoded: str) -> etree._Element:
    if not MIN_LENGTH <= len(encoded) <= MAX_LENGTH:
        raise invalid(f"SAMLAssertion must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    try:
        document = base64.b64decode("".join(encoded.split()), validate=True)
        response = parse_untrusted(document)
    except binascii.Error:
        raise invalid("SAMLAssertion is not base64") from None
    except UnsafeXml as exc:
        raise invalid(str(exc)) from None
    if response.tag != qualified(SAML_PROTOCOL, "Response"):
        raise invalid("SAMLAssertion must be a whole samlp:Response, as the IdP sent it")
    status = response.find(
        f"{qualified(SAML_PROTOCOL, 'Status')}/{qualified(SAML_PROTOCOL, 'StatusCode')}"
    )
    if status is None or status.get("Value") != SUCCESS:
        raise invalid("the Response's status is not Success")
    return response


def _only_assertion(response: etree._Element) -> etree._Element:
    if next(response.iter(qualified(SAML_ASSERTION, "EncryptedAssertion")), None) is not None:
        raise invalid("encrypted assertions are not supported")
    assertions = list(response.iter(qualified(SAML_ASSERTION, "Assertion")))
    if len(assertions) != 1:
        raise invalid(f"the Response must hold exactly one Assertion; it holds {len(assertions)}")
    assertion = assertions[0]
    if assertion.find(qualified(XMLDSIG, "Signature")) is None:
        raise invalid("the Assertion is not signed")
    return assertion


def _verified(
    assertion: etree._Element,
    certificates: tuple[x509.Certificate, ...],
    configuration: SignatureConfiguration,
) -> etree._Element:
    """The signed element, as signxml hands it back, for the first certificate it verifies
    with: the assertion itself, or the signature is refused."""
    for certificate in certificates:
        try:
            result = XMLVerifier().verify(
                assertion,
                x509_cert=certificate,
                parser=safe_parser(),
                expect_config=configuration,
            )
        except (InvalidSignature, InvalidInput):
            continue
        signed = result.signed_xml  # type: ignore[union-attr]  # one reference: one result
        if (
            signed is None
            or signed.tag != qualified(SAML_ASSERTION, "Assertion")
            or signed.get("ID") != assertion.get("ID")
        ):
            raise invalid("the Assertion's signature does not cover the Assertion")
        return signed
    raise invalid(
        "its signature does not verify with a signing certificate of the SAML provider's"
        " metadata, with an allowed algorithm"
    )


def _read(
    signed: etree._Element,
    metadata: IdpMetadata,
    *,
    now: datetime,
    recipients: frozenset[str],
    audience: str,
) -> SamlAssertion:
    assertion_id = signed.get("ID") or ""
    if not assertion_id or signed.get("Version") != "2.0":
        raise invalid("the Assertion needs an ID and Version 2.0")
    issuer = _text(signed.find(qualified(SAML_ASSERTION, "Issuer")))
    if issuer != metadata.entity_id:
        raise invalid(f"its Issuer {issuer!r} is not the metadata's entityID")
    subject = signed.find(qualified(SAML_ASSERTION, "Subject"))
    name_id = None if subject is None else subject.find(qualified(SAML_ASSERTION, "NameID"))
    if name_id is None or not _text(name_id):
        raise invalid("its Subject has no NameID")
    confirmation = _bearer_confirmation(subject, recipients)
    conditions = signed.find(qualified(SAML_ASSERTION, "Conditions"))
    audiences = _audiences(conditions, audience)
    ends = [_instant(confirmation, "NotOnOrAfter", required=True)]
    starts = [_instant(confirmation, "NotBefore")]
    if conditions is not None:
        ends.append(_instant(conditions, "NotOnOrAfter"))
        starts.append(_instant(conditions, "NotBefore"))
    skew = timedelta(seconds=CLOCK_SKEW)
    usable_until = min(end for end in ends if end is not None) + skew
    if now >= usable_until:
        raise AuthenticationFail("SAMLAssertion.Expired", "The SAML Assertion is expired.")
    if any(start is not None and now + skew < start for start in starts):
        raise invalid("it is not valid yet (NotBefore)")
    name_format = name_id.get("Format") or "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    return SamlAssertion(
        assertion_id=assertion_id,
        issuer=issuer,
        subject=_text(name_id),
        subject_type=name_format.removeprefix(NAME_ID_FORMAT_PREFIX),
        recipient=confirmation.get("Recipient") or "",
        audiences=audiences,
        usable_until=usable_until,
        attributes=_attributes(signed),
    )


def _bearer_confirmation(
    subject: etree._Element | None, recipients: frozenset[str]
) -> etree._Element:
    """The SubjectConfirmationData of a bearer confirmation whose Recipient is accepted."""
    seen = []
    for confirmation in [] if subject is None else subject:
        if confirmation.tag != qualified(SAML_ASSERTION, "SubjectConfirmation"):
            continue
        if confirmation.get("Method") != BEARER:
            continue
        data = confirmation.find(qualified(SAML_ASSERTION, "SubjectConfirmationData"))
        if data is None:
            continue
        recipient = data.get("Recipient") or ""
        if recipient in recipients:
            return data
        seen.append(recipient)
    if not seen:
        raise invalid("its Subject has no bearer SubjectConfirmationData")
    accepted = " or ".join(sorted(recipients))
    raise invalid(f"its Recipient {seen[0]!r} is not {accepted}")


def _audiences(conditions: etree._Element | None, audience: str) -> tuple[str, ...]:
    restrictions = (
        []
        if conditions is None
        else conditions.findall(qualified(SAML_ASSERTION, "AudienceRestriction"))
    )
    if not restrictions:
        raise invalid(f"its Conditions name no Audience (expected {audience!r})")
    named: list[str] = []
    for restriction in restrictions:
        values = [
            _text(item) for item in restriction.findall(qualified(SAML_ASSERTION, "Audience"))
        ]
        if audience not in values:
            raise invalid(f"its AudienceRestriction does not name {audience!r}")
        named.extend(value for value in values if value not in named)
    return tuple(named)


def _attributes(signed: etree._Element) -> dict[str, tuple[str, ...]]:
    attributes: dict[str, tuple[str, ...]] = {}
    for statement in signed.findall(qualified(SAML_ASSERTION, "AttributeStatement")):
        for attribute in statement.findall(qualified(SAML_ASSERTION, "Attribute")):
            name = attribute.get("Name") or ""
            values = tuple(
                _text(value)
                for value in attribute.findall(qualified(SAML_ASSERTION, "AttributeValue"))
            )
            attributes[name] = attributes.get(name, ()) + values
    return attributes


def _text(element: etree._Element | None) -> str:
    return "" if element is None else (element.text or "").strip()


def _instant(element: etree._Element, name: str, *, required: bool = False) -> datetime | None:
    value = element.get(name)
    if value is None:
        if required:
            raise invalid(f"its SubjectConfirmationData has no {name}")
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"its {name} {value!r} is not an xs:dateTime") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant
