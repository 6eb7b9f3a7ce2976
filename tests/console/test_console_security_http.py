"""The console's sign-in administration over plain HTTP: a user's console access and MFA device,
the account's security settings, a user changing its own password — with CSRF on every form and
a read-only user told why it may not."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from console_site import ConsoleClient, ConsoleSite

from ramsts.ram.totp import decode_base32_seed, totp

PASSWORD = "Console-User-Passw0rd!"
SEED = re.compile(r'<code id="mfa-seed" data-copy-source>([A-Z2-7]+)</code>')


def signed_in_root(client: ConsoleClient, console: ConsoleSite) -> None:
    client.sign_in(console.account_id, console.root_password)


def test_console_access_is_created_changed_and_removed_on_the_user_s_page(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="rita")
    console.ram("SetPasswordPolicy", MinimumPasswordLength="14", RequireSymbols="true")
    signed_in_root(client, console)
    client.get("/users/rita")
    weak = client.post("/users/rita/login-profile", {"operation": "create", "Password": "short1"})
    assert weak.status_code == 400
    assert "InvalidParameter.Password.TooWeak" in weak.text
    assert "at least 14 characters long" in weak.text
    assert 'id="login-title"' in weak.text  # still on the user's page

    made = client.post(
        "/users/rita/login-profile",
        {"operation": "create", "Password": PASSWORD, "PasswordResetRequired": "1"},
    )
    assert "The login profile was saved." in made.text
    profile = console.ram("GetLoginProfile", UserName="rita")["LoginProfile"]
    assert (profile["PasswordResetRequired"], profile["MFABindRequired"]) == (True, False)
    assert PASSWORD not in made.text

    client.post("/users/rita/login-profile", {"operation": "update", "MFABindRequired": "1"})
    profile = console.ram("GetLoginProfile", UserName="rita")["LoginProfile"]
    assert (profile["PasswordResetRequired"], profile["MFABindRequired"]) == (False, True)

    removed = client.post("/users/rita/login-profile", {"operation": "delete"})
    assert "Console access was removed." in removed.text
    assert "Console access is disabled for this user." in removed.text


def test_an_mfa_device_is_created_shown_once_bound_unbound_and_deleted(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="sam")
    signed_in_root(client, console)
    client.get("/users/sam")
    created = client.post("/users/sam/mfa", {"operation": "create", "VirtualMFADeviceName": "sam"})
    shown = SEED.search(created.text)
    assert shown is not None
    assert 'src="data:image/png;base64,' in created.text
    assert SEED.search(client.get("/users/sam").text) is None  # never shown again
    serial = f"acs:ram::{console.account_id}:mfa/sam"

    seed = decode_base32_seed(shown.group(1))
    now = datetime.now(UTC)
    first, second = totp(seed, now - timedelta(seconds=30)), totp(seed, now)
    wrong = client.post(
        "/users/sam/mfa",
        {"operation": "bind", "SerialNumber": serial, "code1": second, "code2": first},
    )
    assert wrong.status_code == 403
    assert "CheckAuthenticationCodeFail" in wrong.text
    assert 'value="bind"' in wrong.text  # the bind form stays for the next codes
    bound = client.post(
        "/users/sam/mfa",
        {"operation": "bind", "SerialNumber": serial, "code1": first, "code2": second},
    )
    assert f"The MFA device {serial} is bound to sam." in bound.text
    assert console.ram("GetUserMFAInfo", UserName="sam")["MFADevice"]["SerialNumber"] == serial

    unbound = client.post("/users/sam/mfa", {"operation": "unbind"})
    assert "was unbound" in unbound.text
    assert f"Delete MFA device {serial}" in unbound.text
    deleted = client.post("/users/sam/mfa", {"operation": "delete", "SerialNumber": serial})
    assert f"The MFA device {serial} was deleted." in deleted.text
    listed = console.ram("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    assert listed == []


def test_security_settings_save_what_the_forms_show(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    signed_in_root(client, console)
    page = client.get("/security")
    assert 'id="MinimumPasswordLength"' in page.text and 'id="LoginNetworkMasks"' in page.text
    client.post(
        "/security/password-policy",
        {
            "MinimumPasswordLength": "12",
            "RequireNumbers": "1",
            "MaxPasswordAge": "90",
            "PasswordReusePrevention": "3",
            "MaxLoginAttemps": "4",
        },
    )
    policy = console.ram("GetPasswordPolicy")["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12
    assert (policy["RequireNumbers"], policy["RequireSymbols"]) == (True, False)
    assert (policy["MaxPasswordAge"], policy["MaxLoginAttemps"]) == (90, 4)

    preference_form = {
        "LoginSessionDuration": "2",
        "LoginNetworkMasks": "10.0.0.0/8",
        "AllowUserToChangePassword": "1",
    }
    saved = client.post("/security/preference", preference_form)
    assert "The security preference was saved." in saved.text
    login = console.ram("GetSecurityPreference")["SecurityPreference"]["LoginProfilePreference"]
    assert (login["LoginSessionDuration"], login["LoginNetworkMasks"]) == (2, "10.0.0.0/8")

    bad = client.post("/security/preference", {**preference_form, "LoginNetworkMasks": "10.0.0/x"})
    assert bad.status_code == 400
    assert "is not a CIDR block" in bad.text
    assert 'value="10.0.0/x"' in bad.text  # what was typed stays in the form
    client.post("/security/preference", {**preference_form, "LoginNetworkMasks": ""})
    login = console.ram("GetSecurityPreference")["SecurityPreference"]["LoginProfilePreference"]
    assert login["LoginNetworkMasks"] == ""


def test_a_ram_user_changes_its_own_password_when_the_preference_allows(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="tess")
    console.ram("CreateLoginProfile", UserName="tess", Password=PASSWORD)
    client.sign_in(f"tess@{console.account_id}", PASSWORD)
    assert "Change password" in client.get("/").text
    client.get("/password")
    differ = client.post(
        "/password",
        {"old_password": PASSWORD, "new_password": "New-Passw0rd-1!", "confirm_password": "x"},
    )
    assert "The new passwords differ." in differ.text
    form = {
        "old_password": PASSWORD,
        "new_password": "New-Passw0rd-1!",
        "confirm_password": "New-Passw0rd-1!",
    }
    changed = client.post("/password", form)
    assert "Your password was changed." in changed.text
    client.sign_in(f"tess@{console.account_id}", "New-Passw0rd-1!")  # it signed the user out

    console.ram("SetSecurityPreference", AllowUserToChangePassword="false")
    client.get("/password")
    refused = client.post(
        "/password",
        {
            **form,
            "old_password": "New-Passw0rd-1!",
            "new_password": "Third-Passw0rd-1!",
            "confirm_password": "Third-Passw0rd-1!",
        },
    )
    assert refused.status_code == 403
    assert "does not let users change passwords" in refused.text
    client.post("/signout", {})
    assert client.sign_in(f"tess@{console.account_id}", "New-Passw0rd-1!").url.path == "/console/"


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/users/uma/login-profile", {"operation": "create", "Password": PASSWORD}),
        ("/users/uma/mfa", {"operation": "create", "VirtualMFADeviceName": "uma"}),
        ("/security/password-policy", {"MinimumPasswordLength": "20", "MaxLoginAttemps": "1"}),
        ("/security/preference", {"LoginSessionDuration": "1"}),
        ("/password", {"old_password": "a", "new_password": "b", "confirm_password": "b"}),
    ],
)
def test_every_new_form_refuses_a_post_without_the_session_token(
    client: ConsoleClient, console: ConsoleSite, path: str, form: dict[str, str]
) -> None:
    console.ram("CreateUser", UserName="uma")
    signed_in_root(client, console)
    forged = client.http.post(f"/console{path}", data=form)
    assert forged.status_code == 403
    assert "This form has expired" in forged.text
    assert console.ram("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"] == []
    assert console.ram("GetPasswordPolicy")["PasswordPolicy"]["MinimumPasswordLength"] == 8
    preference = console.ram("GetSecurityPreference")["SecurityPreference"]
    assert preference["LoginProfilePreference"]["LoginSessionDuration"] == 6


@pytest.mark.parametrize(
    ("path", "form", "action"),
    [
        (
            "/users/vic/login-profile",
            {"operation": "create", "Password": PASSWORD},
            "CreateLoginProfile",
        ),
        (
            "/users/vic/mfa",
            {"operation": "create", "VirtualMFADeviceName": "vic"},
            "CreateVirtualMFADevice",
        ),
        (
            "/security/password-policy",
            {"MinimumPasswordLength": "9", "MaxLoginAttemps": "5"},
            "SetPasswordPolicy",
        ),
        ("/security/preference", {"LoginSessionDuration": "3"}, "SetSecurityPreference"),
    ],
)
def test_a_read_only_user_is_refused_and_told_why(
    client: ConsoleClient, console: ConsoleSite, path: str, form: dict[str, str], action: str
) -> None:
    console.ram("CreateUser", UserName="vic")
    console.ram("CreateUser", UserName="auditor")
    console.ram("CreateLoginProfile", UserName="auditor", Password=PASSWORD)
    console.ram(
        "AttachPolicyToUser",
        UserName="auditor",
        PolicyType="System",
        PolicyName="AliyunRAMReadOnlyAccess",
    )
    client.sign_in(f"auditor@{console.account_id}", PASSWORD)
    page = client.get(path.rsplit("/", 1)[0] if path.startswith("/users") else "/security")
    assert page.status_code == 200
    refused = client.post(path, form)
    assert refused.status_code == 403
    assert "NoPermission" in refused.text
    assert f"ram:{action}" in refused.text
    assert "ImplicitDeny" in refused.text
    assert "None of the policies in force allows this action." in refused.text
