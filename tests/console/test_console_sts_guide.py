"""The user's guide to STS, steps 1–4, done entirely in the console — then step 5 through
Alibaba's own STS SDK with the AccessKey the console showed once.

The guide's role policy example allows ``iot:QueryProduct`` on the role's ARN; assuming a role
needs ``sts:AssumeRole`` on it, so that is what the test writes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

from ramsts.iot.walkthrough import READ_ONLY_POLICY
from ramsts.testing import AccessKey

pytestmark = pytest.mark.browser


def sign_in(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    page.goto(f"{site.url}/")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def create_policy_from_blank_template(page: Any, name: str, document: str) -> None:
    page.get_by_role("navigation", name="Console sections").get_by_role(
        "link", name="Policies"
    ).click()
    page.get_by_role("link", name="Create Authorization Policy").click()
    page.get_by_role("link", name="Blank template").click()
    page.get_by_label("Authorization policy name").fill(name)
    page.get_by_label("Policy content").fill(document)
    expect(page.get_by_role("status").filter(has_text="The policy is valid.")).to_be_visible()
    page.get_by_role("button", name="Create Authorization Policy").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def authorize(page: Any, policy_name: str) -> None:
    """The Authorize dialog: pick the policy in the available list, the right arrow moves it to
    the selected list (pressed from the keyboard), then OK."""
    page.get_by_role("link", name="Authorize").first.click()
    dialog = page.get_by_role("dialog", name="Authorize")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Filter available policies").fill(policy_name)
    dialog.get_by_label("Available Authorization Policy Name").select_option(
        f"Custom:{policy_name}"
    )
    dialog.get_by_role("button", name="Add the chosen policies to the selected list").press("Enter")
    selected = dialog.get_by_label("Selected Authorization Policy Name")
    expect(selected.locator("option")).to_have_text([f"{policy_name} (Custom)"])
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Authorized with {policy_name}.")


def test_steps_one_to_four_in_the_console_then_assume_role_with_the_sdk(
    page: Any, console: ConsoleSite
) -> None:
    sign_in(page, console, console.account_id, console.root_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    # Step 1: Roles > Create Role > User Role > the default (current) account > name > Create.
    page.get_by_role("link", name="Roles").first.click()
    page.get_by_role("link", name="Create Role").click()
    page.get_by_label("User Role").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Current Alibaba Cloud account")).to_be_checked()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Role name").fill("iotstsrole")
    page.get_by_label("Description").fill("Reads IoT resources for temporary users")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Role iotstsrole created")).to_be_visible()
    page.get_by_role("link", name="Close").click()

    # Step 2: Policies > Create Authorization Policy > blank template.
    create_policy_from_blank_template(page, "IoTReadOnly", json.dumps(READ_ONLY_POLICY, indent=2))

    # Step 3: Roles > the role > Authorize > move the policy right > OK.
    page.get_by_role("link", name="Roles").first.click()
    page.get_by_role("link", name="Authorize iotstsrole").click()
    expect(page.get_by_role("dialog", name="Authorize")).to_be_visible()
    # The dialog's Escape handler is the page's script: on a loaded machine it may not run yet.
    page.wait_for_load_state("load")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Authorize")).to_be_hidden()
    authorize(page, "IoTReadOnly")
    permissions = page.get_by_role("region", name="Permissions")
    expect(permissions.get_by_role("link", name="IoTReadOnly")).to_be_visible()

    # Step 4: the role's ARN from its page, a policy allowing sts:AssumeRole on it, a user
    # authorized with that policy, and the user's AccessKey.
    role_arn = page.locator("#role-arn").inner_text().strip()
    assert role_arn == f"acs:ram::{console.account_id}:role/iotstsrole"
    page.get_by_role("button", name="Copy role ARN").click()
    assume = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}],
    }
    create_policy_from_blank_template(page, "AssumeIoTRole", json.dumps(assume, indent=2))

    page.get_by_role("link", name="Users").first.click()
    page.get_by_role("link", name="Create User").click()
    page.get_by_label("Logon name").fill("iotuser")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="iotuser")).to_be_visible()
    authorize(page, "AssumeIoTRole")

    page.get_by_role("button", name="Create AccessKey").click()
    new_key = page.get_by_role("region", name="AccessKey created")
    expect(new_key).to_contain_text("shown this once")
    access_key_id = page.locator("#new-access-key-id").inner_text().strip()
    access_key_secret = page.locator("#new-access-key-secret").inner_text().strip()
    page.goto(f"{console.url}/users/iotuser")
    expect(page.locator("body")).to_contain_text(access_key_id)
    expect(page.get_by_role("region", name="AccessKey created")).to_have_count(0)
    assert access_key_secret not in page.content()

    # Step 5: the RAM user assumes the role through the Tea STS SDK.
    from alibabacloud_sts20150401 import models

    sts = console.server.sts_client(AccessKey(access_key_id, access_key_secret))
    response = sts.assume_role(
        models.AssumeRoleRequest(
            role_arn=role_arn, role_session_name="iotreadonlyrole", duration_seconds=3600
        )
    )
    credentials = response.body.credentials
    assert credentials.access_key_id.startswith("STS.")
    assert response.body.assumed_role_user.arn == f"{role_arn}/iotreadonlyrole"
