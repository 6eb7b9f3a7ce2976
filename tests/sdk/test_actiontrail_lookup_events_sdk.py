"""ActionTrail (2020-07-06) LookupEvents through alibabacloud-actiontrail20200706 against a live
server, on SQLite and PostgreSQL: each filter, the time range, paging with NextToken until it is
exhausted, Direction, the real refusals; only callers allowed ``actiontrail:LookupEvents`` see
events, and only their own account's.

Events are put on the trail through the repository, dated in a past week of their own, so that
the events the server records of the tests' own calls stay out of the range looked up; the last
test looks up a call the server recorded itself.
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

from ramsts.store import AuditEvent
from ramsts.testing import AccessKey, RamstsServer

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("actiontrail-lookup")]

WEEK = timedelta(days=7)
_weeks = count(1)


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


class Week:
    """A week of the past of its own for one test: events put on its trail, looked up in it."""

    def __init__(self, server: RamstsServer) -> None:
        self.server = server
        self.start = datetime(2024, 1, 1, tzinfo=UTC) + next(_weeks) * WEEK
        self.end = self.start + WEEK

    def add(
        self,
        name: str = "CreateUser",
        *,
        hour: int = 0,
        account_id: str | None = None,
        user: str | None = "alice",
        key: str | None = "LTAI5tAliceKey",
        rw: str = "Write",
        resources: tuple[tuple[str, str], ...] = (),
    ) -> str:
        event_id = str(uuid.uuid4()).upper()
        at = self.start + timedelta(hours=hour)
        event = AuditEvent(
            event_id=event_id,
            account_id=account_id or self.server.account_id,
            event_time=at,
            event_name=name,
            event_source="ram.aliyuncs.com",
            service_name="Ram",
            event_type="ApiCall",
            event_rw=rw,
            api_version="2015-05-01",
            user_name=user,
            access_key_id=key,
            error_code=None,
            request_id=str(uuid.uuid4()).upper(),
            document={"eventId": event_id, "eventName": name, "eventTime": iso(at)},
            resources=resources,
        )
        with self.server.services.store.transaction() as tx:
            tx.audit_events.add([event])
        return event_id

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
def week(server: RamstsServer) -> Week:
    return Week(server)


def refusal(server: RamstsServer, request: trail.LookupEventsRequest) -> ClientException:
    with pytest.raises(ClientException) as raised:
        client(server).lookup_events(request)
    return raised.value


def test_events_come_newest_first_with_the_range_looked_up(week: Week) -> None:
    first, second = week.add(hour=1), week.add(hour=2)
    body = client(week.server).lookup_events(week.request()).body
    assert [e["eventId"] for e in body.events] == [second, first]
    assert body.events[0]["eventName"] == "CreateUser"
    assert (body.start_time, body.end_time) == (iso(week.start), iso(week.end))
    assert body.request_id
    assert body.next_token is None


def test_forward_gives_them_oldest_first(week: Week) -> None:
    first, second = week.add(hour=1), week.add(hour=2)
    assert week.ids(direction="FORWARD") == [first, second]
    assert week.ids(direction="BACKWARD") == [second, first]


def test_events_outside_the_range_are_not_returned(week: Week) -> None:
    inside = week.add(hour=1)
    week.add(hour=24 * 7 + 1)
    assert week.ids() == [inside]


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
def test_each_lookup_attribute_finds_its_events(week: Week, key: str, value: str) -> None:
    week.add("CreateUser", resources=(("ACS::RAM::User", "dave"),))
    wanted = week.add(
        "DeleteUser",
        user="bob",
        key="LTAI5tBobKey",
        rw="Read",
        resources=(("ACS::RAM::Role", "carol"),),
    )
    assert week.ids(attributes={key: value}) == [wanted]


def test_an_event_id_finds_its_event_and_two_attributes_must_both_match(week: Week) -> None:
    one = week.add("CreateUser", user="bob")
    both = week.add("DeleteUser", user="bob")
    week.add("DeleteUser")
    assert week.ids(attributes={"EventId": one}) == [one]
    assert week.ids(attributes={"EventName": "DeleteUser", "User": "bob"}) == [both]


def test_next_token_pages_until_exhausted_without_loss_or_repeat(week: Week) -> None:
    added = [week.add(hour=hour) for hour in range(7)]
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        body = (
            client(week.server).lookup_events(week.request(max_results="3", next_token=token)).body
        )
        seen += [e["eventId"] for e in body.events]
        pages += 1
        token = body.next_token
        if token is None:
            break
    assert pages == 3
    assert seen == added[::-1]


def test_a_next_token_opens_only_for_its_own_query(week: Week) -> None:
    for hour in range(3):
        week.add(hour=hour)
    token = client(week.server).lookup_events(week.request(max_results="1")).body.next_token
    assert token
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for request in (
        week.request(max_results="1", next_token=changed),
        week.request(max_results="1", next_token=token, direction="FORWARD"),
        week.request(max_results="1", next_token=token, attributes={"User": "alice"}),
        week.request(max_results="1", next_token="not-a-token"),
    ):
        error = refusal(week.server, request)
        assert (error.code, error.status_code) == ("InvalidParameter.NextToken", 400)


def test_another_accounts_events_are_invisible(week: Week) -> None:
    other = week.server.services.accounts.create_account(f"other-{uuid.uuid4().hex[:8]}")
    mine = week.add()
    their_event = week.add(account_id=other.account_id)
    assert week.ids() == [mine]
    theirs = AccessKey(other.access_key_id, other.access_key_secret.reveal())
    assert week.ids(theirs) == [their_event]


def test_a_user_allowed_lookup_events_sees_the_accounts_events(week: Week) -> None:
    mine = week.add()
    name = f"reader{uuid.uuid4().hex[:8]}"
    reader = week.server.create_user(name, policies=["AliyunActionTrailReadOnlyAccess"])
    assert week.ids(reader) == [mine]


def test_a_caller_without_the_permission_is_refused(week: Week) -> None:
    week.add()
    name = f"nobody{uuid.uuid4().hex[:8]}"
    nobody = week.server.create_user(name, policies=["AliyunRAMReadOnlyAccess"])
    with pytest.raises(ClientException) as raised:
        client(week.server, nobody).lookup_events(week.request())
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
    week: Week, given: dict[str, Any], code: str
) -> None:
    request = week.request()
    for name, value in given.items():
        setattr(request, name, value)
    error = refusal(week.server, request)
    assert (error.code, error.status_code) == (code, 400)


def test_an_unknown_or_a_third_attribute_is_refused(week: Week) -> None:
    unknown = refusal(week.server, week.request(attributes={"Colour": "blue"}))
    assert (unknown.code, unknown.status_code) == ("InvalidParameter.LookupAttribute.Key", 400)
    three = refusal(
        week.server,
        week.request(attributes={"EventName": "CreateUser", "User": "alice", "EventRW": "Write"}),
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
