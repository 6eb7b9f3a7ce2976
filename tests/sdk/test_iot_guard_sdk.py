"""The IoT sample, guarded by ramsts, driven by Alibaba's own SDKs with the guide's credentials.

Every test runs against three deployments of the same service:

* ``in-server-sqlite`` / ``in-server-postgres``: IoT inside the ramsts server (local mode);
* ``remote``: the IoT app on its own server in this process, verifying through ``VerifyRequest``;

and the tests marked ``@in_every_deployment`` also against a fourth:

* ``subprocess``: ``ramsts demo-iot``, a separate process, in remote mode — the same guard as
  ``remote``, so a few tests show the command wires it up, at a process start each.

Clients: aliyun-python-sdk-core's ``CommonRequest`` (RPC v1; ``StsTokenCredential`` for
temporary credentials) and the Tea OpenAPI client's ``call_api`` (V3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from rpc_sdks import Signer, classic_rpc, tea_rpc

from local_servers import free_port
from ramsts.api import create_app
from ramsts.cli.demo import demo_action_modules, serving
from ramsts.config import Settings
from ramsts.crypto import (
    MASTER_KEY_ENV,
    MasterKey,
    new_sts_access_key_id,
    new_sts_access_key_secret,
)
from ramsts.guard import Guard, RemoteVerifier
from ramsts.iot.actions import IotService
from ramsts.iot.app import create_iot_app
from ramsts.iot.client import Credentials, RpcClient
from ramsts.iot.tables import IotTables, open_iot_database
from ramsts.iot.walkthrough import QUERY_PRODUCT_ONLY, READ_ONLY_POLICY, READ_WRITE_POLICY
from ramsts.services import Services, build_services
from ramsts.tokens import SessionClaims

pytestmark = pytest.mark.sdk

IOT = "2018-01-20"
RAM = "2015-05-01"
STS = "2015-04-01"
CACHE_SECONDS = 1.1
"""A little over the documented 1 s within which a revocation or policy change applies."""


@dataclass
class World:
    services: Services
    admin: RpcClient
    root: Credentials
    account_id: str
    iot_endpoint: str
    role_arn: str
    user: Credentials
    product_key: str

    def assume(
        self, session: str = "iotreadonlyrole", policy: dict[str, Any] | None = None
    ) -> Credentials:
        params = {"RoleArn": self.role_arn, "RoleSessionName": session, "DurationSeconds": "900"}
        if policy is not None:
            params["Policy"] = json.dumps(policy)
        reply = self.admin.call(STS, "AssumeRole", self.user, **params)
        assert reply.status == 200, reply.body
        return Credentials.from_body(reply.body["Credentials"])

    def ram(self, action: str, **params: str) -> dict[str, Any]:
        reply = self.admin.call(RAM, action, self.root, **params)
        assert reply.status == 200, reply.body
        return reply.body


# -- the two SDKs ---------------------------------------------------------------------------------


def classic_call(
    world: World, credentials: Credentials, action: str, **params: str
) -> dict[str, Any]:
    """aliyun-python-sdk-core, CommonRequest, RPC v1."""
    return classic_rpc(world.iot_endpoint, _signer(credentials), IOT, action, **params)


def tea_call(world: World, credentials: Credentials, action: str, **params: str) -> dict[str, Any]:
    """alibabacloud-tea-openapi, call_api, V3."""
    return tea_rpc(world.iot_endpoint, _signer(credentials), IOT, action, **params)


def _signer(credentials: Credentials) -> Signer:
    secret = credentials.access_key_secret.reveal()
    return Signer(credentials.access_key_id, secret, credentials.security_token)


def classic_refusal(
    world: World, credentials: Credentials, action: str, **params: str
) -> tuple[int, str]:
    with pytest.raises(ServerException) as refused:
        classic_call(world, credentials, action, **params)
    return refused.value.get_http_status(), refused.value.get_error_code()


def tea_refusal(
    world: World, credentials: Credentials, action: str, **params: str
) -> ClientException:
    with pytest.raises(ClientException) as refused:
        tea_call(world, credentials, action, **params)
    return refused.value


# -- deployments ----------------------------------------------------------------------------------


def _service_key(admin: RpcClient, root: Credentials) -> Credentials:
    """A RAM user of the account allowed to call VerifyRequest: the IoT service's own identity."""
    for action, params in (
        ("CreateUser", {"UserName": "iot-service"}),
        (
            "CreatePolicy",
            {
                "PolicyName": "VerifyRequests",
                "PolicyDocument": json.dumps(
                    {
                        "Version": "1",
                        "Statement": [
                            {"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}
                        ],
                    }
                ),
            },
        ),
        (
            "AttachPolicyToUser",
            {"PolicyType": "Custom", "PolicyName": "VerifyRequests", "UserName": "iot-service"},
        ),
    ):
        assert admin.call(RAM, action, root, **params).status == 200
    key = admin.call(RAM, "CreateAccessKey", root, UserName="iot-service")
    return Credentials.from_body(key.body["AccessKey"])


def _start_demo_iot(stack: ExitStack, ramsts_url: str, service: Credentials) -> str:
    port = free_port()
    env = {**os.environ, "RAMSTS_SERVICE_SECRET": service.access_key_secret.reveal()}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ramsts",
            "demo-iot",
            "--port",
            str(port),
            "--ramsts",
            ramsts_url,
            "--id",
            service.access_key_id,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(lambda: (process.terminate(), process.wait(timeout=10)))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).status_code == 200:
                return f"127.0.0.1:{port}"
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("ramsts demo-iot did not start")


IN_PROCESS_DEPLOYMENTS = ["in-server-sqlite", "in-server-postgres", "remote"]
in_every_deployment = pytest.mark.parametrize(
    "world", [*IN_PROCESS_DEPLOYMENTS, "subprocess"], indirect=True
)


@pytest.fixture(params=IN_PROCESS_DEPLOYMENTS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    mode = str(request.param)
    db_url = request.getfixturevalue("postgres_url" if mode.endswith("postgres") else "sqlite_url")
    settings = Settings(db_url=db_url, data_dir=tmp_path)
    services = build_services(
        settings,
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
        action_modules=demo_action_modules(),
    )
    with ExitStack() as stack:
        stack.callback(services.close)
        created = services.accounts.create_account("iot-tests")
        port = stack.enter_context(serving(create_app(services)))
        root = Credentials(created.access_key_id, created.access_key_secret)
        admin = RpcClient(f"127.0.0.1:{port}")
        stack.callback(admin.close)
        iot_endpoint = f"127.0.0.1:{port}"
        if mode == "remote":
            verifier = RemoteVerifier(f"http://127.0.0.1:{port}", *_service_fields(admin, root))
            stack.callback(verifier.close)
            app = create_iot_app(
                IotService(IotTables(open_iot_database("sqlite://"))), Guard(verifier)
            )
            iot_endpoint = f"127.0.0.1:{stack.enter_context(serving(app))}"
        elif mode == "subprocess":
            iot_endpoint = _start_demo_iot(
                stack, f"http://127.0.0.1:{port}", _service_key(admin, root)
            )
        yield _arrange(services, admin, root, created.account_id, iot_endpoint)


def _service_fields(admin: RpcClient, root: Credentials) -> tuple[str, Any]:
    key = _service_key(admin, root)
    return key.access_key_id, key.access_key_secret


def _arrange(
    services: Services, admin: RpcClient, root: Credentials, account_id: str, iot: str
) -> World:
    """The guide's steps 1–4: role, policies, read-only attached, a user who may assume it."""
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
            }
        ],
    }
    calls: list[tuple[str, dict[str, str]]] = [
        ("CreateRole", {"RoleName": "iotstsrole", "AssumeRolePolicyDocument": json.dumps(trust)}),
        (
            "CreatePolicy",
            {"PolicyName": "IoTReadOnly", "PolicyDocument": json.dumps(READ_ONLY_POLICY)},
        ),
        (
            "CreatePolicy",
            {"PolicyName": "IoTReadWrite", "PolicyDocument": json.dumps(READ_WRITE_POLICY)},
        ),
        (
            "AttachPolicyToRole",
            {"PolicyType": "Custom", "PolicyName": "IoTReadOnly", "RoleName": "iotstsrole"},
        ),
        ("CreateUser", {"UserName": "iotuser"}),
        (
            "AttachPolicyToUser",
            {
                "PolicyType": "System",
                "PolicyName": "AliyunSTSAssumeRoleAccess",
                "UserName": "iotuser",
            },
        ),
    ]
    for action, params in calls:
        reply = admin.call(RAM, action, root, **params)
        assert reply.status == 200, (action, reply.body)
    user = Credentials.from_body(
        admin.call(RAM, "CreateAccessKey", root, UserName="iotuser").body["AccessKey"]
    )
    client = RpcClient(iot)
    try:
        product = client.call(IOT, "CreateProduct", root, ProductName="thermometers", NodeType="0")
    finally:
        client.close()
    assert product.ok, product.body
    return World(
        services,
        admin,
        root,
        account_id,
        iot,
        f"acs:ram::{account_id}:role/iotstsrole",
        user,
        str(product.body["ProductKey"]),
    )


# -- the specification ----------------------------------------------------------------------------


@in_every_deployment
def test_read_only_role_may_query_but_not_create(world: World) -> None:
    session = world.assume()
    assert (
        classic_call(world, session, "QueryProduct", ProductKey=world.product_key)["Data"][
            "ProductName"
        ]
        == "thermometers"
    )
    assert tea_call(world, session, "QueryProduct", ProductKey=world.product_key)["Success"] is True

    assert classic_refusal(
        world, session, "CreateProduct", ProductName="kettles", NodeType="0"
    ) == (
        403,
        "NoPermission",
    )
    denied = tea_refusal(world, session, "CreateProduct", ProductName="kettles", NodeType="0")
    assert (denied.status_code, denied.code) == (403, "NoPermission")
    assert denied.access_denied_detail["AuthAction"] == "iot:CreateProduct"
    assert denied.access_denied_detail["NoPermissionType"] == "ImplicitDeny"


def test_read_write_role_may_query_and_create(world: World) -> None:
    world.ram(
        "AttachPolicyToRole", PolicyType="Custom", PolicyName="IoTReadWrite", RoleName="iotstsrole"
    )
    session = world.assume()
    assert classic_call(world, session, "QueryProduct", ProductKey=world.product_key)["Success"]
    created = tea_call(world, session, "CreateProduct", ProductName="kettles", NodeType="0")
    assert created["Success"] is True and created["ProductKey"].startswith("a1")
    registered = classic_call(
        world, session, "RegisterDevice", ProductKey=created["ProductKey"], DeviceName="k-01"
    )
    assert registered["Data"]["DeviceName"] == "k-01"


def test_session_policy_allowing_only_query_product_denies_query_device(world: World) -> None:
    world.ram(
        "AttachPolicyToRole", PolicyType="Custom", PolicyName="IoTReadWrite", RoleName="iotstsrole"
    )
    narrow = world.assume("narrow", QUERY_PRODUCT_ONLY)
    assert tea_call(world, narrow, "QueryProduct", ProductKey=world.product_key)["Success"] is True
    denied = tea_refusal(
        world, narrow, "QueryDevice", ProductKey=world.product_key, CurrentPage="1", PageSize="10"
    )
    assert (denied.status_code, denied.code) == (403, "NoPermission")
    assert classic_refusal(
        world, narrow, "QueryDevice", ProductKey=world.product_key, CurrentPage="1", PageSize="10"
    ) == (403, "NoPermission")


def test_an_expired_token_is_refused(world: World) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    secret = new_sts_access_key_secret()
    with world.services.store.read() as tx:
        role = tx.roles.get_by_id(_role_id(world))
    assert role is not None
    claims = SessionClaims(
        account_id=world.account_id,
        role_id=role.role_id,
        role_name="iotstsrole",
        session_name="stale",
        access_key_id=new_sts_access_key_id(),
        access_key_secret=secret,
        issued_at=now - timedelta(hours=2),
        expires_at=now - timedelta(hours=1),
        principal_arn=f"acs:ram::{world.account_id}:user/iotuser",
    )
    token = world.services.key_ring.current().mint(claims)
    stale = Credentials(claims.access_key_id, secret, token)
    assert classic_refusal(world, stale, "QueryProduct", ProductKey=world.product_key) == (
        400,
        "InvalidSecurityToken.Expired",
    )
    assert tea_refusal(world, stale, "QueryProduct", ProductKey=world.product_key).code == (
        "InvalidSecurityToken.Expired"
    )


@in_every_deployment
def test_a_revoked_session_is_refused_at_the_next_call(world: World) -> None:
    session = world.assume()
    assert tea_call(world, session, "QueryProduct", ProductKey=world.product_key)["Success"] is True
    world.ram("RevokeRoleSessions", RoleName="iotstsrole")
    time.sleep(CACHE_SECONDS)
    assert tea_refusal(world, session, "QueryProduct", ProductKey=world.product_key).code == (
        "InvalidSecurityToken.Expired"
    )
    fresh = world.assume("after-revocation")
    assert tea_call(world, fresh, "QueryProduct", ProductKey=world.product_key)["Success"] is True


def test_a_deleted_role_is_refused_at_the_next_call(world: World) -> None:
    session = world.assume()
    assert classic_call(world, session, "QueryProduct", ProductKey=world.product_key)["Success"]
    world.ram(
        "DetachPolicyFromRole", PolicyType="Custom", PolicyName="IoTReadOnly", RoleName="iotstsrole"
    )
    world.ram("DeleteRole", RoleName="iotstsrole")
    time.sleep(CACHE_SECONDS)
    status, code = classic_refusal(world, session, "QueryProduct", ProductKey=world.product_key)
    assert (status, code) == (400, "InvalidSecurityToken.Expired")


def test_a_ram_users_long_term_key_with_attached_policies(world: World) -> None:
    world.ram("CreateUser", UserName="operator")
    world.ram(
        "AttachPolicyToUser", PolicyType="Custom", PolicyName="IoTReadOnly", UserName="operator"
    )
    key = Credentials.from_body(world.ram("CreateAccessKey", UserName="operator")["AccessKey"])
    listed = tea_call(world, key, "QueryProductList", CurrentPage="1", PageSize="10")
    assert [p["ProductKey"] for p in listed["Data"]["List"]["ProductInfo"]] == [world.product_key]
    assert classic_refusal(world, key, "DeleteProduct", ProductKey=world.product_key) == (
        403,
        "NoPermission",
    )
    world.ram(
        "AttachPolicyToUser", PolicyType="Custom", PolicyName="IoTReadWrite", UserName="operator"
    )
    time.sleep(CACHE_SECONDS)
    assert (
        classic_call(world, key, "DeleteProduct", ProductKey=world.product_key)["Success"] is True
    )


def test_a_tampered_request_is_refused_with_the_gateways_signature_error(world: World) -> None:
    session = world.assume()
    forged = Credentials(session.access_key_id, new_sts_access_key_secret(), session.security_token)
    denied = tea_refusal(world, forged, "QueryProduct", ProductKey=world.product_key)
    assert (denied.status_code, denied.code) == (400, "SignatureDoesNotMatch")


def _role_id(world: World) -> str:
    return str(world.ram("GetRole", RoleName="iotstsrole")["Role"]["RoleId"])
