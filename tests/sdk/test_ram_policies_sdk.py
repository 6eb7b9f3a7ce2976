"""RAM policies through Alibaba's own SDKs against a live server: the two IoT policies of the
user's STS guide (read-only and read-write), attached to its role, their versions, the conflicts
when deleting what is still attached, and a RAM user limited to AliyunRAMReadOnlyAccess."""

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
from aliyunsdkram.request.v20150501.CreatePolicyRequest import CreatePolicyRequest
from aliyunsdkram.request.v20150501.CreatePolicyVersionRequest import CreatePolicyVersionRequest
from aliyunsdkram.request.v20150501.CreateRoleRequest import CreateRoleRequest
from aliyunsdkram.request.v20150501.DeletePolicyRequest import DeletePolicyRequest
from aliyunsdkram.request.v20150501.DeletePolicyVersionRequest import DeletePolicyVersionRequest
from aliyunsdkram.request.v20150501.DetachPolicyFromRoleRequest import (
    DetachPolicyFromRoleRequest,
)
from aliyunsdkram.request.v20150501.GetPolicyRequest import GetPolicyRequest
from aliyunsdkram.request.v20150501.ListPoliciesForRoleRequest import ListPoliciesForRoleRequest
from aliyunsdkram.request.v20150501.ListPoliciesRequest import ListPoliciesRequest
from aliyunsdkram.request.v20150501.ListPolicyVersionsRequest import ListPolicyVersionsRequest
from aliyunsdkram.request.v20150501.SetDefaultPolicyVersionRequest import (
    SetDefaultPolicyVersionRequest,
)
from live_server import LiveServer

from ramsts.iot.walkthrough import READ_ONLY_POLICY, READ_WRITE_POLICY

pytestmark = pytest.mark.sdk

# The user guide's two IoT policies, as `ramsts demo` creates them.
IOT_READ_ONLY = json.dumps(READ_ONLY_POLICY, indent=2)
IOT_READ_WRITE = json.dumps(READ_WRITE_POLICY, indent=2)


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


def tea(server: LiveServer, key_id: str | None = None, secret: str | None = None) -> RamClient:
    return RamClient(
        Config(
            access_key_id=key_id or server.access_key_id,
            access_key_secret=secret or server.access_key_secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )


def classic(server: LiveServer, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(server.access_key_id, server.access_key_secret, "cn-hangzhou")
    return dict(json.loads(client.do_action_with_exception(request)))


def test_tea_client_attaches_the_guides_iot_policies_to_its_role(live_server: LiveServer) -> None:
    client = tea(live_server)
    client.create_role(
        ram.CreateRoleRequest(
            role_name="iotstsrole",
            assume_role_policy_document=trust_policy(live_server.account_id),
        )
    )
    for name, document in (("IoTReadOnly", IOT_READ_ONLY), ("IoTReadWrite", IOT_READ_WRITE)):
        policy = client.create_policy(
            ram.CreatePolicyRequest(policy_name=name, policy_document=document)
        ).body.policy
        assert (policy.policy_type, policy.default_version) == ("Custom", "v1")
        client.attach_policy_to_role(
            ram.AttachPolicyToRoleRequest(
                policy_type="Custom", policy_name=name, role_name="iotstsrole"
            )
        )
    attached = client.list_policies_for_role(
        ram.ListPoliciesForRoleRequest(role_name="iotstsrole")
    ).body.policies.policy
    assert [p.policy_name for p in attached] == ["IoTReadOnly", "IoTReadWrite"]
    entities = client.list_entities_for_policy(
        ram.ListEntitiesForPolicyRequest(policy_type="Custom", policy_name="IoTReadWrite")
    ).body
    assert [r.role_name for r in entities.roles.role] == ["iotstsrole"]
    assert entities.users.user == []

    got = client.get_policy(
        ram.GetPolicyRequest(policy_type="Custom", policy_name="IoTReadOnly")
    ).body
    assert got.policy.attachment_count == 1
    assert got.default_policy_version.policy_document == IOT_READ_ONLY

    with pytest.raises(ClientException) as excinfo:
        client.delete_policy(ram.DeletePolicyRequest(policy_name="IoTReadOnly"))
    assert (excinfo.value.code, excinfo.value.status_code) == ("DeleteConflict.Policy.Role", 409)
    with pytest.raises(ClientException) as excinfo:
        client.attach_policy_to_role(
            ram.AttachPolicyToRoleRequest(
                policy_type="Custom", policy_name="IoTReadOnly", role_name="iotstsrole"
            )
        )
    assert excinfo.value.code == "EntityAlreadyExists.Role.Policy"

    client.detach_policy_from_role(
        ram.DetachPolicyFromRoleRequest(
            policy_type="Custom", policy_name="IoTReadOnly", role_name="iotstsrole"
        )
    )
    client.delete_policy(ram.DeletePolicyRequest(policy_name="IoTReadOnly"))
    listed = client.list_policies(ram.ListPoliciesRequest(policy_type="Custom")).body
    assert [p.policy_name for p in listed.policies.policy] == ["IoTReadWrite"]


def test_tea_client_manages_versions_up_to_the_limit(live_server: LiveServer) -> None:
    client = tea(live_server)
    client.create_policy(ram.CreatePolicyRequest(policy_name="IoT", policy_document=IOT_READ_ONLY))
    v2 = client.create_policy_version(
        ram.CreatePolicyVersionRequest(
            policy_name="IoT", policy_document=IOT_READ_WRITE, set_as_default=True
        )
    ).body.policy_version
    assert (v2.version_id, v2.is_default_version) == ("v2", True)
    for _ in range(3):
        client.create_policy_version(
            ram.CreatePolicyVersionRequest(policy_name="IoT", policy_document=IOT_READ_ONLY)
        )
    with pytest.raises(ClientException) as excinfo:
        client.create_policy_version(
            ram.CreatePolicyVersionRequest(policy_name="IoT", policy_document=IOT_READ_ONLY)
        )
    assert (excinfo.value.code, excinfo.value.status_code) == ("LimitExceeded.Policy.Version", 409)
    rotated = client.create_policy_version(
        ram.CreatePolicyVersionRequest(
            policy_name="IoT",
            policy_document=IOT_READ_ONLY,
            rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
        )
    ).body.policy_version
    assert rotated.version_id == "v6"
    client.set_default_policy_version(
        ram.SetDefaultPolicyVersionRequest(policy_name="IoT", version_id="v6")
    )
    with pytest.raises(ClientException) as excinfo:
        client.delete_policy_version(
            ram.DeletePolicyVersionRequest(policy_name="IoT", version_id="v6")
        )
    assert excinfo.value.code == "DeleteConflict.Policy.Version.Default"
    client.delete_policy_version(ram.DeletePolicyVersionRequest(policy_name="IoT", version_id="v2"))
    versions = client.list_policy_versions(
        ram.ListPolicyVersionsRequest(policy_name="IoT", policy_type="Custom")
    ).body.policy_versions.policy_version
    assert [(v.version_id, v.is_default_version) for v in versions] == [
        ("v3", False),
        ("v4", False),
        ("v5", False),
        ("v6", True),
    ]
    got = client.get_policy_version(
        ram.GetPolicyVersionRequest(policy_name="IoT", policy_type="Custom", version_id="v6")
    ).body.policy_version
    assert got.policy_document == IOT_READ_ONLY
    with pytest.raises(ClientException) as excinfo:
        client.delete_policy(ram.DeletePolicyRequest(policy_name="IoT"))
    assert excinfo.value.code == "DeleteConflict.Policy.Version"
    client.delete_policy(ram.DeletePolicyRequest(policy_name="IoT", cascading_delete=True))


def test_tea_client_pages_through_policies(live_server: LiveServer) -> None:
    client = tea(live_server)
    for name in ("c-policy", "a-policy", "b-policy"):
        client.create_policy(
            ram.CreatePolicyRequest(policy_name=name, policy_document=IOT_READ_ONLY)
        )
    first = client.list_policies(ram.ListPoliciesRequest(policy_type="Custom", max_items=2)).body
    assert [p.policy_name for p in first.policies.policy] == ["a-policy", "b-policy"]
    assert first.is_truncated is True
    rest = client.list_policies(
        ram.ListPoliciesRequest(policy_type="Custom", max_items=2, marker=first.marker)
    ).body
    assert [p.policy_name for p in rest.policies.policy] == ["c-policy"]
    assert rest.is_truncated is False


def test_a_user_with_ram_read_only_access_can_list_but_not_create(
    live_server: LiveServer,
) -> None:
    client = tea(live_server)
    client.create_user(ram.CreateUserRequest(user_name="auditor"))
    key = client.create_access_key(ram.CreateAccessKeyRequest(user_name="auditor")).body.access_key
    client.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            policy_type="System", policy_name="AliyunRAMReadOnlyAccess", user_name="auditor"
        )
    )
    auditor = tea(live_server, key.access_key_id, key.access_key_secret)
    users = auditor.list_users(ram.ListUsersRequest()).body.users.user
    assert [u.user_name for u in users] == ["auditor"]
    policies = auditor.list_policies(ram.ListPoliciesRequest(policy_type="System")).body
    assert "AliyunRAMReadOnlyAccess" in [p.policy_name for p in policies.policies.policy]
    with pytest.raises(ClientException) as excinfo:
        auditor.create_user(ram.CreateUserRequest(user_name="intruder"))
    assert (excinfo.value.code, excinfo.value.status_code) == ("NoPermission", 403)
    assert [u.user_name for u in client.list_users(ram.ListUsersRequest()).body.users.user] == [
        "auditor"
    ]


def test_classic_sdk_creates_attaches_versions_and_meets_delete_conflict(
    live_server: LiveServer,
) -> None:
    role = CreateRoleRequest()
    role.set_RoleName("iotstsrole")
    role.set_AssumeRolePolicyDocument(trust_policy(live_server.account_id))
    classic(live_server, role)
    for name, document in (("IoTReadOnly", IOT_READ_ONLY), ("IoTReadWrite", IOT_READ_WRITE)):
        create = CreatePolicyRequest()
        create.set_PolicyName(name)
        create.set_PolicyDocument(document)
        create.set_Description(f"{name} of the STS guide")
        assert classic(live_server, create)["Policy"]["DefaultVersion"] == "v1"
        attach = AttachPolicyToRoleRequest()
        attach.set_PolicyType("Custom")
        attach.set_PolicyName(name)
        attach.set_RoleName("iotstsrole")
        classic(live_server, attach)
    listed = ListPoliciesForRoleRequest()
    listed.set_RoleName("iotstsrole")
    names = [p["PolicyName"] for p in classic(live_server, listed)["Policies"]["Policy"]]
    assert names == ["IoTReadOnly", "IoTReadWrite"]

    delete = DeletePolicyRequest()
    delete.set_PolicyName("IoTReadWrite")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, delete)
    assert (excinfo.value.get_error_code(), excinfo.value.get_http_status()) == (
        "DeleteConflict.Policy.Role",
        409,
    )

    version = CreatePolicyVersionRequest()
    version.set_PolicyName("IoTReadOnly")
    version.set_PolicyDocument(IOT_READ_WRITE)
    version.set_SetAsDefault(True)
    assert classic(live_server, version)["PolicyVersion"]["VersionId"] == "v2"
    set_default = SetDefaultPolicyVersionRequest()
    set_default.set_PolicyName("IoTReadOnly")
    set_default.set_VersionId("v1")
    classic(live_server, set_default)
    drop = DeletePolicyVersionRequest()
    drop.set_PolicyName("IoTReadOnly")
    drop.set_VersionId("v2")
    classic(live_server, drop)
    versions = ListPolicyVersionsRequest()
    versions.set_PolicyName("IoTReadOnly")
    versions.set_PolicyType("Custom")
    assert [
        v["VersionId"] for v in classic(live_server, versions)["PolicyVersions"]["PolicyVersion"]
    ] == ["v1"]

    detach = DetachPolicyFromRoleRequest()
    detach.set_PolicyType("Custom")
    detach.set_PolicyName("IoTReadWrite")
    detach.set_RoleName("iotstsrole")
    classic(live_server, detach)
    classic(live_server, delete)
    get = GetPolicyRequest()
    get.set_PolicyName("IoTReadWrite")
    get.set_PolicyType("Custom")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, get)
    assert excinfo.value.get_error_code() == "EntityNotExist.Policy"

    page = ListPoliciesRequest()
    page.set_PolicyType("System")
    page.set_MaxItems(2)
    first = classic(live_server, page)
    assert first["IsTruncated"] is True
    assert len(first["Policies"]["Policy"]) == 2
