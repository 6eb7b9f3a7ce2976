"""RAM access keys through Alibaba's own SDKs: the secret is shown once, never listed, and the
new key signs requests of its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.CreateAccessKeyRequest import CreateAccessKeyRequest
from aliyunsdkram.request.v20150501.ListAccessKeysRequest import ListAccessKeysRequest
from live_server import LiveServer

from audit_trail import trail_documents
from trail_calls import trail_written

pytestmark = pytest.mark.sdk


def config(server: LiveServer, access_key_id: str, secret: str) -> Config:
    return Config(
        access_key_id=access_key_id,
        access_key_secret=secret,
        endpoint=server.endpoint,
        protocol="http",
    )


def root_client(server: LiveServer) -> RamClient:
    return RamClient(config(server, server.access_key_id, server.access_key_secret))


def test_a_new_key_is_shown_once_and_signs_for_its_user(live_server: LiveServer) -> None:
    client = root_client(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    key = client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body.access_key
    assert key.access_key_id.startswith("LTAI")
    assert key.status == "Active"
    assert len(key.access_key_secret) == 30

    listed = client.list_access_keys(ram.ListAccessKeysRequest(user_name="alice")).body
    assert [k.access_key_id for k in listed.access_keys.access_key] == [key.access_key_id]
    assert key.access_key_secret not in json.dumps(listed.to_map())

    sts = StsClient(config(live_server, key.access_key_id, key.access_key_secret))
    identity = sts.get_caller_identity().body
    assert identity.identity_type == "RAMUser"
    assert identity.arn == f"acs:ram::{live_server.account_id}:user/alice"


def test_update_access_key_deactivates_a_key_and_an_unused_key_has_no_last_use(
    live_server: LiveServer,
) -> None:
    client = root_client(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    key = client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body.access_key
    client.update_access_key(
        ram.UpdateAccessKeyRequest(
            user_name="alice", user_access_key_id=key.access_key_id, status="Inactive"
        )
    )
    [listed] = client.list_access_keys(
        ram.ListAccessKeysRequest(user_name="alice")
    ).body.access_keys.access_key
    assert listed.status == "Inactive"
    last_used = client.get_access_key_last_used(
        ram.GetAccessKeyLastUsedRequest(user_name="alice", user_access_key_id=key.access_key_id)
    ).body.access_key_last_used
    assert last_used.last_used_date == ""


def test_a_key_that_signed_a_call_was_last_used_when_the_trail_says(
    live_server: LiveServer,
) -> None:
    client = root_client(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    key = client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body.access_key
    sts = StsClient(config(live_server, key.access_key_id, key.access_key_secret))
    sts.get_caller_identity()
    with pytest.raises(ClientException):  # a wrong secret: no use of the key
        StsClient(config(live_server, key.access_key_id, "x" * 30)).get_caller_identity()
    trail_written(live_server.services)

    last_used = client.get_access_key_last_used(
        ram.GetAccessKeyLastUsedRequest(user_name="alice", user_access_key_id=key.access_key_id)
    ).body.access_key_last_used

    [signed] = [
        event
        for event in trail_documents(live_server.services.settings.db_url)
        if event["eventName"] == "GetCallerIdentity" and "errorCode" not in event
    ]
    assert signed["userIdentity"]["accessKeyId"] == key.access_key_id
    assert last_used.last_used_date == signed["eventTime"]


def test_a_third_key_exceeds_the_limit_and_a_deleted_key_is_gone(live_server: LiveServer) -> None:
    client = root_client(live_server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    first = client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body
    client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice"))
    with pytest.raises(ClientException) as excinfo:
        client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice"))
    assert excinfo.value.code == "LimitExceeded.User.AccessKey"
    assert excinfo.value.status_code == 409

    key_id = first.access_key.access_key_id
    client.delete_access_key(
        ram.DeleteAccessKeyRequest(user_name="alice", user_access_key_id=key_id)
    )
    with pytest.raises(ClientException) as excinfo:
        client.delete_access_key(
            ram.DeleteAccessKeyRequest(user_name="alice", user_access_key_id=key_id)
        )
    assert excinfo.value.code == "EntityNotExist.User.AccessKey"
    assert excinfo.value.status_code == 404


def classic(server: LiveServer, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(server.access_key_id, server.access_key_secret, "cn-hangzhou")
    return dict(json.loads(client.do_action_with_exception(request)))


def test_classic_sdk_creates_a_root_key_and_lists_without_secrets(live_server: LiveServer) -> None:
    created = classic(live_server, CreateAccessKeyRequest())["AccessKey"]
    assert set(created) == {"AccessKeyId", "AccessKeySecret", "Status", "CreateDate"}
    listed = classic(live_server, ListAccessKeysRequest())["AccessKeys"]["AccessKey"]
    assert {k["AccessKeyId"] for k in listed} == {live_server.access_key_id, created["AccessKeyId"]}
    assert all(set(k) == {"AccessKeyId", "Status", "CreateDate"} for k in listed)
