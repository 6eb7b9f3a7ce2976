"""RAM users through Alibaba's own SDKs against a live server: the Tea client (V3 signatures) and
the classic aliyun-python-sdk-ram requests (RPC v1)."""

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
from aliyunsdkram.request.v20150501.CreateUserRequest import CreateUserRequest as V1CreateUser
from aliyunsdkram.request.v20150501.DeleteUserRequest import DeleteUserRequest as V1DeleteUser
from aliyunsdkram.request.v20150501.GetUserRequest import GetUserRequest as V1GetUser
from aliyunsdkram.request.v20150501.ListUsersRequest import ListUsersRequest as V1ListUsers
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


def test_tea_client_creates_gets_updates_and_deletes_a_user(live_server: LiveServer) -> None:
    client = tea(live_server)
    created = client.create_user(
        ram.CreateUserRequest(
            user_name="alice", display_name="Alice", email="alice@example.com", comments="c"
        )
    ).body.user
    assert created.user_name == "alice"
    assert created.user_id.isdigit()
    assert created.create_date.endswith("Z")

    got = client.get_user(ram.GetUserRequest(user_name="alice")).body.user
    assert (got.user_id, got.display_name, got.email) == (
        created.user_id,
        "Alice",
        "alice@example.com",
    )

    updated = client.update_user(
        ram.UpdateUserRequest(user_name="alice", new_user_name="alicia", new_comments="renamed")
    ).body.user
    assert (updated.user_name, updated.comments) == ("alicia", "renamed")

    client.delete_user(ram.DeleteUserRequest(user_name="alicia"))
    with pytest.raises(ClientException) as excinfo:
        client.get_user(ram.GetUserRequest(user_name="alicia"))
    assert excinfo.value.code == "EntityNotExist.User"
    assert excinfo.value.status_code == 404


def test_tea_client_pages_through_users(live_server: LiveServer) -> None:
    client = tea(live_server)
    for name in ("carol", "alice", "bob"):
        client.create_user(ram.CreateUserRequest(user_name=name))
    first = client.list_users(ram.ListUsersRequest(max_items=2)).body
    assert [u.user_name for u in first.users.user] == ["alice", "bob"]
    assert first.is_truncated is True
    rest = client.list_users(ram.ListUsersRequest(max_items=2, marker=first.marker)).body
    assert [u.user_name for u in rest.users.user] == ["carol"]
    assert rest.is_truncated is False
    assert rest.marker is None


def test_a_user_with_an_access_key_cannot_be_deleted(live_server: LiveServer) -> None:
    client = tea(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice"))
    with pytest.raises(ClientException) as excinfo:
        client.delete_user(ram.DeleteUserRequest(user_name="alice"))
    assert excinfo.value.code == "DeleteConflict.User.AccessKey"
    assert excinfo.value.status_code == 409


def test_a_taken_name_is_entity_already_exists(live_server: LiveServer) -> None:
    client = tea(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    with pytest.raises(ClientException) as excinfo:
        client.create_user(ram.CreateUserRequest(user_name="Alice"))
    assert excinfo.value.code == "EntityAlreadyExists.User"
    assert excinfo.value.status_code == 409


def test_classic_sdk_creates_lists_and_deletes_users(live_server: LiveServer) -> None:
    create = V1CreateUser()
    create.set_UserName("bob")
    create.set_MobilePhone("86-18600008888")
    user = classic(live_server, create)["User"]
    assert (user["UserName"], user["MobilePhone"]) == ("bob", "86-18600008888")

    listed = classic(live_server, V1ListUsers())
    assert [u["UserName"] for u in listed["Users"]["User"]] == ["bob"]
    assert listed["IsTruncated"] is False

    delete = V1DeleteUser()
    delete.set_UserName("bob")
    assert set(classic(live_server, delete)) == {"RequestId"}

    get = V1GetUser()
    get.set_UserName("bob")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, get)
    assert excinfo.value.get_error_code() == "EntityNotExist.User"
    assert excinfo.value.get_http_status() == 404


def test_classic_sdk_gets_the_parameter_error_codes(live_server: LiveServer) -> None:
    create = V1CreateUser()
    create.set_UserName("not valid!")
    with pytest.raises(ServerException) as excinfo:
        classic(live_server, create)
    assert excinfo.value.get_error_code() == "InvalidParameter.UserName.InvalidChars"
    assert excinfo.value.get_http_status() == 400
