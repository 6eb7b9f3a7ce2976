"""ActionTrail (2020-07-06) LookupEvents through alibabacloud-actiontrail20200706 against a live
server, on SQLite and PostgreSQL: each filter, the time range, paging with NextToken until it is
exhausted, Direction, the real refusals; only callers allowed ``actiontrail:LookupEvents`` see
events, and only their own account's.

Events are put on the trail through the repository, each test's in an hour of its own a month
ago (inside the retention the server purges by, outside the range of the events the server
records of the tests' own calls); the last test looks up a call the server recorded itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from alibabacloud_actiontrail20200706 import models as trail
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_tea_openapi.exceptions import ClientException
from live_server import LiveServer

from ramsts.testing import AccessKey, RamstsServer
from trail_events import trail_event

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("actiontrail-lookup")]

HOUR = timedelta(hours=1)
_hours = count(1)
MONTH_AGO = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def server(module_live_server: LiveServer) -> RamstsServer:
    live = module_live_server
    return RamstsServer(
        live.services,
        live.port,
        live.account_id,
        AccessKey(live.access_key_id, live.access_key_secret),
    )


def client(server: RamstsServer, key: AccessKey | None = None) -> TrailClient:
    return TrailClient(server.tea_config(key))


class Hour:
    """An hour of the past of its own for one test: events put on its trail, looked up in it."""

    def __init__(self, server: RamstsServer) -> None:
        self.server = server
        self.start = MONTH_AGO + next(_hours) * HOUR
        self.end = self.start + HOUR

    def add(
        self,
        name: str = "CreateUser",
        *,
        minute: int = 0,
        account_id: str | None = None,
        user: str | None = "alice",
        key: str | None = "LTAI5tAliceKey",
        rw: str = "Write",
        resources: tuple[tuple[str, str], ...] = (),
    ) -> str:
        at = self.start + timedelta(minutes=minute)
        event = trail_event(
            name,
            at=at,
            account_id=account_id or self.server.account_id,
            user=user,
            key=key,
            rw=rw,
            resources=resources,
        )
        with self.server.services.store.transaction() as tx:
            tx.audit_events.add([event])
        return event.event_id

    def request(self, **given: Any) -> trail.LookupEventsRequest:
        attributes = [
            trail.LookupEventsRequestLookupAttribute(key=k, value=v)
            for k, v in given.pop("attributes", {}).items()
        ]
        return trail.LookupEventsRequest(
            start_time=iso(self.start),
            end_time=iso(self.end),
            lookup_attribute=attributes or None,
            **given,
        )

    def ids(self, key: AccessKey | None = None, **given: Any) -> list[str]:
        body = client(self.server, key).lookup_events(self.request(**given)).body
        return [event["eventId"] for event in body.events]


@pytest.fixture
def hour(server: RamstsServer) -> Hour:
    return Hour(server)


def refusal(server: RamstsServer, request: trail.LookupEventsRequest) -> ClientException:
    with pytest.raises(ClientException) as raised:
        client(server).lookup_events(request)
    return raised.value


def test_events_come_newest_first_with_the_range_looked_up(hour: Hour) -> None:
    first, second = hour.add(minute=1), hour.add(minute=2)
    body = client(hour.server).lookup_events(hour.request()).body
    assert [e["eventId"] for e in body.events] == [second, first]
    assert body.events[0]["eventName"] == "CreateUser"
    assert (body.start_time, body.end_time) == (iso(hour.start), iso(hour.end))
    assert body.request_id
    assert body.next_token is None


def test_forward_gives_them_oldest_first(hour: Hour) -> None:
    first, second = hour.add(minute=1), hour.add(minute=2)
    assert hour.ids(direction="FORWARD") == [first, second]
    assert hour.ids(direction="BACKWARD") == [second, first]


def test_events_outside_the_range_are_not_returned(hour: Hour) -> None:
    inside = hour.add(minute=1)
    hour.add(minute=61)
    assert hour.ids() == [inside]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("EventName", "DeleteUser"),
        ("User", "bob"),
        ("EventAccessKeyId", "LTAI5tBobKey"),
        ("EventRW", "Read"),
        ("ResourceName", "carol"),
        ("ResourceType", "ACS::RAM::Role"),
    ],
)
def test_each_lookup_attribute_finds_its_events(hour: Hour, key: str, value: str) -> None:
    hour.add("CreateUser", resources=(("ACS::RAM::User", "dave"),))
    wanted = hour.add(
        "DeleteUser",
        user="bob",
        key="LTAI5tBobKey",
        rw="Read",
        resources=(("ACS::RAM::Role", "carol"),),
    )
    assert hour.ids(attributes={key: value}) == [wanted]


def test_an_event_id_finds_its_event_and_two_attributes_must_both_match(hour: Hour) -> None:
    one = hour.add("CreateUser", user="bob")
    both = hour.add("DeleteUser", user="bob")
    hour.add("DeleteUser")
    assert hour.ids(attributes={"EventId": one}) == [one]
    assert hour.ids(attributes={"EventName": "DeleteUser", "User": "bob"}) == [both]


def test_next_token_pages_until_exhausted_without_loss_or_repeat(hour: Hour) -> None:
    added = [hour.add(minute=m) for m in range(7)]
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        body = (
            client(hour.server).lookup_events(hour.request(max_results="3", next_token=token)).body
        )
        seen += [e["eventId"] for e in body.events]
        pages += 1
        token = body.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == added[::-1]


def test_a_next_token_opens_only_for_its_own_query(hour: Hour) -> None:
    for m in range(3):
        hour.add(minute=m)
    token = client(hour.server).lookup_events(hour.request(max_results="1")).body.next_token
    assert token
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for request in (
        hour.request(max_results="1", next_token=changed),
        hour.request(max_results="1", next_token=token, direction="FORWARD"),
        hour.request(max_results="1", next_token=token, attributes={"User": "alice"}),
        hour.request(max_results="1", next_token="not-a-token"),
    ):
        error = refusal(hour.server, request)
        assert (error.code, error.status_code) == ("InvalidParameter.NextToken", 400)


def test_another_accounts_events_are_invisible(hour: Hour) -> None:
    other = hour.server.services.accounts.create_account(f"other-{uuid.uuid4().hex[:8]}")
    mine = hour.add()
    their_event = hour.add(account_id=other.account_id)
    assert hour.ids() == [mine]
    theirs = AccessKey(other.access_key_id, other.access_key_secret.reveal())
    assert hour.ids(theirs) == [their_event]


def test_a_user_allowed_lookup_events_sees_the_accounts_events(hour: Hour) -> None:
    mine = hour.add()
    name = f"reader{uuid.uuid4().hex[:8]}"
    reader = hour.server.create_user(name, policies=["AliyunActionTrailReadOnlyAccess"])
    assert hour.ids(reader) == [mine]


def test_a_caller_without_the_permission_is_refused(hour: Hour) -> None:
    hour.add()
    name = f"nobody{uuid.uuid4().hex[:8]}"
    nobody = hour.server.create_user(name, policies=["AliyunRAMReadOnlyAccess"])
    with pytest.raises(ClientException) as raised:
        client(hour.server, nobody).lookup_events(hour.request())
    assert (raised.value.code, raised.value.status_code) == ("NoPermission", 403)
    assert "actiontrail:LookupEvents" in raised.value.message


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"start_time": "2024-01-01 00:00:00"}, "InvalidParameter.StartTime"),
        ({"end_time": "yesterday"}, "InvalidParameter.EndTime"),
        ({"end_time": None}, "InvalidParameter.EndTime"),
        (
            {"start_time": "2024-02-01T00:00:00Z", "end_time": "2024-01-01T00:00:00Z"},
            "InvalidParameter.StartTime",
        ),
        ({"max_results": "51"}, "InvalidParameter.MaxResults"),
        ({"max_results": "ten"}, "InvalidParameter.MaxResults"),
        ({"direction": "SIDEWAYS"}, "InvalidParameter.Direction"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name(
    hour: Hour, given: dict[str, Any], code: str
) -> None:
    request = hour.request()
    for name, value in given.items():
        setattr(request, name, value)
    error = refusal(hour.server, request)
    assert (error.code, error.status_code) == (code, 400)


def test_an_unknown_or_a_third_attribute_is_refused(hour: Hour) -> None:
    unknown = refusal(hour.server, hour.request(attributes={"Colour": "blue"}))
    assert (unknown.code, unknown.status_code) == ("InvalidParameter.LookupAttribute.Key", 400)
    three = refusal(
        hour.server,
        hour.request(attributes={"EventName": "CreateUser", "User": "alice", "EventRW": "Write"}),
    )
    assert (three.code, three.status_code) == ("InvalidParameter.LookupAttribute", 400)


def test_a_call_through_the_sdk_is_found_in_the_last_seven_days(server: RamstsServer) -> None:
    name = f"traced{uuid.uuid4().hex[:8]}"
    server.ram_client().create_user(ram.CreateUserRequest(user_name=name))
    assert server.services.audit is not None
    assert server.services.audit.flush()

    body = (
        client(server)
        .lookup_events(
            trail.LookupEventsRequest(
                lookup_attribute=[
                    trail.LookupEventsRequestLookupAttribute(key="ResourceName", value=name)
                ]
            )
        )
        .body
    )
    [event] = body.events
    assert (event["eventName"], event["serviceName"]) == ("CreateUser", "Ram")
    assert event["requestParameters"]["UserName"] == name
    assert event["userIdentity"]["accountId"] == server.account_id
