"""``EnableSaveMFATicket`` over HTTP: when the security preference allows it, the MFA step offers
to remember the browser, which then signs in with the password alone for seven days; turning
the setting off, a new password, or the seven days passing forgets it, and a browser without the
cookie is always asked for the code. On SQLite and PostgreSQL, the server's clock moved by the
test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from alibabacloud_ram20150501 import models as ram
from clocked_console import ClockedConsole, clocked_console
from console_site import ConsoleClient

from ramsts.ram.totp import decode_base32_seed, totp

PASSWORD = "Remember-User-Passw0rd!"
REMEMBER_BOX = 'name="remember_device"'


@pytest.fixture
def console(db_url: str) -> Iterator[ClockedConsole]:
    with clocked_console(db_url) as made:
        yield made


def user_with_device(console: ClockedConsole, name: str = "mia") -> bytes:
    site, now = console.site, console.clock.now
    site.ram("CreateUser", UserName=name)
    site.ram("CreateLoginProfile", UserName=name, Password=PASSWORD)
    device = site.ram("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = decode_base32_seed(device["Base32StringSeed"])
    site.ram(
        "BindMFADevice",
        SerialNumber=device["SerialNumber"],
        UserName=name,
        AuthenticationCode1=totp(seed, now - timedelta(seconds=30)),
        AuthenticationCode2=totp(seed, now),
    )
    return seed


def save_mfa_ticket(console: ClockedConsole, enabled: bool) -> None:
    console.ram_client().set_security_preference(
        ram.SetSecurityPreferenceRequest(enable_save_mfaticket=enabled)
    )


def passed_mfa(
    console: ClockedConsole, browser: ConsoleClient, seed: bytes, *, remember: bool
) -> httpx.Response:
    """Sign in as mia with the password and, on a later time step, the device's code."""
    step = browser.sign_in(f"mia@{console.site.account_id}", PASSWORD)
    assert step.url.path == "/console/signin/mfa"
    console.clock.advance(timedelta(seconds=30))
    form = {"code": totp(seed, console.clock.now)} | ({"remember_device": "1"} if remember else {})
    signed_in = browser.post("/signin/mfa", form)
    assert signed_in.url.path == "/console/"
    browser.post("/signout", {})
    return step


def asks_for_the_code(console: ClockedConsole, browser: ConsoleClient) -> bool:
    landed = browser.sign_in(f"mia@{console.site.account_id}", PASSWORD)
    if landed.url.path == "/console/":
        browser.post("/signout", {})
    return landed.url.path == "/console/signin/mfa"


def test_a_remembered_browser_skips_the_code_for_seven_days_when_the_preference_allows(
    console: ClockedConsole,
) -> None:
    seed = user_with_device(console)
    save_mfa_ticket(console, True)
    browser, other = console.browser(), console.browser()
    step = passed_mfa(console, browser, seed, remember=True)
    assert REMEMBER_BOX in step.text
    assert not asks_for_the_code(console, browser)
    assert asks_for_the_code(console, other)  # it is this browser that is remembered
    assert not browser.sign_in(f"mia@{console.site.account_id}", "Wrong-Passw0rd!").is_success
    console.clock.advance(timedelta(days=7, seconds=1))
    assert asks_for_the_code(console, browser)


def test_nothing_is_remembered_while_the_preference_is_off_and_turning_it_off_forgets(
    console: ClockedConsole,
) -> None:
    seed = user_with_device(console)
    browser = console.browser()
    step = passed_mfa(console, browser, seed, remember=True)  # asked for, not offered
    assert REMEMBER_BOX not in step.text
    assert asks_for_the_code(console, browser)

    save_mfa_ticket(console, True)
    passed_mfa(console, browser, seed, remember=True)
    save_mfa_ticket(console, False)
    assert asks_for_the_code(console, browser)


def test_a_new_password_forgets_the_remembered_browsers(console: ClockedConsole) -> None:
    seed = user_with_device(console)
    save_mfa_ticket(console, True)
    browser = console.browser()
    passed_mfa(console, browser, seed, remember=True)
    console.site.ram("UpdateLoginProfile", UserName="mia", Password="Remember-User-Passw0rd-2!")
    landed = browser.sign_in(f"mia@{console.site.account_id}", "Remember-User-Passw0rd-2!")
    assert landed.url.path == "/console/signin/mfa"
