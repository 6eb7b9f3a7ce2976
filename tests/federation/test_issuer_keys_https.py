"""The issuer's keys fetched for real: discovery and JWKS over https from a server on the
loopback with a development certificate, trusted only through the configured CA bundle, its
certificate chain's fingerprints remembered, and a server that never answers given up on."""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ramsts.crypto.dev_certificate import make_dev_certificate, write_dev_certificate
from ramsts.errors import AuthenticationFail
from ramsts.federation import IssuerKeys
from ramsts.federation.issuer_keys import HttpsFetcher

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _Issuer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        base = f"https://127.0.0.1:{self.server.server_address[1]}"
        documents = {
            "/.well-known/openid-configuration": {"issuer": base, "jwks_uri": f"{base}/jwks"},
            "/jwks": {
                "keys": [{**RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True), "kid": "k1"}]
            },
        }
        document = documents.get(self.path)
        body = json.dumps(document).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    written = write_dev_certificate(
        make_dev_certificate(datetime.now(UTC)), tmp_path_factory.mktemp("idp-tls")
    )
    return written.ca_file, written.cert_file, written.key_file


@pytest.fixture(scope="module")
def issuer_url(tls: tuple[Path, Path, Path]) -> Iterator[str]:
    _, cert, key = tls
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def sha1_of(pem_file: Path) -> str:
    certificate = x509.load_pem_x509_certificate(pem_file.read_bytes())
    return hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def test_the_keys_come_from_discovery_over_https_trusted_through_the_ca_bundle(
    tls: tuple[Path, Path, Path], issuer_url: str
) -> None:
    ca, cert, _ = tls
    keys = IssuerKeys(ca_file=ca)
    for certificate in (ca, cert):  # the CA's fingerprint or the server's own will do
        key = keys.key(issuer_url, "k1", [sha1_of(certificate).upper()])
        assert key.key_id == "k1"


def test_the_chain_remembered_is_the_verified_one(
    tls: tuple[Path, Path, Path], issuer_url: str
) -> None:
    ca, cert, _ = tls
    fetched = HttpsFetcher(ca_file=ca)(f"{issuer_url}/jwks")
    assert fetched.fingerprints == {sha1_of(ca), sha1_of(cert)}


def test_a_certificate_the_bundle_does_not_vouch_for_is_refused(issuer_url: str) -> None:
    with pytest.raises(AuthenticationFail) as caught:
        IssuerKeys().key(issuer_url, "k1", ["00" * 20])  # the system's CAs only
    assert caught.value.code == "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    assert "not trusted" in caught.value.message


def test_a_missing_document_is_refused(tls: tuple[Path, Path, Path], issuer_url: str) -> None:
    with pytest.raises(AuthenticationFail) as caught:
        IssuerKeys(ca_file=tls[0]).key(issuer_url + "/nowhere", "k1", ["00" * 20])
    assert caught.value.code == "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    assert "HTTP 404" in caught.value.message


def test_an_issuer_that_never_answers_is_given_up_on(tls: tuple[Path, Path, Path]) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections (the kernel does) and never says a word
    try:
        keys = IssuerKeys(ca_file=tls[0], timeout=0.2)
        with pytest.raises(AuthenticationFail) as caught:
            keys.key(f"https://127.0.0.1:{silent.getsockname()[1]}", "k1", ["00" * 20])
    finally:
        silent.close()
    assert caught.value.code == "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    assert "no answer within 0.2 seconds" in caught.value.message


def test_a_name_that_does_not_resolve_in_time_is_given_up_on(tls: tuple[Path, Path, Path]) -> None:
    """The system's resolver takes no timeout; the fetch's bound holds anyway."""
    released = threading.Event()

    def hanging(host: str, port: int) -> list[tuple[str, int]]:
        released.wait(10)
        return [("127.0.0.1", port)]

    fetch = HttpsFetcher(ca_file=tls[0], timeout=0.2, resolve=hanging)
    started = time.monotonic()
    try:
        with pytest.raises(AuthenticationFail) as caught:
            fetch("https://idp.example.internal/.well-known/openid-configuration")
    finally:
        released.set()
    assert time.monotonic() - started < 2
    assert caught.value.code == "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
    assert "idp.example.internal did not resolve within 0.2 seconds" in caught.value.message


def test_the_certificate_is_checked_for_the_urls_name_not_the_address(
    tls: tuple[Path, Path, Path], issuer_url: str
) -> None:
    port = int(issuer_url.rsplit(":", 1)[1])

    def to_loopback(host: str, asked_port: int) -> list[tuple[str, int]]:
        return [("127.0.0.1", asked_port)]

    fetch = HttpsFetcher(ca_file=tls[0], resolve=to_loopback)
    assert fetch(f"https://localhost:{port}/jwks").document["keys"]
    with pytest.raises(AuthenticationFail) as caught:
        fetch(f"https://idp.example.internal:{port}/jwks")
    assert "not trusted" in caught.value.message
