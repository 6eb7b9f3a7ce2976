"""The audit trail through Alibaba's own SDKs (issue #16): every call, allowed or refused,
becomes an ActionTrail event in the database, with its secrets redacted; a change commits with
its event or not at all; on both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_sts20150401 import models as sts
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from audit_trail import trail_documents, trail_resources, trail_rows
from ramsts.store.repositories.audit_events import AuditEventRepository
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as running:
        yield running


def events(server: RamstsServer, name: str | None = None) -> list[dict[str, Any]]:
    """The trail's documents once every queued event is written (of one action, if named)."""
    assert server.services.audit is not None
    assert server.services.audit.flush()
    documents = trail_documents(server.services.settings.db_url)
    return [d for d in documents if name is None or d["eventName"] == name]


def trail_text(server: RamstsServer) -> str:
    assert server.services.audit is not None
    assert server.services.audit.flush()
    return json.dumps(trail_rows(server.services.settings.db_url), default=str)


def test_a_change_is_an_event_with_its_caller_parameters_resources_and_response(
    server: RamstsServer,
) -> None:
    server.ram_client().create_user(ram.CreateUserRequest(user_name="alice", comments="new"))

    [event] = events(server, "CreateUser")
    assert event["eventSource"] == "ram.aliyuncs.com"
    assert event["serviceName"] == "Ram"
    assert (event["eventType"], event["eventRW"], event["eventVersion"]) == ("ApiCall", "Write", 1)
    assert event["apiVersion"] == "2015-05-01"
    assert event["eventTime"].endswith("Z")
    assert event["sourceIpAddress"] == "127.0.0.1"
    assert event["userAgent"]
    assert event["userIdentity"] == {
        "type": "root-account",
        "principalId": server.account_id,
        "accountId": server.account_id,
        "accessKeyId": server.root.access_key_id,
        "userName": "root",
    }
    assert event["requestParameters"] == {"UserName": "alice", "Comments": "new"}
    assert event["responseElements"]["User"]["UserName"] == "alice"
    assert event["referencedResources"] == {"ACS::RAM::User": ["alice"]}
    assert "errorCode" not in event
    [row] = [
        r for r in trail_rows(server.services.settings.db_url) if r["event_name"] == "CreateUser"
    ]
    assert (row["account_id"], row["request_id"]) == (server.account_id, event["requestId"])
    assert row["event_id"] == event["eventId"]
    assert trail_resources(server.services.settings.db_url) == [
        (event["eventId"], "ACS::RAM::User", "alice")
    ]


def test_reads_are_recorded_with_the_calling_users_name(server: RamstsServer) -> None:
    alice = server.create_user("alice", policies=["AliyunRAMReadOnlyAccess"])
    server.ram_client(alice).list_users(ram.ListUsersRequest())

    [event] = events(server, "ListUsers")
    assert event["eventRW"] == "Read"
    assert event["userIdentity"]["type"] == "ram-user"
    assert event["userIdentity"]["userName"] == "alice"
    [row] = [
        r for r in trail_rows(server.services.settings.db_url) if r["event_name"] == "ListUsers"
    ]
    assert (row["user_name"], row["access_key_id"]) == ("alice", alice.access_key_id)


def test_no_event_holds_a_new_access_key_secret_or_a_password(server: RamstsServer) -> None:
    client = server.ram_client()
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    key = client.create_access_key(ram.CreateAccessKeyRequest(user_name="alice")).body.access_key
    password = "Corr3ct-Horse-Battery"
    client.create_login_profile(ram.CreateLoginProfileRequest(user_name="alice", password=password))

    [created] = events(server, "CreateAccessKey")
    assert created["responseElements"]["AccessKey"]["AccessKeyId"] == key.access_key_id
    assert created["responseElements"]["AccessKey"]["AccessKeySecret"] == "***"
    [profile] = events(server, "CreateLoginProfile")
    assert profile["requestParameters"]["Password"] == "***"
    text = trail_text(server)
    assert key.access_key_secret not in text
    assert password not in text
    assert server.root.access_key_secret not in text


def test_assume_role_is_recorded_without_the_credentials_it_issued(server: RamstsServer) -> None:
    arn = server.create_role(
        "admin", statements=[{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]
    )
    alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    issued = (
        server.sts_client(alice)
        .assume_role(sts.AssumeRoleRequest(role_arn=arn, role_session_name="s1"))
        .body.credentials
    )
    session = AccessKey(issued.access_key_id, issued.access_key_secret, issued.security_token)
    server.sts_client(session).get_caller_identity()

    [assumed] = events(server, "AssumeRole")
    assert assumed["eventSource"] == "sts.aliyuncs.com"
    assert assumed["userIdentity"]["userName"] == "alice"
    assert assumed["responseElements"]["Credentials"]["AccessKeyId"] == issued.access_key_id
    assert assumed["referencedResources"] == {"ACS::RAM::Role": ["admin"]}
    [identity] = events(server, "GetCallerIdentity")
    assert identity["userIdentity"]["type"] == "assumed-role"
    assert identity["userIdentity"]["accessKeyId"] == issued.access_key_id
    assert identity["userIdentity"]["userName"] == "admin:s1"
    assert identity["userIdentity"]["sessionContext"]["attributes"]["creationDate"].endswith("Z")
    text = trail_text(server)
    assert issued.security_token not in text
    assert issued.access_key_secret not in text
    assert alice.access_key_secret not in text


def test_a_refused_call_is_recorded_with_its_error(server: RamstsServer) -> None:
    alice = server.create_user("alice")
    with pytest.raises(ClientException):
        server.ram_client(alice).create_user(ram.CreateUserRequest(user_name="bob"))

    [event] = events(server, "CreateUser")
    assert event["errorCode"] == "NoPermission"
    assert event["errorMessage"]
    assert event["userIdentity"]["userName"] == "alice"
    assert event["responseElements"] is None


def test_a_call_with_a_wrong_signature_is_on_the_keys_accounts_trail(server: RamstsServer) -> None:
    alice = server.create_user("alice")
    forged = AccessKey(alice.access_key_id, "not-the-secret-of-this-key-000")
    with pytest.raises(ClientException):
        server.ram_client(forged).list_users(ram.ListUsersRequest())

    [event] = events(server, "ListUsers")
    assert event["errorCode"] == "SignatureDoesNotMatch"
    assert event["userIdentity"] == {
        "type": "unknown",
        "accountId": server.account_id,
        "accessKeyId": alice.access_key_id,
    }
    assert [r["account_id"] for r in trail_rows(server.services.settings.db_url)] == [
        server.account_id
    ]


def test_a_failed_write_leaves_its_error_and_no_success(server: RamstsServer) -> None:
    client = server.ram_client()
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    with pytest.raises(ClientException):
        client.create_user(ram.CreateUserRequest(user_name="alice"))

    assert [e.get("errorCode") for e in events(server, "CreateUser")] == [
        None,
        "EntityAlreadyExists.User",
    ]


def test_a_change_whose_event_cannot_be_written_does_not_happen(
    server: RamstsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: AuditEventRepository, added: Any) -> None:
        raise RuntimeError("the trail refuses this event")

    monkeypatch.setattr(AuditEventRepository, "add", refuse)
    with pytest.raises(ServerException) as raised:
        server.ram_client().create_user(ram.CreateUserRequest(user_name="alice"))
    assert raised.value.code == "InternalError"
    monkeypatch.undo()

    listed = server.ram_client().list_users(ram.ListUsersRequest()).body.users.user
    assert [user.user_name for user in listed] == []
