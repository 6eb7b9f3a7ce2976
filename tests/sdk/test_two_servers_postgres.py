"""Two ``ramsts serve`` processes on one PostgreSQL database act as one service (issue #6): what
one writes the other reads, a signature nonce spent at one is spent at both, and a SecurityToken
minted by one opens at the other (they share the master key, hence the token key ring).

The servers are real subprocesses on their own ports, as a deployment behind a load balancer
runs them; the database is a schema of the test process's own (``postgres_url``), passed with
its ``search_path`` option through ``RAMSTS_DB``; one pair serves the whole module.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.DeleteUserRequest import DeleteUserRequest as V1DeleteUser
from aliyunsdkram.request.v20150501.GetUserRequest import GetUserRequest as V1GetUser

from fresh_databases import PostgresSchemas
from local_servers import free_port, healthy
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import ACTION_MODULES
from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.types import Secret

pytestmark = [pytest.mark.sdk, pytest.mark.postgres, pytest.mark.xdist_group("two-servers")]

STARTUP_TIMEOUT = 60.0
STS_VERSION = "2015-04-01"


@dataclass(frozen=True)
class Server:
    port: int
    pid: int = 0
    """The server's process, once started."""

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def send(
        self, method: str, target: str, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, target, body, headers=dict(headers))
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()


@dataclass(frozen=True)
class TwoServers:
    first: Server
    second: Server
    account_id: str
    access_key_id: str
    access_key_secret: str


def _create_account(env: dict[str, str]) -> dict[str, str]:
    """The account both servers serve, made the way an operator does (``ramsts account create``),
    before either server starts, so that neither bootstraps a default account."""
    done = subprocess.run(
        [sys.executable, "-m", "ramsts", "account", "create", "--name", "two", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _wait_untilhealthy(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not healthy(server.port):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"ramsts serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


@contextmanager
def _serving(env: dict[str, str], logs: list[Path], *, together: bool) -> Iterator[list[Server]]:
    """One ``ramsts serve`` per log file, each on its own port and in its own process group,
    started one after the other (or ``together``); every group is killed on exit."""
    processes: list[subprocess.Popen[bytes]] = []
    servers = [Server(free_port()) for _ in logs]
    try:
        for server, log in zip(servers, logs, strict=True):
            with log.open("wb") as output:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "ramsts", "serve", "--port", str(server.port)],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            if not together:
                _wait_untilhealthy(server, processes[-1], log)
        for server, process, log in zip(servers, processes, logs, strict=True):
            _wait_untilhealthy(server, process, log)
        yield [
            replace(server, pid=process.pid)
            for server, process in zip(servers, processes, strict=True)
        ]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _server_env(postgres_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        MASTER_KEY_ENV: MasterKey.generate().encoded(),
        "RAMSTS_DB": postgres_url,
        "RAMSTS_DATA_DIR": str(data_dir),
        "RAMSTS_LOG_LEVEL": "warning",
    }


@pytest.fixture(scope="module")
def two_servers(
    postgres_databases: PostgresSchemas, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoServers]:
    """One pair for the module: each test works on entities and nonces of its own, and three
    process starts a test would be most of its time."""
    data_dir = tmp_path_factory.mktemp("two-servers")
    with postgres_databases.empty() as postgres_url:
        env = _server_env(postgres_url, data_dir)
        account = _create_account(env)
        logs = [data_dir / "first.log", data_dir / "second.log"]
        with _serving(env, logs, together=False) as (first, second):
            yield TwoServers(
                first,
                second,
                account["AccountId"],
                account["AccessKeyId"],
                account["AccessKeySecret"],
            )


def tea_ram(server: Server, access_key_id: str, secret: str) -> RamClient:
    return RamClient(
        Config(
            access_key_id=access_key_id,
            access_key_secret=secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )


def classic(server: Server, servers: TwoServers, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(servers.access_key_id, servers.access_key_secret, "cn-hangzhou")
    try:
        return dict(json.loads(client.do_action_with_exception(request)))
    finally:
        client.session.close()  # its pooled connection, which would outlive the test


def test_a_user_created_through_one_server_is_seen_and_deleted_through_the_other(
    two_servers: TwoServers,
) -> None:
    first = tea_ram(two_servers.first, two_servers.access_key_id, two_servers.access_key_secret)
    created = first.create_user(ram.CreateUserRequest(user_name="alice")).body.user

    get = V1GetUser()
    get.set_UserName("alice")
    seen = classic(two_servers.second, two_servers, get)["User"]
    assert (seen["UserId"], seen["UserName"]) == (created.user_id, "alice")

    delete = V1DeleteUser()
    delete.set_UserName("alice")
    classic(two_servers.second, two_servers, delete)
    with pytest.raises(ClientException) as excinfo:
        first.get_user(ram.GetUserRequest(user_name="alice"))
    assert excinfo.value.code == "EntityNotExist.User"


@pytest.mark.parametrize("scheme", ["v1", "v3"])
def test_a_request_replayed_to_the_other_server_is_refused_as_a_used_nonce(
    two_servers: TwoServers, scheme: str
) -> None:
    key_id, secret = two_servers.access_key_id, Secret(two_servers.access_key_secret)
    if scheme == "v1":
        v1 = sign_rpc_v1(
            "GET", {"Action": "GetCallerIdentity", "Version": STS_VERSION}, key_id, secret
        )
        method, target, headers, body = "GET", f"/?{v1.query}", v1.headers, v1.body
    else:
        # The Host header is signed: the replay carries the first server's, byte for byte.
        v3 = sign_v3(
            "POST", two_servers.first.endpoint, "GetCallerIdentity", STS_VERSION, {}, key_id, secret
        )
        method, target, headers, body = "POST", f"/?{v3.query}", v3.headers, v3.body

    status, answer = two_servers.first.send(method, target, headers, body)
    assert (status, answer["AccountId"]) == (200, two_servers.account_id)

    status, refusal = two_servers.second.send(method, target, headers, body)
    assert (status, refusal["Code"]) == (400, "SignatureNonceUsed")


def _trust_the_account(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
                }
            ],
        }
    )


def test_a_security_token_minted_by_one_server_is_accepted_by_the_other(
    two_servers: TwoServers,
) -> None:
    if "ramsts.sts.product" not in ACTION_MODULES:
        pytest.skip("AssumeRole is not registered yet (ramsts.sts.product in ACTION_MODULES)")
    account_id = two_servers.account_id
    admin = tea_ram(two_servers.first, two_servers.access_key_id, two_servers.access_key_secret)
    admin.create_user(ram.CreateUserRequest(user_name="assumer"))
    key = admin.create_access_key(ram.CreateAccessKeyRequest(user_name="assumer")).body.access_key
    admin.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            policy_type="System", policy_name="AliyunSTSAssumeRoleAccess", user_name="assumer"
        )
    )
    role = admin.create_role(
        ram.CreateRoleRequest(
            role_name="reader", assume_role_policy_document=_trust_the_account(account_id)
        )
    ).body.role

    minting = StsClient(
        Config(
            access_key_id=key.access_key_id,
            access_key_secret=key.access_key_secret,
            endpoint=two_servers.first.endpoint,
            protocol="http",
        )
    )
    credentials = minting.assume_role(
        sts.AssumeRoleRequest(role_arn=role.arn, role_session_name="two-servers")
    ).body.credentials
    assert credentials.access_key_id.startswith("STS.")

    other = StsClient(
        Config(
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret,
            security_token=credentials.security_token,
            endpoint=two_servers.second.endpoint,
            protocol="http",
        )
    )
    identity = other.get_caller_identity().body
    assert identity.identity_type == "AssumedRoleUser"
    assert identity.arn == f"acs:ram::{account_id}:assumed-role/reader/two-servers"


def test_two_servers_started_together_on_a_new_database_both_serve(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    env = _server_env(empty_postgres_url, tmp_path)
    account = _create_account(env)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with _serving(env, logs, together=True) as servers:
        for server in servers:
            signed = sign_rpc_v1(
                "GET",
                {"Action": "GetCallerIdentity", "Version": STS_VERSION},
                account["AccessKeyId"],
                Secret(account["AccessKeySecret"]),
            )
            status, body = server.send("GET", f"/?{signed.query}", signed.headers, signed.body)
            assert (status, body["AccountId"]) == (200, account["AccountId"])
