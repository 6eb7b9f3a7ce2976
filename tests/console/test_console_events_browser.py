"""The Events page as a person uses it in the browser: the account's events listed newest first,
narrowed by a filter, and one event opened to read its whole record."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_events import recorded
from console_site import ConsoleSite, nav
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_events_are_listed_filtered_and_opened(root_page: Any, console: ConsoleSite) -> None:
    created = recorded(console, "CreateUser", minutes_ago=20)
    read = recorded(console, "GetUser", minutes_ago=10, user="bob", rw="Read")
    page = root_page
    nav(page, "Events")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    table = page.get_by_role("table", name="Events")
    expect(table.get_by_role("row", name="GetUser")).to_contain_text("bob")
    expect(table.get_by_role("row", name="CreateUser")).to_contain_text("alice")

    page.get_by_label("User").fill("bob")
    page.get_by_role("button", name="Search").click()
    expect(table.get_by_role("row", name="GetUser")).to_be_visible()
    expect(table.get_by_role("row", name="CreateUser")).to_have_count(0)
    expect(page.get_by_label("User")).to_have_value("bob")

    table.get_by_role("link", name=read.document["eventTime"]).click()
    expect(page.get_by_role("heading", name=f"Event {read.event_id}")).to_be_visible()
    record = json.loads(page.get_by_label("Event record").inner_text())
    assert record == read.document
    assert created.event_id not in page.content()
