"""A RAM user's console session ends at once — its next request goes to sign-in — when its
password is set again (by an administrator through the SDK, or by the user itself), its login
profile is deleted, the user is deleted, its LoginSessionDuration (as the security preference
says now) has passed, or it comes from outside LoginNetworkMasks. The root is held to none of
the preference's settings. Each test runs on SQLite and on PostgreSQL, the server's clock moved
by the test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from alibabacloud_ram20150501 import models as ram
from clocked_console import ClockedConsole, clocked_console
from console_site import ConsoleClient

from ramsts.testing import AccessKey, ramsts_server

PASSWORD = "Session-User-Passw0rd!"
NEW_PASSWORD = "Session-User-Passw0rd-2!"


@pytest.fixture
def console(db_url: str) -> Iterator[ClockedConsole]:
    with clocked_console(db_url) as made:
        yield made


def user_with_console_access(console: ClockedConsole, name: str = "una") -> str:
    console.site.ram("CreateUser", UserName=name)
    console.site.ram("CreateLoginProfile", UserName=name, Password=PASSWORD)
    return f"{name}@{console.site.account_id}"


def signed_in(console: ClockedConsole, login_name: str, password: str = PASSWORD) -> ConsoleClient:
    browser = console.browser()
    landed = browser.sign_in(login_name, password)
    assert landed.url.path == "/console/", landed.text
    return browser


def sent_to_sign_in(response: httpx.Response) -> bool:
    return response.url.path == "/console/signin" and 'id="login_name"' in response.text


def test_an_administrator_s_new_password_ends_the_user_s_sessions_at_once(
    console: ClockedConsole,
) -> None:
    login_name = user_with_console_access(console)
    browser = signed_in(console, login_name)
    admin = console.ram_client()

    admin.update_login_profile(
        ram.UpdateLoginProfileRequest(user_name="una", mfabind_required=False)
    )
    assert browser.get("/").url.path == "/console/"  # no new password: the session holds

    admin.update_login_profile(
        ram.UpdateLoginProfileRequest(user_name="una", password=NEW_PASSWORD)
    )
    ended = browser.get("/users")
    assert sent_to_sign_in(ended)
    assert "Your session has ended" in ended.text
    assert browser.get("/").url.path == "/console/signin"  # and it stays ended
    assert signed_in(console, login_name, NEW_PASSWORD).get("/").url.path == "/console/"


def test_deleting_the_login_profile_ends_the_sessions_even_if_it_is_created_again(
    console: ClockedConsole,
) -> None:
    login_name = user_with_console_access(console)
    browser = signed_in(console, login_name)
    admin = console.ram_client()
    admin.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="una"))
    # The same password again: still a new login profile, and the old session stays ended.
    admin.create_login_profile(ram.CreateLoginProfileRequest(user_name="una", password=PASSWORD))
    assert sent_to_sign_in(browser.get("/"))


def test_deleting_the_user_ends_its_sessions(console: ClockedConsole) -> None:
    login_name = user_with_console_access(console)
    browser = signed_in(console, login_name)
    admin = console.ram_client()
    admin.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="una"))
    admin.delete_user(ram.DeleteUserRequest(user_name="una"))
    # A new user of the same name is another user: the old cookie is not its session.
    admin.create_user(ram.CreateUserRequest(user_name="una"))
    admin.create_login_profile(ram.CreateLoginProfileRequest(user_name="una", password=PASSWORD))
    assert sent_to_sign_in(browser.get("/"))


def test_changing_one_s_own_password_ends_every_session_of_the_user(
    console: ClockedConsole,
) -> None:
    login_name = user_with_console_access(console)
    here, elsewhere = signed_in(console, login_name), signed_in(console, login_name)
    root = signed_in(console, console.site.account_id, console.site.root_password)
    here.get("/password")
    changed = here.post(
        "/password",
        {
            "old_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert sent_to_sign_in(changed)
    assert "Your password was changed" in changed.text
    assert sent_to_sign_in(here.get("/"))
    assert sent_to_sign_in(elsewhere.get("/"))
    assert root.get("/").url.path == "/console/"  # another principal's session is untouched


def test_sessions_last_at_most_the_login_session_duration_the_preference_says_now(
    console: ClockedConsole,
) -> None:
    login_name = user_with_console_access(console)
    user = signed_in(console, login_name)
    root = signed_in(console, console.site.account_id, console.site.root_password)
    console.ram_client().set_security_preference(
        ram.SetSecurityPreferenceRequest(login_session_duration=2)
    )
    console.clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert user.get("/").url.path == "/console/"
    console.clock.advance(timedelta(seconds=1))
    expired = user.get("/")
    assert sent_to_sign_in(expired)
    assert "Your session has expired" in expired.text
    # The root is not a RAM user: the preference does not shorten its session.
    assert root.get("/").url.path == "/console/"
    console.clock.advance(timedelta(hours=4))
    assert sent_to_sign_in(root.get("/"))


def test_only_a_session_that_expired_is_told_so(console: ClockedConsole) -> None:
    first_visit = console.browser().get("/")
    assert sent_to_sign_in(first_visit)
    assert "expired" not in first_visit.text
    # A sign-in form left open past its own lifetime held no session either.
    left_open = console.browser()
    left_open.get("/signin")
    console.clock.advance(timedelta(hours=2))
    assert "Your session has expired" not in left_open.get("/users").text
    # Signed out: the cookie is replaced, and nothing has expired.
    root = signed_in(console, console.site.account_id, console.site.root_password)
    signed_out = root.post("/signout", {})
    assert sent_to_sign_in(signed_out)
    assert "Your session has expired" not in root.get("/").text
    # The root's session lasts 6 hours; after that its cookie says it expired.
    root = signed_in(console, console.site.account_id, console.site.root_password)
    console.clock.advance(timedelta(hours=6))
    expired = root.get("/")
    assert sent_to_sign_in(expired)
    assert "Your session has expired. Please sign in again." in expired.text


def test_a_session_from_outside_the_login_network_masks_ends(console: ClockedConsole) -> None:
    login_name = user_with_console_access(console)
    inside = console.browser("127.0.0.2")
    assert inside.sign_in(login_name, PASSWORD).url.path == "/console/"
    outside = signed_in(console, login_name)
    root = signed_in(console, console.site.account_id, console.site.root_password)
    console.ram_client().set_security_preference(
        ram.SetSecurityPreferenceRequest(login_network_masks="127.0.0.2/32")
    )
    refused = outside.get("/")
    assert sent_to_sign_in(refused)
    assert "not allowed" in refused.text
    assert inside.get("/").url.path == "/console/"
    assert root.get("/").url.path == "/console/"  # the root is not held to the masks


def test_a_password_set_through_another_server_ends_the_session_at_once(
    console: ClockedConsole, db_url: str
) -> None:
    """Two servers on one database, as ``--workers`` or a restart make them: what one writes
    ends the sessions the other serves, with nothing cached in between."""
    login_name = user_with_console_access(console)
    browser = signed_in(console, login_name)
    master_key = console.site.server.services.master_key
    with ramsts_server(db_url=db_url, master_key=master_key) as other:
        other_root = other.ram_client(console.root)
        other_root.update_login_profile(
            ram.UpdateLoginProfileRequest(user_name="una", password=NEW_PASSWORD)
        )
    assert sent_to_sign_in(browser.get("/"))


def test_changing_one_s_own_password_through_the_sdk_ends_the_console_sessions(
    console: ClockedConsole,
) -> None:
    login_name = user_with_console_access(console)
    browser = signed_in(console, login_name)
    key = console.ram_client().create_access_key(ram.CreateAccessKeyRequest(user_name="una"))
    made = key.body.access_key
    own = console.ram_client(AccessKey(made.access_key_id, made.access_key_secret))
    own.change_password(ram.ChangePasswordRequest(old_password=PASSWORD, new_password=NEW_PASSWORD))
    assert sent_to_sign_in(browser.get("/"))
