"""Signing in with MFA over plain HTTP: the code step carries a single-use ticket, never the
password, and a user whose login profile requires MFA binds a device on the way in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from console_site import ConsoleClient, ConsoleSite

from ramsts.console.sessions import COOKIE_NAME, SessionCodec
from ramsts.ram.totp import decode_base32_seed, totp

PASSWORD = "Mfa-User-Passw0rd!"
SEED = re.compile(r'<code id="mfa-seed" data-copy-source>([A-Z2-7]+)</code>')


def user_with_device(site: ConsoleSite, name: str) -> bytes:
    site.ram("CreateUser", UserName=name)
    site.ram("CreateLoginProfile", UserName=name, Password=PASSWORD)
    device = site.ram("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = decode_base32_seed(device["Base32StringSeed"])
    first, second = consecutive_codes(seed)
    site.ram(
        "BindMFADevice",
        SerialNumber=device["SerialNumber"],
        UserName=name,
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )
    return seed


def consecutive_codes(seed: bytes) -> tuple[str, str]:
    now = datetime.now(UTC)
    return totp(seed, now - timedelta(seconds=30)), totp(seed, now)


def next_code(seed: bytes) -> str:
    """The code of the coming time step: inside the accepted drift, and later than any code a
    bind or an earlier sign-in just used."""
    return totp(seed, datetime.now(UTC) + timedelta(seconds=30))


def not_a_code(seed: bytes) -> str:
    now = datetime.now(UTC)
    accepted = {totp(seed, now + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def test_the_mfa_step_keeps_a_single_use_ticket_and_no_password(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    seed = user_with_device(console, "mona")
    step = client.sign_in(f"mona@{console.account_id}", PASSWORD)
    assert step.url.path == "/console/signin/mfa"
    cookie = client.http.cookies[COOKIE_NAME]
    codec = SessionCodec(console.server.services.master_key)
    session = codec.open(cookie, datetime.now(UTC))
    assert session is not None and session.stage == "mfa" and session.ticket
    assert PASSWORD not in repr(session) and PASSWORD not in session.ticket

    wrong = client.post("/signin/mfa", {"code": not_a_code(seed)})
    assert wrong.status_code == 401
    assert "The MFA code is not correct." in wrong.text
    step_token = client.csrf
    entered = client.post("/signin/mfa", {"code": next_code(seed)})
    assert entered.url.path == "/console/"
    assert "Welcome, mona." in entered.text

    # The step's cookie, replayed with another code, opens nothing: its ticket is spent.
    client.http.cookies.set(COOKIE_NAME, cookie, path="/console")
    replayed = client.http.post(
        "/console/signin/mfa",
        data={"csrf_token": step_token, "code": totp(seed, datetime.now(UTC))},
    )
    assert replayed.status_code == 401
    assert "This sign-in has expired or was already used; sign in again." in replayed.text


def test_a_user_who_must_use_mfa_binds_a_device_while_signing_in(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="nina")
    console.ram("CreateLoginProfile", UserName="nina", Password=PASSWORD, MFABindRequired="true")
    step = client.sign_in(f"nina@{console.account_id}", PASSWORD)
    assert step.url.path == "/console/signin/mfa-bind"
    assert 'src="data:image/png;base64,' in step.text
    shown = SEED.search(step.text)
    assert shown is not None

    renewed = client.post("/signin/mfa-bind", {"operation": "new-key"})
    latest = SEED.search(renewed.text)
    assert latest is not None and latest.group(1) != shown.group(1)
    seed = decode_base32_seed(latest.group(1))
    first, second = consecutive_codes(seed)
    wrong = client.post("/signin/mfa-bind", {"operation": "bind", "code1": second, "code2": first})
    assert wrong.status_code == 401
    assert "not two consecutive codes" in wrong.text
    assert SEED.search(wrong.text) is None  # the key is shown once

    entered = client.post(
        "/signin/mfa-bind", {"operation": "bind", "code1": first, "code2": second}
    )
    assert entered.url.path == "/console/"
    bound = console.ram("GetUserMFAInfo", UserName="nina")["MFADevice"]
    assert bound["SerialNumber"] == f"acs:ram::{console.account_id}:mfa/nina"

    client.post("/signout", {})
    again = client.sign_in(f"nina@{console.account_id}", PASSWORD)
    assert again.url.path == "/console/signin/mfa"
    assert client.post("/signin/mfa", {"code": next_code(seed)}).url.path == "/console/"


def test_binding_at_sign_in_is_refused_when_users_may_not_manage_mfa_devices(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="otto")
    console.ram("CreateLoginProfile", UserName="otto", Password=PASSWORD, MFABindRequired="true")
    console.ram("SetSecurityPreference", AllowUserToManageMFADevices="false")
    refused = client.sign_in(f"otto@{console.account_id}", PASSWORD)
    assert refused.status_code == 403
    assert "ask an administrator to bind one for you" in refused.text
    assert client.get("/signin/mfa-bind").url.path == "/console/signin"


def test_the_sign_in_steps_refuse_forms_without_their_token(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    seed = user_with_device(console, "pia")
    client.sign_in(f"pia@{console.account_id}", PASSWORD)
    forged = client.http.post("/console/signin/mfa", data={"code": next_code(seed)})
    assert forged.status_code == 403
    assert "This form has expired" in forged.text
