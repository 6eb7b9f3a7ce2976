"""Create User with console access over HTTP: all or nothing. A password the account's policy
refuses leaves no user behind, whether the console could check it first or only the login
profile refused it; the one error is shown once."""

from __future__ import annotations

import json

from console_site import ConsoleClient, ConsoleSite

PASSWORD = "Users-Http-Passw0rd!"
TOO_WEAK = "The password does not meet the password policy"


def user_names(console: ConsoleSite) -> list[str]:
    return [u["UserName"] for u in console.ram("ListUsers")["Users"]["User"]]


def administrator(console: ConsoleSite, name: str, *actions: str) -> str:
    """A RAM user allowed ``actions`` (and nothing else) on every resource, signed in with
    :data:`PASSWORD`."""
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    console.ram("CreatePolicy", PolicyName=f"{name}-policy", PolicyDocument=json.dumps(document))
    console.ram("CreateUser", UserName=name)
    console.ram("CreateLoginProfile", UserName=name, Password=PASSWORD)
    console.ram(
        "AttachPolicyToUser", UserName=name, PolicyType="Custom", PolicyName=f"{name}-policy"
    )
    return f"{name}@{console.account_id}"


def create_with_console_access(client: ConsoleClient, name: str, password: str) -> str:
    client.get("/users/new")
    refused = client.post(
        "/users/new",
        {"UserName": name, "DisplayName": "New", "console_access": "1", "Password": password},
    )
    return refused.text if refused.status_code >= 400 else ""


def test_a_password_the_policy_refuses_leaves_no_user_behind(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("SetPasswordPolicy", MinimumPasswordLength="14", RequireSymbols="true")
    client.sign_in(console.account_id, console.root_password)
    page = create_with_console_access(client, "dora", "Short-1")
    assert "InvalidParameter.Password.TooWeak" in page
    assert page.count(TOO_WEAK) == 1
    assert 'value="dora"' in page  # the form is kept, the password is not
    assert "Short-1" not in page
    assert user_names(console) == []

    assert create_with_console_access(client, "dora", "Long-enough-passw0rd!") == ""
    assert console.ram("GetLoginProfile", UserName="dora")["LoginProfile"]["UserName"] == "dora"


def test_an_empty_password_is_refused_before_the_user_is_created(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    page = create_with_console_access(client, "erin", "")
    assert "MissingParameter" in page
    assert user_names(console) == []


def test_a_login_profile_refused_after_the_user_was_created_removes_the_user(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    # Not allowed GetPasswordPolicy: the console cannot check first, CreateLoginProfile refuses.
    console.ram("SetPasswordPolicy", MinimumPasswordLength="14")
    login = administrator(
        console, "admin", "ram:CreateUser", "ram:CreateLoginProfile", "ram:DeleteUser"
    )
    client.sign_in(login, PASSWORD)
    page = create_with_console_access(client, "fred", "Short-Pass1")
    assert page.count(TOO_WEAK) == 1
    assert "was created without console access" not in page
    assert user_names(console) == ["admin"]


def test_a_user_that_cannot_be_removed_again_is_named_in_the_error(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("SetPasswordPolicy", MinimumPasswordLength="14")
    login = administrator(console, "maker", "ram:CreateUser", "ram:CreateLoginProfile")
    client.sign_in(login, PASSWORD)
    page = create_with_console_access(client, "gus", "Short-Pass1")
    assert page.count(TOO_WEAK) == 1
    assert "The user gus was created without console access and could not be deleted" in page
    assert sorted(user_names(console)) == ["gus", "maker"]
