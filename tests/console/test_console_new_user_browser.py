"""Create User in the browser, with console access and OpenAPI access ticked and a group
chosen: one transaction. A principal allowed the user and its login profile but not its
AccessKey is told so, the form is as typed, and no user is left; with everything allowed the
user comes with its sign-in, its group and its AccessKey, whose secret shows this once."""

from __future__ import annotations

from typing import Any

import pytest
from console_site import ConsoleSite, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "New-User-Browser-Passw0rd!"


def fill_new_user(page: Any, console: ConsoleSite, name: str, *groups: str) -> None:
    page.goto(f"{console.url}/users/new")
    page.get_by_label("Logon name").fill(name)
    if groups:
        page.get_by_label("Add to groups").select_option(list(groups))
    page.get_by_label("Console access (sign in with a password)").check()
    page.get_by_label("Password", exact=True).fill("Ivy-Passw0rd-2025!")
    page.get_by_label("OpenAPI access (create an AccessKey, shown once)").check()
    page.get_by_role("button", name="Create", exact=True).click()


def test_a_refused_access_key_leaves_no_user_and_an_allowed_one_is_shown_once(
    page: Any, console: ConsoleSite
) -> None:
    console.ram("CreateGroup", GroupName="ops")
    login = console.administrator(
        "hr", PASSWORD, "ram:Get*", "ram:List*", "ram:CreateUser", "ram:CreateLoginProfile"
    )
    sign_in_browser(page, console, login, PASSWORD)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    fill_new_user(page, console, "ivy")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("NoPermission")
    expect(problem).to_contain_text("ram:CreateAccessKey")
    expect(page.get_by_label("Logon name")).to_have_value("ivy")
    names = [u["UserName"] for u in console.ram("ListUsers")["Users"]["User"]]
    assert names == ["hr"]

    console.ram(
        "AttachPolicyToUser", UserName="hr", PolicyType="System", PolicyName="AliyunRAMFullAccess"
    )
    fill_new_user(page, console, "ivy", "ops")
    expect(page.get_by_role("heading", name="ivy")).to_be_visible()
    expect(page.locator("main > .notice")).to_have_text("User ivy was created.")
    created = page.get_by_role("region", name="AccessKey created")
    expect(created).to_contain_text("It is shown this once")
    key_id = page.locator("#new-access-key-id").inner_text().strip()
    expect(page.get_by_role("region", name="Console access")).to_contain_text("Enabled")
    keys = console.ram("ListAccessKeys", UserName="ivy")["AccessKeys"]["AccessKey"]
    assert [key["AccessKeyId"] for key in keys] == [key_id]
    expect(page.get_by_role("region", name="Groups")).to_contain_text("ops")
    joined = console.ram("ListGroupsForUser", UserName="ivy")["Groups"]["Group"]
    assert [group["GroupName"] for group in joined] == ["ops"]

    page.goto(f"{console.url}/users/ivy")
    expect(
        page.get_by_role("region", name="AccessKeys").get_by_role("row", name=key_id)
    ).to_be_visible()
    expect(page.get_by_role("region", name="AccessKey created")).to_have_count(0)
