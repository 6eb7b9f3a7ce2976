"""``ramsts serve --tls-cert/--tls-key`` serves https in every worker, with the development
certificate of ``ramsts tls make-dev-cert``, to a Python SDK that trusts its CA; requests over
it have ``acs:SecureTransport`` true, and plain HTTP to the same port gets nowhere."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

from local_servers import free_port, serve_env
from ramsts.cli import main

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("serve-tls")]

STARTUP_TIMEOUT = 60.0
WORKERS = 2


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca_file: Path
    access_key_id: str
    access_key_secret: str

    def config(self, key_id: str | None = None, secret: str | None = None) -> Config:
        return Config(
            access_key_id=key_id or self.access_key_id,
            access_key_secret=secret or self.access_key_secret,
            endpoint=f"127.0.0.1:{self.port}",
            protocol="https",
            region_id="cn-hangzhou",
            ca=str(self.ca_file),
        )

    def health_over_tls(self) -> int:
        """GET /health on a new TLS connection (the kernel picks its worker)."""
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context)
        try:
            connection.request("GET", "/health")
            return connection.getresponse().status
        finally:
            connection.close()


def _bootstrap_key(output: str) -> tuple[str, str] | None:
    found = dict(re.findall(r"(AccessKeyId|AccessKeySecret):\s+(\S+)", output))
    if {"AccessKeyId", "AccessKeySecret"} <= found.keys():
        return found["AccessKeyId"], found["AccessKeySecret"]
    return None


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    directory = tmp_path_factory.mktemp("serve-tls")
    certs = directory / "certs"
    assert main(["tls", "make-dev-cert", "--out", str(certs)]) == 0
    port = free_port()
    env = serve_env(directory)
    command = [sys.executable, "-m", "ramsts", "serve", "--port", str(port)]
    command += ["--workers", str(WORKERS)]
    command += ["--tls-cert", str(certs / "cert.pem"), "--tls-key", str(certs / "key.pem")]
    log = directory / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            key = _bootstrap_key(log.read_text())
            candidate = None if key is None else TlsServer(port, certs / "ca.pem", *key)
            try:
                if candidate is not None and candidate.health_over_tls() == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield candidate
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert server.returncode == 0, log.read_text()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_a_python_sdk_trusting_the_dev_ca_calls_over_https(tls_server: TlsServer) -> None:
    identity = StsClient(tls_server.config()).get_caller_identity().body
    assert identity.identity_type == "Account"
    assert identity.arn.endswith(":root")


def test_every_worker_serves_tls(tls_server: TlsServer) -> None:
    # New connections spread over the workers' sockets by their ports: a worker without TLS
    # would fail about half of these handshakes.
    assert [tls_server.health_over_tls() for _ in range(12)] == [200] * 12


def test_plain_http_to_the_tls_port_gets_no_answer(tls_server: TlsServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", tls_server.port, timeout=5)
    try:
        connection.request("GET", "/health")
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException):
        status = None
    finally:
        connection.close()
    assert status != 200


def test_secure_transport_is_true_for_requests_over_tls(tls_server: TlsServer) -> None:
    root = RamClient(tls_server.config())
    outcomes = {}
    for required in ("true", "false"):
        name = f"secure-{required}"
        root.create_user(ram_models.CreateUserRequest(user_name=name))
        document = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ram:GetUser",
                    "Resource": "*",
                    "Condition": {"Bool": {"acs:SecureTransport": required}},
                }
            ],
        }
        root.create_policy(
            ram_models.CreatePolicyRequest(policy_name=name, policy_document=json.dumps(document))
        )
        root.attach_policy_to_user(
            ram_models.AttachPolicyToUserRequest(
                policy_name=name, policy_type="Custom", user_name=name
            )
        )
        key = root.create_access_key(ram_models.CreateAccessKeyRequest(user_name=name))
        client = RamClient(
            tls_server.config(
                key.body.access_key.access_key_id, key.body.access_key.access_key_secret
            )
        )
        try:
            client.get_user(ram_models.GetUserRequest(user_name=name))
            outcomes[required] = "allowed"
        except ClientException as exc:
            outcomes[required] = exc.code
    assert outcomes == {"true": "allowed", "false": "NoPermission"}
