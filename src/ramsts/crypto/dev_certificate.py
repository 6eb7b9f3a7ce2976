"""A development certificate: a CA of its own and a server certificate for the loopback.

Some clients reach STS only over https, whatever endpoint they are given (the Node.js
``@alicloud/credentials`` builds ``https://`` + its ``stsEndpoint``); ``ramsts serve --tls-cert
--tls-key`` with this certificate lets them reach a server on a developer's machine once they
trust the CA (``NODE_EXTRA_CA_CERTS``, ``SSL_CERT_FILE``, ``ALIBABA_CLOUD_CA_BUNDLE``).

Trusting a CA is a wide grant, so this one is made as narrow as it can be: its private key is
used to sign the one server certificate and then forgotten (never written anywhere), and its name
constraints allow only the names it was made for, so nothing else it could ever sign would be
accepted even if its key had leaked. Keys are ECDSA P-256. Not for production: a server other
people reach needs a certificate from a CA they already trust.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")
VALIDITY = timedelta(days=825)
"""The longest validity that every client stack still accepts for a server certificate."""
BACKDATE = timedelta(hours=1)
"""Valid from a little before it was made, for clients whose clocks are slightly behind."""

CA_FILE_NAME, CERT_FILE_NAME, KEY_FILE_NAME = "ca.pem", "cert.pem", "key.pem"


@dataclass(frozen=True, slots=True, repr=False)
class DevCertificate:
    """The PEM texts of a development certificate, its private key and the CA that signed it."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    hosts: tuple[str, ...]
    not_after: datetime

    def __repr__(self) -> str:
        return f"DevCertificate(hosts={self.hosts!r}, not_after={self.not_after!r}, key=***)"


@dataclass(frozen=True, slots=True)
class DevCertificateFiles:
    """Where :func:`write_dev_certificate` put each part."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_dev_certificate(
    now: datetime, hosts: Sequence[str] = DEFAULT_HOSTS, *, validity: timedelta = VALIDITY
) -> DevCertificate:
    """A new CA and a server certificate it signed for ``hosts`` (IP addresses or DNS names),
    valid from shortly before ``now`` for ``validity``."""
    if not hosts:
        raise ValueError("a development certificate needs at least one host name or address")
    names = [_general_name(host) for host in hosts]
    permitted = [_permitted_subtree(host) for host in hosts]
    not_before, not_after = now - BACKDATE, now + validity
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ramsts development CA")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signs_certificates=True), critical=True)
        .add_extension(
            x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    cert = (
        _builder(subject, ca_name, key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return DevCertificate(
        ca_pem=ca.public_bytes(serialization.Encoding.PEM),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        hosts=tuple(hosts),
        not_after=not_after,
    )


def write_dev_certificate(
    certificate: DevCertificate, directory: Path, *, overwrite: bool = False
) -> DevCertificateFiles:
    """Write ``ca.pem``, ``cert.pem`` and ``key.pem`` (mode 0600 from the moment it exists) into
    ``directory``. Raises :class:`FileExistsError` naming the first file already there, unless
    ``overwrite``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = DevCertificateFiles(
        ca_file=directory / CA_FILE_NAME,
        cert_file=directory / CERT_FILE_NAME,
        key_file=directory / KEY_FILE_NAME,
    )
    if not overwrite:
        for path in (files.ca_file, files.cert_file, files.key_file):
            if path.exists():
                raise FileExistsError(f"{path} already exists")
    _write_private(files.key_file, certificate.key_pem)
    files.cert_file.write_bytes(certificate.cert_pem)
    files.ca_file.write_bytes(certificate.ca_pem)
    return files


def _write_private(path: Path, content: bytes) -> None:
    """Replace ``path`` with a file that only its owner can read, never readable by others even
    for an instant (an existing file's mode is not trusted: it is unlinked first)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _general_name(host: str) -> x509.GeneralName:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return x509.DNSName(host)
    return x509.IPAddress(address)


def _permitted_subtree(host: str) -> x509.GeneralName:
    """The name constraint that admits ``host`` alone (an IP address as a one-address network)."""
    name = _general_name(host)
    if isinstance(name, x509.IPAddress):
        return x509.IPAddress(ipaddress.ip_network(name.value))
    return name


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )
