"""The system policy catalog through Alibaba's own SDKs: ListPolicies PolicyType=System lists
every catalog policy, GetPolicy answers each one's document and description, and the OSS + STS
guides' steps work: AliyunOSSFullAccess attached to a role, AliyunSTSAssumeRoleAccess to the
user who assumes it, and the session is allowed oss:GetObject (asked as a resource service asks,
through a remote guard and VerifyRequest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.GetPolicyRequest import GetPolicyRequest
from live_server import LiveServer

from ramsts.guard import Guard, GuardRequest, GuardResult, RemoteVerifier
from ramsts.ram.system_policies import load_system_policies
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret

pytestmark = pytest.mark.sdk

CATALOG = {policy.policy_name: policy for policy in load_system_policies()}


def config(server: LiveServer, key_id: str, secret: str) -> Config:
    return Config(
        access_key_id=key_id, access_key_secret=secret, endpoint=server.endpoint, protocol="http"
    )


def root_client(server: LiveServer) -> RamClient:
    return RamClient(config(server, server.access_key_id, server.access_key_secret))


def user_with_key(client: RamClient, name: str, *, system: str = "", custom: str = "") -> Any:
    """A RAM user with an AccessKey and the named system policy or custom document attached."""
    client.create_user(ram.CreateUserRequest(user_name=name))
    if system:
        client.attach_policy_to_user(
            ram.AttachPolicyToUserRequest(policy_type="System", policy_name=system, user_name=name)
        )
    if custom:
        client.create_policy(ram.CreatePolicyRequest(policy_name=name, policy_document=custom))
        client.attach_policy_to_user(
            ram.AttachPolicyToUserRequest(policy_type="Custom", policy_name=name, user_name=name)
        )
    return client.create_access_key(ram.CreateAccessKeyRequest(user_name=name)).body.access_key


def test_list_policies_lists_every_catalog_policy_as_a_system_policy(
    live_server: LiveServer,
) -> None:
    client = root_client(live_server)
    listed: dict[str, Any] = {}
    marker = None
    while True:
        body = client.list_policies(
            ram.ListPoliciesRequest(policy_type="System", max_items=20, marker=marker)
        ).body
        listed |= {p.policy_name: p for p in body.policies.policy}
        if not body.is_truncated:
            break
        marker = body.marker
    assert listed.keys() == CATALOG.keys()
    assert {p.policy_type for p in listed.values()} == {"System"}
    assert {name: p.description for name, p in listed.items()} == {
        name: policy.description for name, policy in CATALOG.items()
    }


def test_get_policy_answers_each_catalog_policys_document(live_server: LiveServer) -> None:
    client = root_client(live_server)
    for name, policy in CATALOG.items():
        body = client.get_policy(ram.GetPolicyRequest(policy_name=name, policy_type="System")).body
        assert body.policy.description == policy.description
        assert body.policy.default_version == "v1"
        document = body.default_policy_version.policy_document
        assert json.loads(document) == json.loads(policy.policy_document), name


def test_the_classic_sdk_gets_aliyun_oss_full_access(live_server: LiveServer) -> None:
    request = GetPolicyRequest()
    request.set_PolicyName("AliyunOSSFullAccess")
    request.set_PolicyType("System")
    request.set_endpoint(live_server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(live_server.access_key_id, live_server.access_key_secret, "cn-hangzhou")
    body = json.loads(client.do_action_with_exception(request))
    assert body["Policy"]["PolicyType"] == "System"
    document = json.loads(body["DefaultPolicyVersion"]["PolicyDocument"])
    assert document["Statement"][0]["Action"] == "oss:*"


def test_a_session_of_a_role_with_oss_full_access_is_allowed_get_object(
    live_server: LiveServer,
) -> None:
    client = root_client(live_server)
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{live_server.account_id}:root"]},
            }
        ],
    }
    role = client.create_role(
        ram.CreateRoleRequest(
            role_name="oss-uploader", assume_role_policy_document=json.dumps(trust)
        )
    ).body.role
    client.attach_policy_to_role(
        ram.AttachPolicyToRoleRequest(
            policy_type="System", policy_name="AliyunOSSFullAccess", role_name="oss-uploader"
        )
    )
    app = user_with_key(client, "app", system="AliyunSTSAssumeRoleAccess")
    may_verify = {"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}
    oss = user_with_key(
        client, "oss-service", custom=json.dumps({"Version": "1", "Statement": [may_verify]})
    )
    assumed = (
        StsClient(config(live_server, app.access_key_id, app.access_key_secret))
        .assume_role(sts.AssumeRoleRequest(role_arn=role.arn, role_session_name="upload"))
        .body.credentials
    )

    verifier = RemoteVerifier(live_server.url, oss.access_key_id, Secret(oss.access_key_secret))
    try:
        guard = Guard(verifier)
        resource = f"acs:oss:*:{live_server.account_id}:examplebucket/photo.jpg"

        def decide(action: str) -> GuardResult:
            # A fresh signature each time: the guard spends the request's nonce.
            request = sign_rpc_v1(
                "GET",
                {"Action": "GetObject", "Version": "2019-05-17"},
                assumed.access_key_id,
                Secret(assumed.access_key_secret),
                assumed.security_token,
            )
            return guard.decide(
                GuardRequest.of("GET", "/", request.query, request.headers), action, resource
            )

        allowed = decide("oss:GetObject")
        assert allowed.allowed
        assert allowed.principal.arn.endswith(":assumed-role/oss-uploader/upload")
        assert decide("oss:PutObject").allowed
        assert not decide("ecs:DeleteInstance").allowed
    finally:
        verifier.close()
