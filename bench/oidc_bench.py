"""AssumeRoleWithOIDC against AssumeRole on the same ``ramsts serve``, in one run.

The IdP is a small https server in this process (a development certificate whose CA the server
trusts through ``RAMSTS_OIDC_CA_FILE``) publishing OpenID discovery and one RS256 key; it is asked
once, at the warm-up, and then the server works from its cached keys, which is what this
measures. Every AssumeRoleWithOIDC carries one ID token minted beforehand (valid for the whole
run; the action is unsigned, so no nonce) and a session name of its own; every AssumeRole is
signed with RPC v1 by a RAM user beforehand, each with its own nonce, as in ``sts_bench.py``.

Both are measured closed loop for their peak rate, then open loop at half that rate for p99
(``loadgen.max_then_half``), in turn on the same server. Target: AssumeRoleWithOIDC at ≥ 50% of
AssumeRole's rate (it verifies an RSA signature and a JWT on top of AssumeRole's work).

    .venv/bin/python bench/oidc_bench.py                 # 20,000 requests per phase
    .venv/bin/python bench/oidc_bench.py --quick         # smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api_bench import ApiServer, fresh_database, start_server
from loadgen import HttpRequest, LoadResult, max_then_half, run_load
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.crypto.dev_certificate import make_dev_certificate, write_dev_certificate
from sts_bench import _account_of, _root_call, prepare_assume_role

TARGET_RATIO = 0.5
AUDIENCE = "sts.aliyuncs.com"
SUBJECT = "system:serviceaccount:bench:pod"


class _IdpHandler(BaseHTTPRequestHandler):
    documents: ClassVar[dict[str, bytes]] = {}
    fetches: ClassVar[int] = 0

    def do_GET(self) -> None:
        body = self.documents.get(self.path)
        type(self).fetches += 1
        self.send_response(200 if body is not None else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def idp(directory: Path) -> Iterator[tuple[str, Path, str, Any]]:
    """(issuer URL, its CA file, the CA's SHA-1 fingerprint, its signing key)."""
    files = write_dev_certificate(make_dev_certificate(datetime.now(UTC)), directory / "idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _IdpHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert_file, files.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    issuer = f"https://127.0.0.1:{server.server_address[1]}"
    jwk = {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "bench", "use": "sig"}
    _IdpHandler.documents = {
        "/.well-known/openid-configuration": json.dumps(
            {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}
        ).encode(),
        "/jwks": json.dumps({"keys": [jwk]}).encode(),
    }
    ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
    fingerprint = hashlib.sha1(ca.public_bytes(serialization.Encoding.DER)).hexdigest()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer, files.ca_file, fingerprint, key
    finally:
        server.shutdown()
        server.server_close()


def prepare_oidc(
    server: ApiServer, issuer: str, fingerprint: str, key: Any
) -> Callable[[int], list[HttpRequest]]:
    """A provider for the IdP and a role trusting it; returns a maker of ``n`` requests."""
    ims = {"Version": "2019-08-15"}
    provider = _root_call(
        server,
        "CreateOIDCProvider",
        **ims,
        OIDCProviderName="bench-idp",
        IssuerUrl=issuer,
        ClientIds=AUDIENCE,
        Fingerprints=fingerprint,
    )["OIDCProvider"]["Arn"]
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Federated": [provider]},
                "Condition": {"StringEquals": {"oidc:aud": AUDIENCE, "oidc:sub": SUBJECT}},
            }
        ],
    }
    role = _root_call(
        server, "CreateRole", RoleName="bench-oidc-role", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    now = int(time.time())
    token = jwt.encode(
        {"iss": issuer, "sub": SUBJECT, "aud": AUDIENCE, "iat": now, "exp": now + 3 * 3600},
        key,
        algorithm="RS256",
        headers={"kid": "bench"},
    )

    def make(n: int) -> list[HttpRequest]:
        requests = []
        for i in range(n):
            body = urlencode(
                {
                    "Action": "AssumeRoleWithOIDC",
                    "Version": "2015-04-01",
                    "Format": "JSON",
                    "OIDCProviderArn": provider,
                    "RoleArn": role,
                    "OIDCToken": token,
                    "RoleSessionName": f"bench-{i}",
                }
            ).encode()
            headers = (("content-type", "application/x-www-form-urlencoded"),)
            requests.append(HttpRequest("POST", "/", headers, body))
        return requests

    return make


def _measure(
    url: str, make: Callable[[int], list[HttpRequest]], args: argparse.Namespace
) -> dict[str, LoadResult]:
    run_load(url, make(min(200, args.requests)), concurrency=4)
    peak, half = max_then_half(url, make, concurrency=args.concurrency, count=args.requests)
    return {"peak": peak, "half": half}


def _ok(result: LoadResult) -> bool:
    return result.errors == 0 and set(result.statuses) == {200}


def run(args: argparse.Namespace) -> dict[str, Any]:
    master_key = os.environ.get(MASTER_KEY_ENV) or MasterKey.generate().encoded()
    with (
        tempfile.TemporaryDirectory(prefix="ramsts-oidc-bench-") as data_dir,
        idp(Path(data_dir)) as (issuer, ca_file, fingerprint, key),
    ):
        os.environ["RAMSTS_OIDC_CA_FILE"] = str(ca_file)  # read by the server start_server runs
        try:
            with (
                fresh_database(None, Path(data_dir)) as db_url,
                start_server(db_url, args.workers, Path(data_dir), master_key, "warning") as server,
            ):
                _account_of(server)
                assume_role = prepare_assume_role(server)
                oidc = prepare_oidc(server, issuer, fingerprint, key)
                results = {
                    "AssumeRole": _measure(server.url, assume_role, args),
                    "AssumeRoleWithOIDC": _measure(server.url, oidc, args),
                }
        finally:
            del os.environ["RAMSTS_OIDC_CA_FILE"]
        results_fetches = _IdpHandler.fetches
    ratio = results["AssumeRoleWithOIDC"]["peak"].rate / results["AssumeRole"]["peak"].rate
    return {
        "results": results,
        "ratio": ratio,
        "idp_fetches": results_fetches,
        "ok": all(_ok(phase) for phases in results.values() for phase in phases.values()),
    }


def report(outcome: dict[str, Any], workers: int) -> list[str]:
    lines = [f"{'action':<20} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'p99 at half':>12}"]
    for name, phases in outcome["results"].items():
        peak, half = phases["peak"], phases["half"]
        lines.append(
            f"{name:<20} {peak.rate:>8,.0f} {peak.percentile_ms(0.5):>7.2f}"
            f" {peak.percentile_ms(0.99):>7.2f} {half.percentile_ms(0.99):>12.2f}"
        )
    lines.append(
        f"target: AssumeRoleWithOIDC ≥ {TARGET_RATIO:.0%} of AssumeRole's rate with {workers}"
        f" worker(s): {outcome['ratio']:.0%}; the IdP was asked {outcome['idp_fetches']} times;"
        f" every answer 200: {'yes' if outcome['ok'] else 'NO'}"
    )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AssumeRoleWithOIDC against AssumeRole.")
    parser.add_argument("--requests", type=int, help="requests per phase (default 20,000)")
    parser.add_argument("--workers", type=int, default=1, help="ramsts workers (default 1)")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument("--quick", action="store_true", help="300 requests, 8 connections")
    args = parser.parse_args(argv)
    args.requests = args.requests or (300 if args.quick else 20_000)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"AssumeRoleWithOIDC benchmark: {args.requests:,} requests per phase,"
        f" {args.concurrency} connections, {args.workers} worker(s), {os.cpu_count()} cores",
        flush=True,
    )
    outcome = run(args)
    print("\n".join(report(outcome, args.workers)))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
