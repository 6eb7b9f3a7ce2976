"""An audit event as the trail's writer stores it — its facts, the document's members after
``userIdentity`` — is read back as the ActionTrail document the docs describe, key for key and
in order; nothing secret is in its stored row; an event stored whole (as migration 0008 stored
every event) reads as it was written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from audit_trail import trail_rows
from ramsts.audit.events import Call, EventSource, Outcome, build_event
from ramsts.caller import Caller
from ramsts.store import AuditEvent, Store
from trail_events import trail_event

AT = datetime(2026, 12, 4, 2, 30, 15, 123456, tzinfo=UTC)
ACCOUNT = "1234567890123456"
STS = EventSource("sts.aliyuncs.com", "Sts")
ROLE_ARN = f"acs:ram::{ACCOUNT}:role/deployer"
ISSUED = int(datetime(2026, 12, 4, 2, 0, tzinfo=UTC).timestamp())

SECRET = "s3cr3t-value-never-stored"
TOKEN = "CAIS-a-security-token-never-stored"


def assume_role_call(caller: Caller | None, *, access_key_id: str = "LTAI5tAliceKey") -> Call:
    return Call(
        source=STS,
        event_name="AssumeRole",
        event_type="ApiCall",
        request_id="5E3B0C2D-0000-4000-8000-000000000001",
        source_ip="192.0.2.10",
        user_agent="aliyun-sdk-python/3.0",
        parameters={
            "AccessKeyId": access_key_id,
            "Action": "AssumeRole",
            "Signature": "c2lnbmF0dXJl",
            "SignatureNonce": "a-nonce",
            "Timestamp": "2026-12-04T02:30:15Z",
            "Version": "2015-04-01",
            "RoleArn": ROLE_ARN,
            "RoleSessionName": "ci",
        },
        api_version="2015-04-01",
        access_key_id=access_key_id,
        caller=caller,
        event_time=AT,
        event_id="9F1C2B3A-0000-4000-8000-00000000000A",
    )


CREDENTIALS = {
    "Credentials": {
        "AccessKeyId": "STS.NTissued",
        "AccessKeySecret": SECRET,
        "SecurityToken": TOKEN,
        "Expiration": "2026-12-04T03:30:15Z",
    },
    "AssumedRoleUser": {"Arn": f"{ROLE_ARN}/ci", "AssumedRoleId": "300000000000000001:ci"},
}


def alice() -> Caller:
    return Caller(
        account_id=ACCOUNT,
        identity_type="RAMUser",
        arn=f"acs:ram::{ACCOUNT}:user/alice",
        principal_id="200000000000000001",
        access_key_id="LTAI5tAliceKey",
        display_name="alice",
        user_id="200000000000000001",
        user_name="alice",
    )


def role_session() -> Caller:
    return Caller(
        account_id=ACCOUNT,
        identity_type="AssumedRoleUser",
        arn=f"acs:ram::{ACCOUNT}:assumed-role/deployer/ci",
        principal_id="300000000000000001:ci",
        access_key_id="STS.NTsession",
        display_name="deployer/ci",
        role_id="300000000000000001",
        role_name="deployer",
        session_name="ci",
        issued_at_epoch=ISSUED,
    )


def stored_and_read(store: Store, call: Call, outcome: Outcome) -> AuditEvent:
    with store.transaction() as tx:
        tx.audit_events.add([build_event(call, outcome, ACCOUNT)])
    with store.read() as tx:
        [event] = tx.audit_events.after(0, limit=10)
    return event


def test_a_users_assume_role_reads_back_as_the_documented_event(store: Store) -> None:
    event = stored_and_read(store, assume_role_call(alice()), Outcome(response=CREDENTIALS))

    assert list(event.document.items()) == [
        ("eventId", "9F1C2B3A-0000-4000-8000-00000000000A"),
        ("eventVersion", 1),
        ("eventTime", "2026-12-04T02:30:15Z"),
        ("eventName", "AssumeRole"),
        ("eventSource", "sts.aliyuncs.com"),
        ("serviceName", "Sts"),
        ("eventType", "ApiCall"),
        ("eventRW", "Write"),
        ("apiVersion", "2015-04-01"),
        ("acsRegion", "cn-hangzhou"),
        ("requestId", "5E3B0C2D-0000-4000-8000-000000000001"),
        ("sourceIpAddress", "192.0.2.10"),
        ("userAgent", "aliyun-sdk-python/3.0"),
        (
            "userIdentity",
            {
                "type": "ram-user",
                "principalId": "200000000000000001",
                "accountId": ACCOUNT,
                "accessKeyId": "LTAI5tAliceKey",
                "userName": "alice",
            },
        ),
        ("requestParameters", {"RoleArn": ROLE_ARN, "RoleSessionName": "ci"}),
        (
            "responseElements",
            {
                "Credentials": {
                    "AccessKeyId": "STS.NTissued",
                    "AccessKeySecret": "***",
                    "SecurityToken": "***",
                    "Expiration": "2026-12-04T03:30:15Z",
                },
                "AssumedRoleUser": {
                    "Arn": f"{ROLE_ARN}/ci",
                    "AssumedRoleId": "300000000000000001:ci",
                },
            },
        ),
        ("referencedResources", {"ACS::RAM::Role": ["deployer"]}),
    ]
    assert list(event.document["userIdentity"]) == [
        "type",
        "principalId",
        "accountId",
        "accessKeyId",
        "userName",
    ]


def test_what_is_read_is_what_the_event_said_before_it_was_stored(store: Store) -> None:
    for caller in (alice(), role_session(), None):
        call = assume_role_call(caller)
        call.event_id = ""  # a fresh one each time
        outcome = Outcome(error_code="NoPermission", error_message="You are not authorized.")
        built = build_event(call, outcome, ACCOUNT)
        with store.transaction() as tx:
            tx.audit_events.add([built])
        with store.read() as tx:
            [found] = [e for e in tx.audit_events.after(0, limit=10) if e.event_id == call.event_id]
        assert found.document == built.document
        assert list(found.document) == list(built.document)


def test_a_role_session_reads_back_with_its_session_context(store: Store) -> None:
    event = stored_and_read(store, assume_role_call(role_session()), Outcome(response={}))

    assert event.document["userIdentity"] == {
        "type": "assumed-role",
        "principalId": "300000000000000001:ci",
        "accountId": ACCOUNT,
        "accessKeyId": "STS.NTsession",
        "userName": "deployer:ci",
        "sessionContext": {
            "attributes": {"creationDate": "2026-12-04T02:00:00Z", "mfaAuthenticated": "false"},
            "sessionIssuer": {
                "type": "role",
                "principalId": "300000000000000001",
                "accountId": ACCOUNT,
                "userName": "deployer",
            },
        },
    }


def test_a_refused_unauthenticated_call_reads_back_with_its_error(store: Store) -> None:
    outcome = Outcome(error_code="InvalidAccessKeyId.NotFound", error_message="Specified key.")
    event = stored_and_read(store, assume_role_call(None), outcome)

    assert event.document["userIdentity"] == {
        "type": "unknown",
        "accountId": ACCOUNT,
        "accessKeyId": "LTAI5tAliceKey",
    }
    assert event.document["responseElements"] is None
    assert list(event.document)[-2:] == ["errorCode", "errorMessage"]
    assert event.document["errorCode"] == "InvalidAccessKeyId.NotFound"
    assert event.document["errorMessage"] == "Specified key."


def test_values_longer_than_their_columns_read_back_whole(store: Store) -> None:
    long_key = "LTAI" + "k" * 300
    call = assume_role_call(None, access_key_id=long_key)
    call.event_name = "Assume" + "Role" * 100
    call.api_version = "2015-04-01" * 10

    event = stored_and_read(store, call, Outcome(error_code="InvalidAction.NotFound"))

    assert event.access_key_id == long_key[:64]  # the indexed column
    assert event.document["userIdentity"]["accessKeyId"] == long_key
    assert event.document["eventName"] == call.event_name
    assert event.document["apiVersion"] == call.api_version


def test_no_secret_is_in_the_stored_row(store: Store, db_url: str) -> None:
    call = assume_role_call(alice())
    call.parameters = {**call.parameters, "Password": SECRET, "SecurityToken": TOKEN}
    stored_and_read(store, call, Outcome(response=CREDENTIALS))

    [row] = trail_rows(db_url)
    stored = json.dumps(row, default=str)
    assert SECRET not in stored
    assert TOKEN not in stored
    assert "c2lnbmF0dXJl" not in stored  # the request's signature


def test_an_event_stored_whole_reads_as_it_was_written(store: Store) -> None:
    # How migration 0008 stored every event: its whole document, no identity_type.
    whole = trail_event(at=AT, document={"acsRegion": "cn-shanghai", "x": [1]})
    with store.transaction() as tx:
        tx.audit_events.add([whole])
    with store.read() as tx:
        [found] = tx.audit_events.after(0, limit=10)

    assert found.document == whole.document
    assert list(found.document) == list(whole.document)
