"""Console sessions in the browser: a RAM user signed in is sent back to sign in as soon as an
administrator sets a new password; and with *Let browsers remember a passed MFA check* saved in
the security settings, a user who ticks *Remember this device* signs in next time with the
password alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

from ramsts.ram.totp import decode_base32_seed, totp

pytestmark = pytest.mark.browser

USER_PASSWORD = "Browser-Session-Passw0rd!"


def sign_in(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    page.goto(f"{site.url}/signin")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_new_password_sends_the_signed_in_user_back_to_sign_in(
    page: Any, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="yara")
    console.ram("CreateLoginProfile", UserName="yara", Password=USER_PASSWORD)
    sign_in(page, console, f"yara@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    console.ram("UpdateLoginProfile", UserName="yara", Password="Browser-Session-Passw0rd-2!")
    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in to the RAM console")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your session has ended")


def test_a_remembered_browser_signs_in_without_the_code(page: Any, console: ConsoleSite) -> None:
    console.ram("CreateUser", UserName="zoe")
    console.ram("CreateLoginProfile", UserName="zoe", Password=USER_PASSWORD)
    device = console.ram("CreateVirtualMFADevice", VirtualMFADeviceName="zoe")["VirtualMFADevice"]
    seed = decode_base32_seed(device["Base32StringSeed"])
    now = datetime.now(UTC)
    console.ram(
        "BindMFADevice",
        SerialNumber=device["SerialNumber"],
        UserName="zoe",
        AuthenticationCode1=totp(seed, now - timedelta(seconds=30)),
        AuthenticationCode2=totp(seed, now),
    )
    sign_in(page, console, console.account_id, console.root_password)
    page.get_by_role("link", name="Security settings").click()
    preference = page.get_by_role("region", name="Security preference")
    preference.get_by_label("Let browsers remember a passed MFA check").check()
    preference.get_by_role("button", name="Save security preference").click()
    expect(page.get_by_role("status")).to_contain_text("The security preference was saved.")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, console, f"zoe@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    page.get_by_label("MFA code").fill(totp(seed, datetime.now(UTC) + timedelta(seconds=30)))
    page.get_by_label("Remember this device for 7 days").check()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, console, f"zoe@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("zoe")
