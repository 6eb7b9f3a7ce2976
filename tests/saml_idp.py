"""A real SAML 2.0 identity provider for tests: pysaml2's IdP (``saml2.server.Server``), signing
with a key pair the test makes (cryptography) through the ``xmlsec1`` binary, configured as an
IdP is for Alibaba Cloud's role-based SSO: the service provider ``urn:alibaba:cloudcomputing``
with its Assertion Consumer Service ``https://signin.aliyun.com/saml-role/sso``.

    idp = SamlIdp.start(tmp_path)
    idp.metadata_base64()                    # CreateSAMLProvider's EncodedSAMLMetadataDocument
    idp.response(roles=[f"{role_arn},{provider_arn}"], session_name="alice")  # SAMLAssertion

Two IdPs made with the same entity id and different keys stand for a forger who knows
everything but the key.
"""

from __future__ import annotations

import base64
import os
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():  # pysaml2 still names a cipher mode cryptography moved
    warnings.simplefilter("ignore")
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, xmldsig
    from saml2.config import IdPConfig
    from saml2.metadata import entity_descriptor
    from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
    from saml2.server import Server

ALIBABA_SP = "urn:alibaba:cloudcomputing"
ALIBABA_ACS = "https://signin.aliyun.com/saml-role/sso"
OTHER_SP = "urn:example:another-service-provider"
ENTITY_ID = "https://idp.example.internal/saml"
ROLE_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/Role"
ROLE_SESSION_NAME_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName"
SOURCE_IDENTITY_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/SourceIdentity"

_SERVICE_PROVIDERS = f"""<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">
<md:EntityDescriptor entityID="{ALIBABA_SP}">
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{ALIBABA_ACS}" index="1"/>
</md:SPSSODescriptor></md:EntityDescriptor>
<md:EntityDescriptor entityID="{OTHER_SP}">
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="https://sp.example/acs"
 index="1"/></md:SPSSODescriptor></md:EntityDescriptor>
</md:EntitiesDescriptor>"""


def xmlsec_binary() -> str:
    """pysaml2 signs with the xmlsec1 binary: without it these tests skip, except under CI
    (where ``.ci/ensure-services`` installs it), where they fail."""
    found = shutil.which("xmlsec1")
    if found is None:
        message = "pysaml2 signs with the xmlsec1 binary: apt-get install xmlsec1"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _key_pair(directory: Path, *, expired: bool) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ramsts test IdP")])
    now = datetime.now(UTC) - timedelta(days=60 if expired else 0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / "idp-key.pem", directory / "idp-cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


@dataclass(frozen=True)
class SamlIdp:
    server: Server
    config: IdPConfig

    @classmethod
    def start(
        cls, directory: Path, *, entity_id: str = ENTITY_ID, expired_certificate: bool = False
    ) -> SamlIdp:
        """An IdP signing with a new key pair whose certificate is valid for 30 days from
        yesterday (with ``expired_certificate``, it ran out a month ago)."""
        directory.mkdir(parents=True, exist_ok=True)
        key_file, cert_file = _key_pair(directory, expired=expired_certificate)
        service_providers = directory / "service-providers.xml"
        service_providers.write_text(_SERVICE_PROVIDERS)
        config = IdPConfig()
        config.load(
            {
                "entityid": entity_id,
                "xmlsec_binary": xmlsec_binary(),
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "metadata": {"local": [str(service_providers)]},
                "allow_unknown_attributes": True,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(f"{entity_id}/sso", BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
            }
        )
        return cls(Server(config=config), config)

    def metadata(self) -> str:
        """The IdP's SAML metadata XML, as pysaml2 publishes it (entity id, signing cert)."""
        return str(entity_descriptor(self.config))

    def metadata_base64(self) -> str:
        return base64.b64encode(self.metadata().encode()).decode()

    def response_xml(
        self,
        *,
        roles: Sequence[str],
        session_name: str | None = "alice",
        source_identity: str | None = None,
        subject: str = "alice@example.com",
        recipient: str = ALIBABA_ACS,
        audience: str = ALIBABA_SP,
        sign_assertion: bool = True,
        sign_response: bool = False,
        sha1: bool = False,
    ) -> str:
        """A SAML Response for ``subject`` with the Role attribute values ``roles``
        (``<role ARN>,<provider ARN>``) and the RoleSessionName attribute, RSA-SHA256 signed
        (RSA-SHA1 with ``sha1``)."""
        identity: dict[str, Any] = {ROLE_ATTRIBUTE: list(roles)}
        if session_name is not None:
            identity[ROLE_SESSION_NAME_ATTRIBUTE] = [session_name]
        if source_identity is not None:
            identity[SOURCE_IDENTITY_ATTRIBUTE] = [source_identity]
        return str(
            self.server.create_authn_response(
                identity,
                in_response_to=None,
                destination=recipient,
                sp_entity_id=audience,
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
                sign_assertion=sign_assertion,
                sign_response=sign_response,
                sign_alg=xmldsig.SIG_RSA_SHA1 if sha1 else xmldsig.SIG_RSA_SHA256,
                digest_alg=xmldsig.DIGEST_SHA1 if sha1 else xmldsig.DIGEST_SHA256,
            )
        )

    def response(self, **options: Any) -> str:
        """:meth:`response_xml` base64-encoded, as an application posts it to
        AssumeRoleWithSAML (wrapped in lines of 76 characters, as IdPs' HTML forms carry it)."""
        return encoded(self.response_xml(**options))


def encoded(xml: str) -> str:
    return base64.encodebytes(xml.encode()).decode()
