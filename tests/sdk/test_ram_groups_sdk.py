"""RAM groups and membership through Alibaba's own SDKs against a live server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.AddUserToGroupRequest import AddUserToGroupRequest
from aliyunsdkram.request.v20150501.CreateGroupRequest import CreateGroupRequest
from aliyunsdkram.request.v20150501.CreateUserRequest import CreateUserRequest
from aliyunsdkram.request.v20150501.ListGroupsForUserRequest import ListGroupsForUserRequest
from aliyunsdkram.request.v20150501.ListGroupsRequest import ListGroupsRequest
from live_server import LiveServer

pytestmark = pytest.mark.sdk


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


def test_tea_client_manages_groups_and_members(live_server: LiveServer) -> None:
    client = tea(live_server)
    for name in ("u1", "u2", "u3"):
        client.create_user(ram.CreateUserRequest(user_name=name))
    group = client.create_group(ram.CreateGroupRequest(group_name="devs", comments="d")).body.group
    assert (group.group_name, group.comments) == ("devs", "d")
    for name in ("u1", "u2", "u3"):
        client.add_user_to_group(ram.AddUserToGroupRequest(group_name="devs", user_name=name))

    first = client.list_users_for_group(
        ram.ListUsersForGroupRequest(group_name="devs", max_items=2)
    ).body
    assert first.is_truncated is True
    rest = client.list_users_for_group(
        ram.ListUsersForGroupRequest(group_name="devs", max_items=2, marker=first.marker)
    ).body
    assert [u.user_name for u in first.users.user + rest.users.user] == ["u1", "u2", "u3"]
    assert all(u.join_date.endswith("Z") for u in rest.users.user)

    groups = client.list_groups_for_user(ram.ListGroupsForUserRequest(user_name="u1")).body
    assert [g.group_name for g in groups.groups.group] == ["devs"]

    updated = client.update_group(
        ram.UpdateGroupRequest(group_name="devs", new_group_name="builders")
    ).body.group
    assert updated.group_name == "builders"
    assert client.get_group(ram.GetGroupRequest(group_name="builders")).body.group.comments == "d"


def test_a_group_with_members_cannot_be_deleted(live_server: LiveServer) -> None:
    client = tea(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    client.create_group(ram.CreateGroupRequest(group_name="devs"))
    client.add_user_to_group(ram.AddUserToGroupRequest(group_name="devs", user_name="alice"))
    with pytest.raises(ClientException) as excinfo:
        client.add_user_to_group(ram.AddUserToGroupRequest(group_name="devs", user_name="alice"))
    assert excinfo.value.code == "EntityAlreadyExists.User.Group"
    with pytest.raises(ClientException) as excinfo:
        client.delete_group(ram.DeleteGroupRequest(group_name="devs"))
    assert excinfo.value.code == "DeleteConflict.Group.User"
    assert excinfo.value.status_code == 409

    client.remove_user_from_group(
        ram.RemoveUserFromGroupRequest(group_name="devs", user_name="alice")
    )
    client.delete_group(ram.DeleteGroupRequest(group_name="devs"))
    assert client.list_groups(ram.ListGroupsRequest()).body.groups.group == []


def test_classic_sdk_manages_groups(live_server: LiveServer) -> None:
    create_user = CreateUserRequest()
    create_user.set_UserName("alice")
    classic(live_server, create_user)
    create_group = CreateGroupRequest()
    create_group.set_GroupName("devs")
    assert classic(live_server, create_group)["Group"]["GroupName"] == "devs"
    add = AddUserToGroupRequest()
    add.set_GroupName("devs")
    add.set_UserName("alice")
    classic(live_server, add)

    listed = classic(live_server, ListGroupsRequest())
    assert [g["GroupName"] for g in listed["Groups"]["Group"]] == ["devs"]
    assert listed["IsTruncated"] is False
    for_user = ListGroupsForUserRequest()
    for_user.set_UserName("alice")
    [membership] = classic(live_server, for_user)["Groups"]["Group"]
    assert set(membership) == {"GroupId", "GroupName", "Comments", "JoinDate"}
