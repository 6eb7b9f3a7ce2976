"""Authorization as the SDKs see it: a RAM user signing with its own key is refused with
NoPermission and an AccessDeniedDetail until a policy allows the action, and the root decodes the
denial's diagnostic message. Also the account alias, an account-level action."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.ClearAccountAliasRequest import ClearAccountAliasRequest
from aliyunsdkram.request.v20150501.GetAccountAliasRequest import GetAccountAliasRequest
from aliyunsdkram.request.v20150501.ListUsersRequest import ListUsersRequest
from aliyunsdkram.request.v20150501.SetAccountAliasRequest import SetAccountAliasRequest
from live_server import LiveServer

pytestmark = pytest.mark.sdk

READ_ONLY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}],
}


def client_for(server: LiveServer, access_key_id: str, secret: str) -> RamClient:
    return RamClient(
        Config(
            access_key_id=access_key_id,
            access_key_secret=secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )


def classic(server: LiveServer, request: Any, access_key_id: str, secret: str) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(access_key_id, secret, "cn-hangzhou")
    return dict(json.loads(client.do_action_with_exception(request)))


@pytest.fixture
def root(live_server: LiveServer) -> RamClient:
    return client_for(live_server, live_server.access_key_id, live_server.access_key_secret)


@pytest.fixture
def alice_key(root: RamClient) -> tuple[str, str]:
    root.create_user(ram.CreateUserRequest(user_name="alice"))
    key = root.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body.access_key
    return key.access_key_id, key.access_key_secret


def test_a_user_without_policies_gets_no_permission_with_the_detail(
    live_server: LiveServer, alice_key: tuple[str, str]
) -> None:
    alice = client_for(live_server, *alice_key)
    with pytest.raises(ClientException) as excinfo:
        alice.list_users(ram.ListUsersRequest())
    error = excinfo.value
    assert error.code == "NoPermission"
    assert error.status_code == 403
    detail = error.access_denied_detail
    assert detail["AuthAction"] == "ram:ListUsers"
    assert detail["AuthPrincipalType"] == "SubUser"
    assert detail["AuthPrincipalDisplayName"] == "alice"
    assert detail["AuthPrincipalOwnerId"] == live_server.account_id
    assert detail["NoPermissionType"] == "ImplicitDeny"
    assert detail["PolicyType"] == "AccountLevelIdentityBasedPolicy"
    assert detail["EncodedDiagnosticMessage"]


def test_classic_sdk_sees_no_permission_as_a_403(
    live_server: LiveServer, alice_key: tuple[str, str]
) -> None:
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, ListUsersRequest(), *alice_key)
    assert excinfo.value.get_error_code() == "NoPermission"
    assert excinfo.value.get_http_status() == 403


def test_a_read_only_policy_lets_a_user_list_but_not_create_and_the_root_decodes_why(
    live_server: LiveServer, root: RamClient, alice_key: tuple[str, str]
) -> None:
    root.create_policy(
        ram.CreatePolicyRequest(policy_name="ram-read", policy_document=json.dumps(READ_ONLY))
    )
    root.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            policy_type="Custom", policy_name="ram-read", user_name="alice"
        )
    )
    alice = client_for(live_server, *alice_key)
    listed = alice.list_users(ram.ListUsersRequest()).body
    assert [u.user_name for u in listed.users.user] == ["alice"]

    with pytest.raises(ClientException) as excinfo:
        alice.create_user(ram.CreateUserRequest(user_name="mallory"))
    assert excinfo.value.code == "NoPermission"
    encoded = excinfo.value.access_denied_detail["EncodedDiagnosticMessage"]

    decoded = root.decode_diagnostic_message(
        ram.DecodeDiagnosticMessageRequest(encoded_diagnostic_message=encoded)
    ).body.decoded_diagnostic_message
    assert decoded.auth_action == "ram:CreateUser"
    assert decoded.auth_resource == f"acs:ram::{live_server.account_id}:user/mallory"
    assert decoded.auth_principal.auth_principal_display_name == "alice"
    assert decoded.explicit_deny is False

    with pytest.raises(ClientException) as excinfo:
        alice.decode_diagnostic_message(
            ram.DecodeDiagnosticMessageRequest(encoded_diagnostic_message=encoded)
        )
    assert excinfo.value.code == "NoPermission"


def test_a_forged_diagnostic_message_is_refused(root: RamClient) -> None:
    with pytest.raises(ClientException) as excinfo:
        root.decode_diagnostic_message(
            ram.DecodeDiagnosticMessageRequest(encoded_diagnostic_message="AAAA")
        )
    assert excinfo.value.code == "InvalidParameter.EncodedDiagnosticMessage"
    assert excinfo.value.status_code == 400


def test_classic_sdk_sets_gets_and_clears_the_account_alias(live_server: LiveServer) -> None:
    credentials = (live_server.access_key_id, live_server.access_key_secret)
    set_alias = SetAccountAliasRequest()
    set_alias.set_AccountAlias("acme-prod")
    classic(live_server, set_alias, *credentials)
    assert classic(live_server, GetAccountAliasRequest(), *credentials)["AccountAlias"] == (
        "acme-prod"
    )
    classic(live_server, ClearAccountAliasRequest(), *credentials)
    assert classic(live_server, GetAccountAliasRequest(), *credentials)["AccountAlias"] == ""

    bad = SetAccountAliasRequest()
    bad.set_AccountAlias("-Bad-")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, bad, *credentials)
    assert excinfo.value.get_error_code() == "InvalidParameter.AccountAlias.Format"
