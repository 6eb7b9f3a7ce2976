"""The development certificate: a server certificate that clients trusting its CA accept for
the loopback names, and nothing more (its CA's key is never kept, its names are constrained)."""

from __future__ import annotations

import ipaddress
import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from ramsts.crypto.dev_certificate import (
    DEFAULT_HOSTS,
    make_dev_certificate,
    write_dev_certificate,
)

NOW = datetime.now(UTC)


def handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """A TLS handshake between the two contexts in memory; raises what the client raises."""
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client.wrap_bio(client_in, client_out, server_hostname=hostname)
    server_side = server.wrap_bio(server_in, server_out, server_side=True)
    finished: set[str] = set()
    for _ in range(10):
        for name, side, output, peer in (
            ("client", client_side, client_out, server_in),
            ("server", server_side, server_out, client_in),
        ):
            try:
                side.do_handshake()
                finished.add(name)
            except ssl.SSLWantReadError:
                pass
            peer.write(output.read())
        if finished == {"client", "server"}:
            return
    raise AssertionError("the handshake did not finish")


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    files = write_dev_certificate(make_dev_certificate(NOW), tmp_path_factory.mktemp("tls"))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.cert_file, files.key_file)
    return server, ssl.create_default_context(cafile=files.ca_file)


@pytest.mark.parametrize("hostname", DEFAULT_HOSTS)
def test_a_client_trusting_the_ca_accepts_the_certificate_for_each_loopback_name(
    contexts: tuple[ssl.SSLContext, ssl.SSLContext], hostname: str
) -> None:
    server, client = contexts
    handshake(server, client, hostname)


def test_a_client_refuses_it_for_any_other_name(
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, client = contexts
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        handshake(server, client, "sts.aliyuncs.com")


def test_a_client_that_does_not_trust_the_ca_refuses_it(
    contexts: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, _ = contexts
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server, ssl.create_default_context(), "127.0.0.1")


def test_the_ca_may_vouch_only_for_the_certificate_names_and_only_for_servers() -> None:
    made = make_dev_certificate(NOW, ["127.0.0.1", "ramsts.test"])
    ca = x509.load_pem_x509_certificate(made.ca_pem)
    cert = x509.load_pem_x509_certificate(made.cert_pem)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert constraints.value.permitted_subtrees == [
        x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
        x509.DNSName("ramsts.test"),
    ]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["ramsts.test"]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.verify_directly_issued_by(ca) is None


def test_it_is_valid_from_shortly_before_it_was_made() -> None:
    made = make_dev_certificate(NOW, validity=timedelta(days=30))
    cert = x509.load_pem_x509_certificate(made.cert_pem)
    assert cert.not_valid_before_utc <= NOW - timedelta(minutes=30)
    assert cert.not_valid_after_utc == made.not_after.replace(microsecond=0)
    assert made.not_after == NOW + timedelta(days=30)


def test_the_key_file_is_private_and_the_ca_key_is_written_nowhere(tmp_path: Path) -> None:
    made = make_dev_certificate(NOW)
    files = write_dev_certificate(made, tmp_path / "tls")
    assert sorted(path.name for path in (tmp_path / "tls").iterdir()) == [
        "ca.pem",
        "cert.pem",
        "key.pem",
    ]
    assert stat.S_IMODE(files.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    assert files.key_file.read_bytes() == made.key_pem
    assert b"PRIVATE KEY" not in files.ca_file.read_bytes() + files.cert_file.read_bytes()
    assert "PRIVATE" not in repr(made) and "***" in repr(made)


def test_files_already_there_are_kept_unless_overwriting(tmp_path: Path) -> None:
    first = write_dev_certificate(make_dev_certificate(NOW), tmp_path)
    before = first.key_file.read_bytes()
    with pytest.raises(FileExistsError, match=r"ca\.pem"):
        write_dev_certificate(make_dev_certificate(NOW), tmp_path)
    assert first.key_file.read_bytes() == before
    first.key_file.chmod(0o644)
    second = write_dev_certificate(make_dev_certificate(NOW), tmp_path, overwrite=True)
    assert second.key_file.read_bytes() != before
    assert stat.S_IMODE(second.key_file.stat().st_mode) == 0o600


def test_no_hosts_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        make_dev_certificate(NOW, [])
