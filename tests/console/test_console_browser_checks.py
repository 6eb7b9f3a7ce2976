"""What the console tells people in the browser: a wrong password, a policy error with its
place, a denial with its reason, and the MFA step of sign-in."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

from ramsts.ram.totp import totp

pytestmark = pytest.mark.browser

USER_PASSWORD = "User-Passw0rd!"


def sign_in(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    page.goto(f"{site.url}/")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def user_with_password(site: ConsoleSite, name: str, *system_policies: str) -> None:
    site.ram("CreateUser", UserName=name)
    site.ram("CreateLoginProfile", UserName=name, Password=USER_PASSWORD)
    for policy in system_policies:
        site.ram("AttachPolicyToUser", UserName=name, PolicyType="System", PolicyName=policy)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    page: Any, console: ConsoleSite
) -> None:
    sign_in(page, console, console.account_id, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "The account, user name or password is not correct."
    )
    expect(page.get_by_role("heading", name="Sign in to the RAM console")).to_be_visible()
    page.goto(f"{console.url}/users")
    expect(page).to_have_url(f"{console.url}/signin?next=/console/users")


def test_an_invalid_policy_is_pointed_at_while_typing_and_on_submit(
    page: Any, console: ConsoleSite
) -> None:
    sign_in(page, console, console.account_id, console.root_password)
    page.goto(f"{console.url}/policies/new?template=blank")
    document = (
        '{\n  "Version": "1",\n'
        '  "Statement": [{"Effect": "Alow", "Action": "iot:*", "Resource": "*"}]\n}'
    )
    page.get_by_label("Policy content").fill(document)
    status = page.locator("[data-editor-status]")
    expect(status).to_contain_text("MalformedPolicyDocument")
    expect(status.locator("[data-pointer]")).to_have_attribute(
        "data-pointer", "/Statement/0/Effect"
    )
    expect(status).to_contain_text("line 3")
    expect(page.locator("[data-editor-excerpt] mark")).to_have_text('"Alow"')
    page.get_by_role("button", name="Go to the error").click()
    selected = page.get_by_label("Policy content").evaluate(
        "t => t.value.slice(t.selectionStart, t.selectionEnd)"
    )
    assert selected == '"Alow"'

    page.get_by_label("Authorization policy name").fill("Broken")
    page.get_by_role("button", name="Create Authorization Policy").click()
    # The error is shown once, beside the text, where it is.
    expect(page.get_by_role("alert")).to_contain_text("MalformedPolicyDocument")
    expect(page.get_by_text('"Alow" is not an effect')).to_have_count(1)
    expect(status.locator("[data-pointer]")).to_have_attribute(
        "data-pointer", "/Statement/0/Effect"
    )
    expect(page.locator("[data-editor-excerpt] mark")).to_have_text('"Alow"')
    expect(page.get_by_label("Policy content")).to_have_value(document)


def test_a_read_only_user_is_refused_on_create_and_told_why(
    page: Any, console: ConsoleSite
) -> None:
    user_with_password(console, "auditor", "AliyunRAMReadOnlyAccess")
    sign_in(page, console, f"auditor@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("link", name="auditor")).to_be_visible()
    page.get_by_role("link", name="Create User").click()
    page.get_by_label("Logon name").fill("intruder")
    page.get_by_role("button", name="Create").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("NoPermission")
    expect(problem).to_contain_text("ram:CreateUser")
    expect(problem).to_contain_text("ImplicitDeny")
    expect(problem).to_contain_text("None of the policies in force allows this action.")
    page.goto(f"{console.url}/users")
    expect(page.get_by_role("link", name="intruder")).to_have_count(0)


def test_a_user_with_an_mfa_device_signs_in_with_a_code(page: Any, console: ConsoleSite) -> None:
    user_with_password(console, "carol")
    device = console.ram("CreateVirtualMFADevice", VirtualMFADeviceName="carol-phone")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    encoded = device["VirtualMFADevice"]["Base32StringSeed"]
    seed = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    now = datetime.now(UTC)
    console.ram(
        "BindMFADevice",
        SerialNumber=serial,
        UserName="carol",
        AuthenticationCode1=totp(seed, now - timedelta(seconds=30)),
        AuthenticationCode2=totp(seed, now),
    )

    sign_in(page, console, f"carol@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    page.get_by_label("MFA code").fill("000000" if totp(seed, now) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("The MFA code is not correct.")
    page.get_by_label("MFA code").fill(totp(seed, datetime.now(UTC)))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("carol")
