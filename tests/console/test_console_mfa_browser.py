"""MFA and passwords in the browser: an administrator creates a device on a user's page and binds
it with codes computed from the key the page shows, the user signs in with MFA; a password
policy set in the console refuses a weak password for a new login profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

from ramsts.ram.totp import decode_base32_seed, totp

pytestmark = pytest.mark.browser

USER_PASSWORD = "Browser-User-Passw0rd!"


def sign_in(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    page.goto(f"{site.url}/signin")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_device_bound_in_the_console_signs_its_user_in(page: Any, console: ConsoleSite) -> None:
    console.ram("CreateUser", UserName="wendy")
    console.ram("CreateLoginProfile", UserName="wendy", Password=USER_PASSWORD)
    sign_in(page, console, console.account_id, console.root_password)
    page.goto(f"{console.url}/users/wendy")
    mfa = page.get_by_role("region", name="MFA device")
    expect(mfa.get_by_label("Device name")).to_have_value("wendy")
    mfa.get_by_role("button", name="Create virtual MFA device").click()

    mfa = page.get_by_role("region", name="MFA device")
    expect(mfa.get_by_role("img", name="QR code of the MFA key for wendy@")).to_be_visible()
    seed = decode_base32_seed(mfa.locator("#mfa-seed").inner_text())
    now = datetime.now(UTC)
    mfa.get_by_label("First MFA code").fill(totp(seed, now - timedelta(seconds=30)))
    mfa.get_by_label("Second MFA code").fill(totp(seed, now))
    mfa.get_by_role("button", name="Bind device").click()
    expect(page.get_by_role("status")).to_contain_text("is bound to wendy")
    expect(page.locator("#mfa-seed")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, console, f"wendy@{console.account_id}", USER_PASSWORD)
    expect(page.get_by_role("heading", name="Multi-factor authentication")).to_be_visible()
    # The next time step's code: accepted within the drift, and later than the bind's.
    page.get_by_label("MFA code").fill(totp(seed, datetime.now(UTC) + timedelta(seconds=30)))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("wendy")


def test_a_policy_set_in_the_console_refuses_a_weak_password(
    page: Any, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="xavier")
    sign_in(page, console, console.account_id, console.root_password)
    page.get_by_role("link", name="Security settings").click()
    policy = page.get_by_role("region", name="Password policy")
    policy.get_by_label("Minimum length").fill("16")
    policy.get_by_label("Contain a symbol").check()
    policy.get_by_role("button", name="Save password policy").click()
    expect(page.get_by_role("status")).to_contain_text("The password policy was saved.")

    page.goto(f"{console.url}/users/xavier")
    access = page.get_by_role("region", name="Console access")
    access.get_by_label("Password", exact=True).fill("Short-Pass-1")
    access.get_by_role("button", name="Enable console access").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("InvalidParameter.Password.TooWeak")
    expect(problem).to_contain_text("at least 16 characters long")
    expect(problem).to_be_focused()
    expect(page.get_by_role("region", name="Console access")).to_contain_text(
        "Console access is disabled for this user."
    )
