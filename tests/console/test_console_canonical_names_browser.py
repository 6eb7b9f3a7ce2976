"""The console decides on entities as stored (issue #12, point 1): a delegated administrator kept
from the group ``admins`` and the user ``admin`` types another spelling of their names into the
console's forms and address bar, and is refused as the API refuses her."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "Delegated-Passw0rd!"


def delegate(console: ConsoleSite) -> None:
    """The admin entities, and dana, who may do everything else."""
    uid = console.account_id
    console.ram("CreateUser", UserName="admin")
    console.ram("CreateGroup", GroupName="admins")
    console.ram(
        "AttachPolicyToGroup",
        PolicyType="System",
        PolicyName="AdministratorAccess",
        GroupName="admins",
    )
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": [f"acs:ram::{uid}:group/admins", f"acs:ram::{uid}:user/admin"],
            },
        ],
    }
    console.ram("CreatePolicy", PolicyName="delegated-admin", PolicyDocument=json.dumps(document))
    console.ram("CreateUser", UserName="dana")
    console.ram("CreateLoginProfile", UserName="dana", Password=PASSWORD)
    console.ram(
        "AttachPolicyToUser", PolicyType="Custom", PolicyName="delegated-admin", UserName="dana"
    )


def sign_in(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    page.goto(f"{site.url}/signin")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_a_case_changed_group_name_in_a_console_form_is_refused_on_the_stored_group(
    page: Any, console: ConsoleSite
) -> None:
    delegate(console)
    sign_in(page, console, f"dana@{console.account_id}", PASSWORD)

    page.goto(f"{console.url}/users/dana")
    page.get_by_label("Add to group").fill("ADMINS")
    page.get_by_role("button", name="Add", exact=True).click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("NoPermission")
    expect(problem).to_contain_text(f"acs:ram::{console.account_id}:group/admins")
    groups = console.ram("ListGroupsForUser", UserName="dana")["Groups"]["Group"]
    assert groups == []

    page.goto(f"{console.url}/users/ADMIN")
    expect(page.get_by_role("alert")).to_contain_text("NoPermission")
    expect(page.get_by_role("heading", name="admin", exact=True)).to_have_count(0)
