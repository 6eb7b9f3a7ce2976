"""The Events page over HTTP: the account's events newest first, filtered as LookupEvents
filters, paged with its NextToken, an event's detail with its document escaped; a caller not
allowed ``actiontrail:LookupEvents`` is told why, and a bad time is refused with the API's
code."""

from __future__ import annotations

import re

from console_events import recorded
from console_site import ConsoleClient, ConsoleSite


def event_ids(html: str) -> list[str]:
    return re.findall(r'href="/console/events/([0-9A-F-]{36})"', html)


def test_the_list_shows_the_accounts_events_newest_first(
    console: ConsoleSite, client: ConsoleClient
) -> None:
    older = recorded(console, "CreateUser", minutes_ago=20)
    newer = recorded(console, "DeleteUser", minutes_ago=10)
    client.sign_in(console.account_id, console.root_password)
    page = client.get("/events")
    assert page.status_code == 200
    ids = event_ids(page.text)
    assert ids.index(newer.event_id) < ids.index(older.event_id)
    assert "DeleteUser" in page.text


def test_filters_are_lookup_attributes(console: ConsoleSite, client: ConsoleClient) -> None:
    alice = recorded(console, "CreateUser", minutes_ago=20)
    bob = recorded(console, "GetUser", minutes_ago=10, user="bob", rw="Read")
    client.sign_in(console.account_id, console.root_password)
    assert event_ids(client.get("/events", params={"User": "bob"}).text) == [bob.event_id]
    assert event_ids(client.get("/events", params={"EventName": "CreateUser"}).text) == [
        alice.event_id
    ]
    assert event_ids(client.get("/events", params={"EventRW": "Read", "User": "bob"}).text) == [
        bob.event_id
    ]


def test_the_next_page_link_carries_the_filters_and_the_token(
    console: ConsoleSite, client: ConsoleClient
) -> None:
    added = [recorded(console, "CreateUser", minutes_ago=30 - i) for i in range(25)]
    client.sign_in(console.account_id, console.root_password)
    first = client.get("/events", params={"EventName": "CreateUser"})
    link = re.search(r'href="/console(/events\?[^"]+)" rel="next"', first.text)
    assert link is not None
    second = client.get(link.group(1).replace("&amp;", "&"))
    seen = event_ids(first.text) + event_ids(second.text)
    assert seen == [e.event_id for e in reversed(added)]
    assert 'rel="next"' not in second.text


def test_an_events_detail_is_its_document_escaped(
    console: ConsoleSite, client: ConsoleClient
) -> None:
    event = recorded(
        console, "UpdateUser", minutes_ago=5, document={"requestParameters": {"Comments": "<b>x"}}
    )
    client.sign_in(console.account_id, console.root_password)
    detail = client.get(f"/events/{event.event_id}")
    assert detail.status_code == 200
    assert "&lt;b&gt;x" in detail.text
    assert "<b>x" not in detail.text
    assert "&#34;eventName&#34;: &#34;UpdateUser&#34;" in detail.text
    assert client.get("/events/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_user_without_the_permission_is_told_why(
    console: ConsoleSite, client: ConsoleClient
) -> None:
    recorded(console, "CreateUser", minutes_ago=5)
    login = console.administrator("auditor", "Auditor-Passw0rd!", "ram:Get*")
    client.sign_in(login, "Auditor-Passw0rd!")
    page = client.get("/events")
    assert page.status_code == 403
    assert 'data-problem-code="NoPermission"' in page.text
    assert "actiontrail:LookupEvents" in page.text
    assert event_ids(page.text) == []


def test_a_time_that_is_not_utc_is_refused_with_the_apis_code(
    console: ConsoleSite, client: ConsoleClient
) -> None:
    client.sign_in(console.account_id, console.root_password)
    page = client.get("/events", params={"StartTime": "yesterday", "EndTime": "today"})
    assert page.status_code == 400
    assert 'data-problem-code="InvalidParameter.StartTime"' in page.text
    assert 'value="yesterday"' in page.text
