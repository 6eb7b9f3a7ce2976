"""``ramsts tls make-dev-cert`` writes a certificate ``ramsts serve --tls-cert/--tls-key`` can
serve, and ``serve`` refuses, in one line and before starting, files that cannot serve https."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ramsts.cli import main


def test_make_dev_cert_writes_a_pair_and_says_how_to_serve_and_trust_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tls"
    assert main(["tls", "make-dev-cert", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"ramsts serve --tls-cert {out / 'cert.pem'} --tls-key {out / 'key.pem'}" in printed
    assert f"NODE_EXTRA_CA_CERTS={out / 'ca.pem'}" in printed
    assert f"SSL_CERT_FILE={out / 'ca.pem'}" in printed
    assert "127.0.0.1, localhost, ::1" in printed
    assert stat.S_IMODE((out / "key.pem").stat().st_mode) == 0o600
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(out / "cert.pem", out / "key.pem")


def test_make_dev_cert_keeps_files_already_there_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path)]) == 0
    key = (tmp_path / "key.pem").read_bytes()
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path)]) == 1
    assert "already exists (--force replaces it)" in capsys.readouterr().err
    assert (tmp_path / "key.pem").read_bytes() == key
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "key.pem").read_bytes() != key


def test_make_dev_cert_certifies_the_hosts_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["tls", "make-dev-cert", "--out", str(tmp_path), "--host", "ramsts.test"]
    assert main([*argv, "--host", "10.0.0.7"]) == 0
    assert "for ramsts.test, 10.0.0.7," in capsys.readouterr().out
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path / "x"), "--host", " "]) == 3


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path / "a")]) == 0
    assert main(["tls", "make-dev-cert", "--out", str(tmp_path / "b")]) == 0
    key = serialization.load_pem_private_key((tmp_path / "a" / "key.pem").read_bytes(), None)
    (tmp_path / "a" / "locked.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass phrase"),
        )
    )
    return tmp_path / "a" / "cert.pem", tmp_path / "a" / "key.pem"


@pytest.mark.parametrize(
    ("cert", "key", "said"),
    [
        ("a/cert.pem", "b/key.pem", "is not the key of the certificate"),
        ("a/missing.pem", "a/key.pem", "the TLS certificate {tmp}/a/missing.pem is not a file"),
        ("a/cert.pem", "a", "the TLS key {tmp}/a is not a file"),
        ("a/key.pem", "a/key.pem", "are not a PEM certificate and its PEM key"),
        ("a/cert.pem", "a/ca.pem", "are not a PEM certificate and its PEM key"),
        ("a/cert.pem", "a/locked.pem", "its PEM key without a pass phrase"),
    ],
)
def test_serve_refuses_files_that_cannot_serve_https_before_opening_anything(
    pair: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cert: str,
    key: str,
    said: str,
) -> None:
    capsys.readouterr()
    argv = ["serve", "--tls-cert", str(tmp_path / cert), "--tls-key", str(tmp_path / key)]
    assert main([*argv, "--data-dir", str(tmp_path / "var")]) == 1
    assert said.format(tmp=tmp_path) in capsys.readouterr().err
    assert not (tmp_path / "var").exists()


def test_serve_refuses_a_certificate_without_its_key(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--tls-cert", str(pair[0])]) == 3
    assert "both a certificate and its key" in capsys.readouterr().err
