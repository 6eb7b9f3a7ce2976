"""A SAML IdP's metadata document: who it is and which certificates sign its assertions.

The document is what the IdP publishes (SAML 2.0 Metadata, ``md:EntityDescriptor``): its
``entityID`` is the ``Issuer`` its assertions must carry, and the X.509 certificates of its
``IDPSSODescriptor``'s ``KeyDescriptor``\\ s (``use="signing"`` or no ``use``) are the keys their
signatures must verify with. An ``EntitiesDescriptor`` naming exactly one IdP is accepted too.
Anything else — not XML, a DOCTYPE, no IdP role, no entity id, no usable certificate — is
:class:`MetadataInvalid`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from ramsts.federation.saml_xml import (
    SAML_METADATA,
    XMLDSIG,
    UnsafeXml,
    parse_untrusted,
    qualified,
)

MAX_CERTIFICATES = 10
ENTITY_ID_LENGTH = 1024


class MetadataInvalid(ValueError):
    """The document is not usable SAML IdP metadata; the message says why."""


@dataclass(frozen=True, slots=True)
class IdpMetadata:
    entity_id: str
    certificates: tuple[x509.Certificate, ...]
    """Signing certificates, in document order."""


def parse_idp_metadata(document: bytes) -> IdpMetadata:
    try:
        root = parse_untrusted(document)
    except UnsafeXml as exc:
        raise MetadataInvalid(str(exc)) from None
    entity = _entity_descriptor(root)
    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id or len(entity_id) > ENTITY_ID_LENGTH:
        raise MetadataInvalid(
            f"the EntityDescriptor needs an entityID of 1 to {ENTITY_ID_LENGTH} characters"
        )
    roles = entity.findall(qualified(SAML_METADATA, "IDPSSODescriptor"))
    if not roles:
        raise MetadataInvalid("the EntityDescriptor has no IDPSSODescriptor")
    certificates = [
        _certificate(text)
        for role in roles
        for descriptor in role.findall(qualified(SAML_METADATA, "KeyDescriptor"))
        if descriptor.get("use", "signing") == "signing"
        for text in descriptor.iterfind(
            f"{qualified(XMLDSIG, 'KeyInfo')}/{qualified(XMLDSIG, 'X509Data')}"
            f"/{qualified(XMLDSIG, 'X509Certificate')}"
        )
    ]
    if not certificates:
        raise MetadataInvalid("the IDPSSODescriptor lists no signing X509Certificate")
    if len(certificates) > MAX_CERTIFICATES:
        raise MetadataInvalid(f"at most {MAX_CERTIFICATES} signing certificates are accepted")
    return IdpMetadata(entity_id, tuple(certificates))


def _entity_descriptor(root: etree._Element) -> etree._Element:
    if root.tag == qualified(SAML_METADATA, "EntityDescriptor"):
        return root
    if root.tag == qualified(SAML_METADATA, "EntitiesDescriptor"):
        idps = [
            entity
            for entity in root.iter(qualified(SAML_METADATA, "EntityDescriptor"))
            if entity.find(qualified(SAML_METADATA, "IDPSSODescriptor")) is not None
        ]
        if len(idps) == 1:
            return idps[0]
        raise MetadataInvalid(
            f"an EntitiesDescriptor must describe exactly one IdP; it describes {len(idps)}"
        )
    raise MetadataInvalid("the document is not a SAML 2.0 metadata EntityDescriptor")


def _certificate(element: etree._Element) -> x509.Certificate:
    text = "".join((element.text or "").split())
    try:
        return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise MetadataInvalid("an X509Certificate is not a base64 DER certificate") from None
