"""The sign-in lockout over HTTP, from several source addresses (``127.0.0.x`` loopback
addresses stand for other networks): failures lock a name only from where they came; a guessing
spread over many addresses locks the name everywhere it has not signed in from lately, never
where its owner signed in before; and every lock ends an hour after the failures that caused
it, however long the guessing goes on. The server's clock is moved by the test, on SQLite and on
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from alibabacloud_ram20150501 import models as ram
from clocked_console import ClockedConsole, clocked_console

OWNER = "127.0.0.1"
WRONG = "Not-The-Root-Passw0rd!"


@pytest.fixture
def console(db_url: str) -> Iterator[ClockedConsole]:
    with clocked_console(db_url) as made:
        yield made


def root_sign_in(console: ClockedConsole, source: str, password: str) -> httpx.Response:
    return console.browser(source).sign_in(console.site.account_id, password)


def locked(response: httpx.Response) -> bool:
    return response.status_code == 429 and "Too many failed sign-ins" in response.text


def signed_in(response: httpx.Response) -> bool:
    return response.url.path == "/console/"


def test_failures_from_another_address_do_not_lock_the_root_out_from_its_own(
    console: ClockedConsole,
) -> None:
    for _ in range(5):  # MaxLoginAttemps, the default
        assert root_sign_in(console, "127.0.0.2", WRONG).status_code == 401
    assert locked(root_sign_in(console, "127.0.0.2", console.site.root_password))
    assert signed_in(root_sign_in(console, OWNER, console.site.root_password))


def test_guessing_from_many_addresses_locks_the_name_except_where_its_owner_signed_in(
    console: ClockedConsole,
) -> None:
    console.ram_client().set_password_policy(ram.SetPasswordPolicyRequest(max_login_attemps=1))
    assert signed_in(root_sign_in(console, OWNER, console.site.root_password))
    for attacker in range(2, 12):  # 10 × MaxLoginAttemps failures in all
        assert root_sign_in(console, f"127.0.0.{attacker}", WRONG).status_code == 401
    # Past the overall bound, a source the root never signed in from is locked, right password
    # or not; the owner's is not, and the owner's sign-in does not unlock the others.
    assert locked(root_sign_in(console, "127.0.0.50", WRONG))
    assert locked(root_sign_in(console, "127.0.0.50", console.site.root_password))
    assert signed_in(root_sign_in(console, OWNER, console.site.root_password))
    assert locked(root_sign_in(console, "127.0.0.51", console.site.root_password))
    console.clock.advance(timedelta(hours=1, seconds=1))
    assert signed_in(root_sign_in(console, "127.0.0.51", console.site.root_password))


def test_a_lock_ends_an_hour_after_its_failures_however_long_the_guessing_goes_on(
    console: ClockedConsole,
) -> None:
    console.ram_client().set_password_policy(ram.SetPasswordPolicyRequest(max_login_attemps=1))
    assert root_sign_in(console, "127.0.0.2", WRONG).status_code == 401
    for _ in range(3):
        console.clock.advance(timedelta(minutes=19))
        assert locked(root_sign_in(console, "127.0.0.2", WRONG))
    console.clock.advance(timedelta(minutes=3, seconds=1))
    assert signed_in(root_sign_in(console, "127.0.0.2", console.site.root_password))


def test_a_ram_user_is_locked_per_source_like_the_root(console: ClockedConsole) -> None:
    console.site.ram("CreateUser", UserName="lee")
    console.site.ram("CreateLoginProfile", UserName="lee", Password="Lee-Console-Passw0rd!")
    login_name = f"lee@{console.site.account_id}"
    attacker, owner = console.browser("127.0.0.2"), console.browser(OWNER)
    for _ in range(5):
        assert attacker.sign_in(login_name, WRONG).status_code == 401
    assert locked(attacker.sign_in(login_name, "Lee-Console-Passw0rd!"))
    assert signed_in(owner.sign_in(login_name, "Lee-Console-Passw0rd!"))
