"""A guarded service whose resources belong to accounts: an identity policy reaches its own
account's resources only, whatever its ``Resource`` says, in both guard modes.

The service stands for any multi-tenant product that names the owner of each resource in its ARN
(here KMS keys, ``acs:kms:cn-hangzhou:<owner>:key/<KeyId>``). It runs behind
:class:`~ramsts.guard.GuardMiddleware` with the guard in local mode (sharing the server's
services) or in remote mode (asking the server's ``VerifyRequest``), over each store, and is
called with Alibaba's SDKs: the Tea OpenAPI client (V3) and aliyun-python-sdk-core (RPC v1), by a
RAM user's AccessKey and by a role session, both allowed ``kms:*`` on ``*``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from alibabacloud_sts20150401.models import AssumeRoleRequest
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from rpc_sdks import Signer, classic_rpc, tea_rpc
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ramsts.cli.demo import serving
from ramsts.guard import Guard, GuardMiddleware, LocalVerifier, RemoteVerifier, Target
from ramsts.signing import SignedRequest
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret

pytestmark = pytest.mark.sdk

KMS = "2016-01-20"
ALL_OF_KMS = [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]


def kms_app(guard: Guard, owners: dict[str, str]) -> ASGIApp:
    """DescribeKey, authorized as ``kms:DescribeKey`` on the key's ARN, in its owner's account."""

    def resolve(signed: SignedRequest) -> Target:
        key_id = signed.params.get("KeyId", "")
        owner = owners.get(key_id, "${AccountId}")
        return Target(f"kms:{signed.action}", f"acs:kms:cn-hangzhou:{owner}:key/{key_id}")

    async def describe_key(request: Request) -> Response:
        signed: SignedRequest = request.state.signed_request
        return JSONResponse({"RequestId": "r", "KeyMetadata": {"KeyId": signed.params["KeyId"]}})

    app = Starlette(routes=[Route("/", describe_key, methods=["GET", "POST"])])
    return GuardMiddleware(
        app, guard, resolve, host_id="kms.cn-hangzhou.aliyuncs.com", product_code="Kms"
    )


@dataclass
class Deployment:
    server: RamstsServer
    endpoint: str
    own_key: str
    foreign_key: str
    foreign_account: str


@pytest.fixture(params=["local", "remote"])
def deployment(request: pytest.FixtureRequest, db_url: str) -> Iterator[Deployment]:
    with ExitStack() as stack:
        server = stack.enter_context(ramsts_server(db_url=db_url))
        globex = server.services.accounts.create_account("globex").account_id
        owners = {"key-acme": server.account_id, "key-globex": globex}
        if request.param == "local":
            services = server.services
            guard = Guard(LocalVerifier(services.authenticator, services.authorizer))
        else:
            may_verify = [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}]
            key = server.create_user("kms-service", statements=may_verify)
            verifier = RemoteVerifier(
                server.url, key.access_key_id, Secret(key.access_key_secret), cache_ttl=0
            )
            stack.callback(verifier.close)
            guard = Guard(verifier)
        port = stack.enter_context(serving(kms_app(guard, owners)))
        yield Deployment(server, f"127.0.0.1:{port}", "key-acme", "key-globex", globex)


@pytest.fixture(params=["user", "role-session"])
def caller(request: pytest.FixtureRequest, deployment: Deployment) -> AccessKey:
    """Allowed ``kms:*`` on ``*``: a RAM user's own key, or a session of a role so allowed."""
    server = deployment.server
    if request.param == "user":
        return server.create_user("alice", statements=ALL_OF_KMS)
    role_arn = server.create_role("kms-admin", statements=ALL_OF_KMS)
    alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    assumed = server.sts_client(alice).assume_role(
        AssumeRoleRequest(role_arn=role_arn, role_session_name="s1")
    )
    credentials = assumed.body.credentials
    return AccessKey(
        credentials.access_key_id, credentials.access_key_secret, credentials.security_token
    )


def tea_describe(deployment: Deployment, key: AccessKey, key_id: str) -> dict[str, Any]:
    return tea_rpc(deployment.endpoint, signer(key), KMS, "DescribeKey", KeyId=key_id)


def classic_describe(deployment: Deployment, key: AccessKey, key_id: str) -> dict[str, Any]:
    return classic_rpc(deployment.endpoint, signer(key), KMS, "DescribeKey", KeyId=key_id)


def signer(key: AccessKey) -> Signer:
    return Signer(key.access_key_id, key.access_key_secret, key.security_token)


def test_resource_star_allows_the_own_accounts_key(
    deployment: Deployment, caller: AccessKey
) -> None:
    for describe in (tea_describe, classic_describe):
        body = describe(deployment, caller, deployment.own_key)
        assert body["KeyMetadata"]["KeyId"] == deployment.own_key


def test_resource_star_never_allows_another_accounts_key(
    deployment: Deployment, caller: AccessKey
) -> None:
    with pytest.raises(ClientException) as refused:
        tea_describe(deployment, caller, deployment.foreign_key)
    assert (refused.value.status_code, refused.value.code) == (403, "NoPermission")
    resource = f"acs:kms:cn-hangzhou:{deployment.foreign_account}:key/{deployment.foreign_key}"
    assert resource in refused.value.message
    detail = refused.value.access_denied_detail
    assert (detail["NoPermissionType"], detail["PolicyType"]) == (
        "ImplicitDeny",
        "ResourceBasedPolicy",
    )
    with pytest.raises(ServerException) as classic:
        classic_describe(deployment, caller, deployment.foreign_key)
    assert (classic.value.get_http_status(), classic.value.get_error_code()) == (
        403,
        "NoPermission",
    )
