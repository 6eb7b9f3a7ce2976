"""RAM roles through Alibaba's own SDKs against a live server: the Tea client (V3 signatures) and
the classic aliyun-python-sdk-ram requests (RPC v1). The role is the user's document's
``iotstsrole``, trusted by every RAM identity of this account."""

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
from aliyunsdkram.request.v20150501.AttachPolicyToRoleRequest import AttachPolicyToRoleRequest
from aliyunsdkram.request.v20150501.CreateRoleRequest import CreateRoleRequest
from aliyunsdkram.request.v20150501.DeleteRoleRequest import DeleteRoleRequest
from aliyunsdkram.request.v20150501.DetachPolicyFromRoleRequest import (
    DetachPolicyFromRoleRequest,
)
from aliyunsdkram.request.v20150501.GetRoleRequest import GetRoleRequest
from aliyunsdkram.request.v20150501.ListRolesRequest import ListRolesRequest
from aliyunsdkram.request.v20150501.UpdateRoleRequest import UpdateRoleRequest
from live_server import LiveServer

pytestmark = pytest.mark.sdk


def trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
                }
            ],
            "Version": "1",
        }
    )


def tea(server: LiveServer) -> RamClient:
    return RamClient(
        Config(
            access_key_id=server.access_key_id,
            access_key_secret=server.access_key_secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )


def classic(server: LiveServer, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(server.access_key_id, server.access_key_secret, "cn-hangzhou")
    return dict(json.loads(client.do_action_with_exception(request)))


def test_tea_client_creates_gets_updates_and_deletes_the_guides_role(
    live_server: LiveServer,
) -> None:
    client = tea(live_server)
    created = client.create_role(
        ram.CreateRoleRequest(
            role_name="iotstsrole",
            assume_role_policy_document=trust_policy(live_server.account_id),
            description="IoT role of the STS guide",
            max_session_duration=7200,
            tag=[ram.CreateRoleRequestTag(key="team", value="iot")],
        )
    ).body.role
    assert created.arn == f"acs:ram::{live_server.account_id}:role/iotstsrole"
    assert created.role_id.isdigit()
    assert created.max_session_duration == 7200
    assert created.create_date.endswith("Z")

    got = client.get_role(ram.GetRoleRequest(role_name="iotstsrole")).body.role
    assert json.loads(got.assume_role_policy_document) == json.loads(
        trust_policy(live_server.account_id)
    )
    assert got.is_service_linked_role is False

    updated = client.update_role(
        ram.UpdateRoleRequest(role_name="iotstsrole", new_max_session_duration=43200)
    ).body.role
    assert updated.max_session_duration == 43200

    listed = client.list_roles(ram.ListRolesRequest()).body
    assert [(r.role_name, r.tags.tag[0].tag_key) for r in listed.roles.role] == [
        ("iotstsrole", "team")
    ]

    client.delete_role(ram.DeleteRoleRequest(role_name="iotstsrole"))
    with pytest.raises(ClientException) as excinfo:
        client.get_role(ram.GetRoleRequest(role_name="iotstsrole"))
    assert (excinfo.value.code, excinfo.value.status_code) == ("EntityNotExist.Role", 404)


def test_tea_client_pages_through_roles(live_server: LiveServer) -> None:
    client = tea(live_server)
    for name in ("c-role", "a-role", "b-role"):
        client.create_role(
            ram.CreateRoleRequest(
                role_name=name, assume_role_policy_document=trust_policy(live_server.account_id)
            )
        )
    first = client.list_roles(ram.ListRolesRequest(max_items=2)).body
    assert [r.role_name for r in first.roles.role] == ["a-role", "b-role"]
    assert first.is_truncated is True
    rest = client.list_roles(ram.ListRolesRequest(max_items=2, marker=first.marker)).body
    assert [r.role_name for r in rest.roles.role] == ["c-role"]
    assert (rest.is_truncated, rest.marker) == (False, None)


def test_tea_client_refuses_a_malformed_trust_policy_and_a_bad_duration(
    live_server: LiveServer,
) -> None:
    client = tea(live_server)
    with pytest.raises(ClientException) as excinfo:
        client.create_role(
            ram.CreateRoleRequest(role_name="r", assume_role_policy_document='{"Version":"1"}')
        )
    assert (excinfo.value.code, excinfo.value.status_code) == ("MalformedPolicyDocument", 400)
    with pytest.raises(ClientException) as excinfo:
        client.create_role(
            ram.CreateRoleRequest(
                role_name="r",
                assume_role_policy_document=trust_policy(live_server.account_id),
                max_session_duration=60,
            )
        )
    assert excinfo.value.code == "InvalidParameter.MaxSessionDuration"


def test_tea_client_manages_service_linked_roles(live_server: LiveServer) -> None:
    client = tea(live_server)
    role = client.create_service_linked_role(
        ram.CreateServiceLinkedRoleRequest(service_name="ecs.aliyuncs.com")
    ).body.role
    assert (role.role_name, role.is_service_linked_role) == ("AliyunServiceRoleForECS", True)
    template = client.get_service_linked_role_template(
        ram.GetServiceLinkedRoleTemplateRequest(service_name="ecs.aliyuncs.com")
    ).body.service_linked_role_template
    assert template.role_name_prefix == "AliyunServiceRoleForECS"
    with pytest.raises(ClientException) as excinfo:
        client.update_role(
            ram.UpdateRoleRequest(
                role_name="AliyunServiceRoleForECS",
                new_assume_role_policy_document=trust_policy(live_server.account_id),
            )
        )
    assert excinfo.value.status_code == 400
    deleted = client.delete_service_linked_role(
        ram.DeleteServiceLinkedRoleRequest(role_name="AliyunServiceRoleForECS")
    ).body
    assert deleted.deletion_task_id


def test_classic_sdk_creates_a_role_and_meets_delete_conflict(live_server: LiveServer) -> None:
    create = CreateRoleRequest()
    create.set_RoleName("iotstsrole")
    create.set_AssumeRolePolicyDocument(trust_policy(live_server.account_id))
    create.set_Description("IoT role")
    role = classic(live_server, create)["Role"]
    assert role["RoleName"] == "iotstsrole"
    assert role["MaxSessionDuration"] == 3600

    attach = AttachPolicyToRoleRequest()
    attach.set_RoleName("iotstsrole")
    attach.set_PolicyType("System")
    attach.set_PolicyName("AliyunSTSAssumeRoleAccess")
    assert set(classic(live_server, attach)) == {"RequestId"}

    delete = DeleteRoleRequest()
    delete.set_RoleName("iotstsrole")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, delete)
    assert excinfo.value.get_error_code() == "DeleteConflict.Role.Policy"
    assert excinfo.value.get_http_status() == 409

    detach = DetachPolicyFromRoleRequest()
    detach.set_RoleName("iotstsrole")
    detach.set_PolicyType("System")
    detach.set_PolicyName("AliyunSTSAssumeRoleAccess")
    classic(live_server, detach)
    classic(live_server, delete)
    assert classic(live_server, ListRolesRequest())["Roles"] == {"Role": []}


def test_classic_sdk_updates_gets_and_lists_roles(live_server: LiveServer) -> None:
    for name in ("b-role", "a-role"):
        create = CreateRoleRequest()
        create.set_RoleName(name)
        create.set_AssumeRolePolicyDocument(trust_policy(live_server.account_id))
        classic(live_server, create)
    update = UpdateRoleRequest()
    update.set_RoleName("a-role")
    update.set_NewDescription("updated")
    assert classic(live_server, update)["Role"]["Description"] == "updated"

    get = GetRoleRequest()
    get.set_RoleName("a-role")
    role = classic(live_server, get)["Role"]
    assert (role["Description"], role["IsServiceLinkedRole"]) == ("updated", False)

    page = ListRolesRequest()
    page.set_MaxItems(1)
    first = classic(live_server, page)
    assert [r["RoleName"] for r in first["Roles"]["Role"]] == ["a-role"]
    assert first["IsTruncated"] is True
    page.set_Marker(first["Marker"])
    rest = classic(live_server, page)
    assert [r["RoleName"] for r in rest["Roles"]["Role"]] == ["b-role"]
    assert rest["IsTruncated"] is False
