"""The console over plain HTTP: sessions, CSRF, headers, sign-in steps and lockout."""

from __future__ import annotations

from console_site import ConsoleClient, ConsoleSite


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    response = client.get("/users")
    assert response.url.path == "/console/signin"
    assert response.url.params["next"] == "/console/users"
    signed_in = client.post(
        "/signin",
        {
            "login_name": console.account_id,
            "password": console.root_password,
            "next": "/console/users",
        },
    )
    assert signed_in.url.path == "/console/users"
    assert "Welcome, root of" in signed_in.text


def test_session_cookies_are_http_only_same_site_lax_and_scoped_to_the_console(
    client: ConsoleClient,
) -> None:
    response = client.http.get("/console/signin")
    cookie = response.headers["set-cookie"]
    assert "ramsts_console=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over TLS the cookie is Secure


def test_every_console_page_forbids_caching_and_framing(client: ConsoleClient) -> None:
    response = client.get("/signin")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_a_form_without_the_session_csrf_token_changes_nothing(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    forged = client.http.post("/console/users/new", data={"UserName": "mallory"})
    assert forged.status_code == 403
    assert "This form has expired" in forged.text
    assert console.ram("ListUsers")["Users"]["User"] == []


def test_the_sign_in_token_is_replaced_once_signed_in(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.get("/signin")
    before = client.csrf
    client.post("/signin", {"login_name": console.account_id, "password": console.root_password})
    assert client.csrf and client.csrf != before
    stale = client.http.post("/console/users/new", data={"csrf_token": before, "UserName": "x"})
    assert stale.status_code == 403


def test_after_sign_in_only_console_pages_are_followed(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.get("/signin")
    response = client.post(
        "/signin",
        {
            "login_name": console.account_id,
            "password": console.root_password,
            "next": "https://attacker.example/console/",
        },
    )
    assert response.url.host == "127.0.0.1"
    assert response.url.path == "/console/"


def test_signing_out_ends_the_session(client: ConsoleClient, console: ConsoleSite) -> None:
    client.sign_in(console.account_id, console.root_password)
    signed_out = client.post("/signout", {})
    assert "You have signed out." in signed_out.text
    assert client.get("/roles").url.path == "/console/signin"


def test_repeated_wrong_passwords_lock_sign_in(client: ConsoleClient, console: ConsoleSite) -> None:
    for _ in range(5):
        refused = client.sign_in(console.account_id, "wrong-password")
        assert refused.status_code == 401
    locked = client.sign_in(console.account_id, console.root_password)
    assert locked.status_code == 429
    assert "Too many failed sign-ins; try again later." in locked.text


def test_a_user_who_must_change_the_password_does_so_before_entering(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="dave")
    console.ram(
        "CreateLoginProfile",
        UserName="dave",
        Password="First-Passw0rd!",
        PasswordResetRequired="true",
    )
    step = client.sign_in(f"dave@{console.account_id}", "First-Passw0rd!")
    assert step.url.path == "/console/signin/password"
    assert client.get("/users").url.path == "/console/signin"  # not signed in yet
    client.get("/signin/password")
    differ = client.post(
        "/signin/password",
        {"old_password": "First-Passw0rd!", "new_password": "a", "confirm_password": "b"},
    )
    assert "The passwords differ." in differ.text
    entered = client.post(
        "/signin/password",
        {
            "old_password": "First-Passw0rd!",
            "new_password": "Second-Passw0rd!",
            "confirm_password": "Second-Passw0rd!",
        },
    )
    assert entered.url.path == "/console/"
    assert "Welcome, dave." in entered.text
    profile = console.ram("GetLoginProfile", UserName="dave")["LoginProfile"]
    assert profile["PasswordResetRequired"] is False


def test_the_policy_check_answers_with_the_engine_s_pointer(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    document = (
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "iot", "Resource": "*"}]}'
    )
    verdict = client.http.post(
        "/console/api/policy-check",
        json={"document": document, "kind": "identity"},
        headers={"X-CSRF-Token": client.csrf},
    ).json()
    assert verdict["valid"] is False
    assert verdict["code"] == "MalformedPolicyDocument"
    assert verdict["pointer"] == "/Statement/0/Action"
    assert document[verdict["start"] : verdict["end"]] == '"iot"'
    without_token = client.http.post(
        "/console/api/policy-check", json={"document": document, "kind": "identity"}
    )
    assert without_token.status_code == 403


def test_the_simulator_names_the_deciding_statement(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateUser", UserName="erin")
    console.ram(
        "CreatePolicy",
        PolicyName="DenyDeletes",
        PolicyDocument='{"Version": "1", "Statement": ['
        '{"Effect": "Allow", "Action": "oss:*", "Resource": "*"},'
        '{"Sid": "NoDelete", "Effect": "Deny", "Action": "oss:DeleteObject", "Resource": "*"}]}',
    )
    console.ram(
        "AttachPolicyToUser", UserName="erin", PolicyType="Custom", PolicyName="DenyDeletes"
    )
    client.sign_in(console.account_id, console.root_password)
    query = {"principal_type": "User", "principal_name": "erin", "resource": "acs:oss:*:*:b/k"}
    denied = client.get("/simulator", params={**query, "action": "oss:DeleteObject"})
    assert 'data-decision="ExplicitDeny"' in denied.text
    assert "statement 1 (Sid NoDelete)" in denied.text
    allowed = client.get("/simulator", params={**query, "action": "oss:GetObject"})
    assert 'data-decision="Allow"' in allowed.text
    assert "statement 0" in allowed.text
    nothing = client.get("/simulator", params={**query, "action": "ecs:StartInstance"})
    assert 'data-decision="ImplicitDeny"' in nothing.text
