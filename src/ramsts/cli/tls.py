"""``ramsts tls make-dev-cert``: a certificate to serve https on a developer's machine.

Writes a server certificate for 127.0.0.1, localhost and ::1 (or the ``--host`` names given), its
private key (mode 0600) and the CA that signed it, whose own key is never written (see
:mod:`ramsts.crypto.dev_certificate`). Then ``ramsts serve --tls-cert DIR/cert.pem --tls-key
DIR/key.pem`` serves https, and clients that trust ``DIR/ca.pem`` reach it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ramsts.cli import EXIT_FAILURE, EXIT_INVALID, EXIT_OK
from ramsts.crypto.dev_certificate import (
    DEFAULT_HOSTS,
    DevCertificateFiles,
    make_dev_certificate,
    write_dev_certificate,
)
from ramsts.types import system_clock


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tls",
        help="TLS certificates for serving https",
        description="TLS certificates for `ramsts serve --tls-cert/--tls-key`.",
    )
    commands = parser.add_subparsers(dest="tls_command", metavar="COMMAND", required=True)
    make = commands.add_parser(
        "make-dev-cert",
        help="write a development CA and a certificate for 127.0.0.1 and localhost",
        description=(
            "Write DIR/cert.pem and DIR/key.pem (mode 0600) for ramsts serve --tls-cert/--tls-key,"
            " and DIR/ca.pem, the CA that signed them, for clients to trust"
            " (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, ALIBABA_CLOUD_CA_BUNDLE). The CA's own key is"
            " never written, and the CA vouches only for the certificate's names."
            " For development only."
        ),
    )
    make.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    make.add_argument(
        "--host",
        action="append",
        dest="hosts",
        metavar="NAME",
        help=f"a name or address to certify, repeatable (default: {', '.join(DEFAULT_HOSTS)})",
    )
    make.add_argument("--force", action="store_true", help="replace files already there")
    make.set_defaults(func=run_make_dev_cert)


def run_make_dev_cert(args: argparse.Namespace) -> int:
    hosts = tuple(args.hosts or DEFAULT_HOSTS)
    if any(not host.strip() or host != host.strip() for host in hosts):
        print("ramsts tls make-dev-cert: --host needs a name or an address", file=sys.stderr)
        return EXIT_INVALID
    certificate = make_dev_certificate(system_clock(), hosts)
    try:
        files = write_dev_certificate(certificate, Path(args.out), overwrite=args.force)
    except FileExistsError as exc:
        print(f"ramsts tls make-dev-cert: {exc} (--force replaces it)", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"ramsts tls make-dev-cert: cannot write into {args.out}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(_summary(files, hosts, certificate.not_after.date().isoformat()))
    return EXIT_OK


def _summary(files: DevCertificateFiles, hosts: tuple[str, ...], until: str) -> str:
    return "\n".join(
        [
            f"ramsts: wrote a development certificate for {', '.join(hosts)}, valid until {until}:",
            f"  {files.cert_file}  the server certificate",
            f"  {files.key_file}  its private key (mode 0600)",
            f"  {files.ca_file}  the CA that signed it, for clients to trust",
            "Serve https with it:",
            f"  ramsts serve --tls-cert {files.cert_file} --tls-key {files.key_file}",
            "Trust the CA in clients:",
            f"  Node.js SDKs and @alicloud/credentials:   NODE_EXTRA_CA_CERTS={files.ca_file}",
            f"  Python Tea SDKs, alibabacloud-credentials: SSL_CERT_FILE={files.ca_file}",
            f"  Python aliyun-python-sdk-core (classic):   ALIBABA_CLOUD_CA_BUNDLE={files.ca_file}",
        ]
    )
