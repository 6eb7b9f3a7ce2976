"""Create User with console access (and an AccessKey) over HTTP: one transaction, all or
nothing. A password the account's policy refuses, or a part the principal may not create,
leaves no user behind — even for a principal that could not delete it again; the one error is
shown once."""

from __future__ import annotations

import httpx
from console_site import ConsoleClient, ConsoleSite

PASSWORD = "Users-Http-Passw0rd!"
TOO_WEAK = "The password does not meet the password policy"


def user_names(console: ConsoleSite) -> list[str]:
    return [u["UserName"] for u in console.ram("ListUsers")["Users"]["User"]]


def administrator(console: ConsoleSite, name: str, *actions: str) -> str:
    return console.administrator(name, PASSWORD, *actions)


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


def test_a_principal_that_could_not_delete_the_user_again_still_leaves_none_behind(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("SetPasswordPolicy", MinimumPasswordLength="14")
    login = administrator(console, "maker", "ram:CreateUser", "ram:CreateLoginProfile")
    client.sign_in(login, PASSWORD)
    page = create_with_console_access(client, "gus", "Short-Pass1")
    assert page.count(TOO_WEAK) == 1
    assert user_names(console) == ["maker"]


def create_with_both_accesses(
    client: ConsoleClient, name: str, groups: list[str] | None = None
) -> httpx.Response:
    client.get("/users/new")
    form = {"UserName": name, "console_access": "1", "Password": PASSWORD, "openapi_access": "1"}
    return client.post("/users/new", {**form, "GroupName": groups or []})


def test_openapi_access_shows_the_new_secret_once_on_the_user_s_page(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    created = create_with_both_accesses(client, "hana")
    assert created.status_code == 200
    assert "User hana was created." in created.text
    keys = console.ram("ListAccessKeys", UserName="hana")["AccessKeys"]["AccessKey"]
    assert len(keys) == 1
    assert keys[0]["AccessKeyId"] in created.text
    assert "It is shown this once" in created.text
    assert console.ram("GetLoginProfile", UserName="hana")["LoginProfile"]["UserName"] == "hana"
    assert "It is shown this once" not in client.get("/users/hana").text


def test_an_access_key_the_principal_may_not_create_undoes_the_user_and_its_login_profile(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    login = administrator(console, "hr", "ram:CreateUser", "ram:CreateLoginProfile")
    client.sign_in(login, PASSWORD)
    refused = create_with_both_accesses(client, "ivan")
    assert refused.status_code == 403
    assert "ram:CreateAccessKey" in refused.text
    assert 'value="ivan"' in refused.text
    assert user_names(console) == ["hr"]


def test_a_group_the_principal_may_not_join_it_to_undoes_the_whole_user(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram("CreateGroup", GroupName="ops")
    console.ram("CreateGroup", GroupName="dev")
    login = administrator(
        console, "hr", "ram:CreateUser", "ram:CreateLoginProfile", "ram:CreateAccessKey"
    )
    client.sign_in(login, PASSWORD)
    assert "Add to groups" not in client.get("/users/new").text  # hr may not list groups
    refused = create_with_both_accesses(client, "jan", ["ops"])
    assert refused.status_code == 403
    assert "ram:AddUserToGroup" in refused.text
    assert user_names(console) == ["hr"]

    root = ConsoleClient(console)
    root.sign_in(console.account_id, console.root_password)
    page = root.get("/users/new").text
    assert '<option value="dev">' in page and '<option value="ops">' in page
    assert create_with_both_accesses(root, "jan", ["ops", "dev"]).status_code == 200
    root.http.close()
    joined = console.ram("ListGroupsForUser", UserName="jan")["Groups"]["Group"]
    assert sorted(group["GroupName"] for group in joined) == ["dev", "ops"]
