"""Every console page as a person clicks through it in the browser: groups, users (with and
without console access, AccessKeys), roles (the wizard, Authorize, the trust policy) and
policies (versions, default, delete). Each step is checked in what the page shows and in what
RAM then holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_site import ConsoleSite, nav
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

READ_ONLY = "AliyunRAMReadOnlyAccess"


def notice(page: Any) -> Any:
    return page.locator("main > .notice")


def authorize(page: Any, value: str) -> None:
    """Open the Authorize dialog, move ``value`` (``System:<name>``) to the selected list, OK."""
    page.get_by_role("link", name="Authorize", exact=True).click()
    dialog = page.get_by_role("dialog", name="Authorize")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Available Authorization Policy Name").select_option(value)
    dialog.get_by_role("button", name="Add the chosen policies to the selected list").click()
    chosen = dialog.get_by_label("Selected Authorization Policy Name").locator("option")
    expect(chosen).to_have_count(1)
    expect(chosen).to_have_attribute("value", value)
    dialog.get_by_role("button", name="OK").click()


def detach_read_only(page: Any, entity: str) -> None:
    page.get_by_role("region", name="Permissions").get_by_role(
        "button", name=f"Detach {READ_ONLY}"
    ).click()
    expect(notice(page)).to_have_text(f"Detached {READ_ONLY} from {entity}.")


def refused(page: Any, button: str, code: str) -> None:
    """Click ``button``, see the error page with ``code``, and go back."""
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", name="That did not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(code)
    page.get_by_role("link", name="Go back").click()


def user_role_wizard(page: Any, name: str, trusted_account: str) -> None:
    nav(page, "Roles")
    page.get_by_role("link", name="Create Role").click()
    page.get_by_label("User Role").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Other Alibaba Cloud account").check()
    page.get_by_label("Account ID").fill(trusted_account)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Role name").fill(name)
    page.get_by_label("Description").fill("For the partner")
    page.get_by_label("Maximum session duration (seconds)").fill("7200")
    page.get_by_role("button", name="Create").click()


def test_a_group_is_created_given_members_and_permissions_then_deleted(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    console.ram("CreateUser", UserName="alice")
    nav(page, "Groups")
    expect(page.get_by_text("No groups yet.")).to_be_visible()
    page.get_by_label("Group name").fill("operators")
    page.get_by_label("Comments").fill("On-call engineers")
    page.get_by_role("button", name="Create Group").click()
    expect(page.get_by_role("heading", name="operators")).to_be_visible()
    expect(notice(page)).to_have_text("Group operators was created.")

    nav(page, "Groups")
    expect(page.get_by_role("row", name="operators On-call engineers")).to_be_visible()
    page.get_by_label("Group name").fill("operators")
    page.get_by_role("button", name="Create Group").click()
    expect(page.get_by_role("alert")).to_contain_text("EntityAlreadyExists.Group")
    expect(page.get_by_label("Group name")).to_have_value("operators")
    page.get_by_role("link", name="operators").click()

    page.get_by_label("Add member").fill("alice")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(notice(page)).to_have_text("alice joined operators.")
    members = page.get_by_role("region", name="Members")
    expect(members.get_by_role("link", name="alice")).to_be_visible()

    authorize(page, f"System:{READ_ONLY}")
    expect(notice(page)).to_have_text(f"Authorized with {READ_ONLY}.")
    permissions = page.get_by_role("region", name="Permissions")
    expect(permissions.get_by_role("link", name=READ_ONLY)).to_be_visible()
    listed = console.ram("ListPoliciesForGroup", GroupName="operators")["Policies"]["Policy"]
    assert [p["PolicyName"] for p in listed] == [READ_ONLY]

    refused(page, "Delete group", "DeleteConflict.Group.User")
    detach_read_only(page, "operators")
    expect(permissions).to_contain_text("No policy is attached.")
    members.get_by_role("button", name="Remove alice").click()
    expect(notice(page)).to_have_text("alice left operators.")
    expect(members).to_contain_text("No members.")

    page.get_by_role("button", name="Delete group").click()
    expect(notice(page)).to_have_text("Group operators was deleted.")
    expect(page.get_by_text("No groups yet.")).to_be_visible()
    assert console.ram("ListGroups")["Groups"]["Group"] == []


def test_users_are_created_with_and_without_console_access_given_keys_and_deleted(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    console.ram("CreateGroup", GroupName="operators")
    console.ram("SetPasswordPolicy", MinimumPasswordLength="12", RequireSymbols="true")
    nav(page, "Users")
    expect(page.get_by_text("No users yet.")).to_be_visible()

    # A password the policy refuses: one error, the form as typed, and no user behind.
    page.get_by_role("link", name="Create User").click()
    page.get_by_label("Logon name").fill("carol")
    page.get_by_label("Display name").fill("Carol")
    expect(page.get_by_label("Password", exact=True)).to_be_hidden()
    page.get_by_label("Console access (sign in with a password)").check()
    page.get_by_label("Password", exact=True).fill("short1")
    page.get_by_role("button", name="Create", exact=True).click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("InvalidParameter.Password.TooWeak")
    expect(problem).to_contain_text("it must be at least 12 characters long")
    expect(page.get_by_text("does not meet the password policy")).to_have_count(1)
    expect(page.get_by_label("Logon name")).to_have_value("carol")
    expect(page.get_by_label("Display name")).to_have_value("Carol")
    assert console.ram("ListUsers")["Users"]["User"] == []

    page.get_by_label("Console access (sign in with a password)").check()
    page.get_by_label("Password", exact=True).fill("Carol-Passw0rd!")
    page.get_by_label("Require a new password at the next sign-in").check()
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="carol")).to_be_visible()
    expect(notice(page)).to_have_text("User carol was created.")
    access = page.get_by_role("region", name="Console access")
    expect(access).to_contain_text("Enabled")
    expect(access).to_contain_text(f"carol@{console.account_id}")
    profile = console.ram("GetLoginProfile", UserName="carol")["LoginProfile"]
    assert profile["PasswordResetRequired"] is True

    nav(page, "Users")
    page.get_by_role("link", name="Create User").click()
    page.get_by_label("Logon name").fill("bob")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="bob")).to_be_visible()
    expect(page.get_by_role("region", name="Console access")).to_contain_text(
        "Console access is disabled for this user."
    )

    # AccessKeys: the secret once, then disable, enable, delete.
    keys = page.get_by_role("region", name="AccessKeys")
    page.get_by_role("button", name="Create AccessKey").click()
    created = page.get_by_role("region", name="AccessKey created")
    expect(created).to_contain_text("It is shown this once")
    key_id = page.locator("#new-access-key-id").inner_text().strip()
    secret = page.locator("#new-access-key-secret").inner_text().strip()
    page.goto(f"{console.url}/users/bob")
    expect(keys.get_by_role("row", name=key_id)).to_contain_text("Active")
    assert secret not in page.content()
    keys.get_by_role("button", name="Disable").click()
    expect(notice(page)).to_have_text(f"AccessKey {key_id} is now Inactive.")
    expect(keys.get_by_role("row", name=key_id)).to_contain_text("Inactive")
    keys.get_by_role("button", name="Enable").click()
    expect(notice(page)).to_have_text(f"AccessKey {key_id} is now Active.")
    keys.get_by_role("button", name=f"Delete AccessKey {key_id}").click()
    expect(notice(page)).to_have_text(f"AccessKey {key_id} was deleted.")
    expect(keys).to_contain_text("No AccessKey.")

    # Groups and permissions from the user's side.
    page.get_by_label("Add to group").fill("operators")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(notice(page)).to_have_text("bob joined group operators.")
    authorize(page, f"System:{READ_ONLY}")
    expect(notice(page)).to_have_text(f"Authorized with {READ_ONLY}.")
    refused(page, "Delete user", "DeleteConflict.User.Group")
    page.get_by_role("button", name="Remove bob from operators").click()
    expect(notice(page)).to_have_text("bob left group operators.")
    detach_read_only(page, "bob")

    page.get_by_role("button", name="Delete user").click()
    expect(notice(page)).to_have_text("User bob was deleted.")
    expect(page.get_by_role("link", name="bob")).to_have_count(0)
    expect(page.get_by_role("link", name="carol")).to_be_visible()


def test_roles_are_created_by_the_wizard_authorized_trusted_and_deleted(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    nav(page, "Roles")
    expect(page.get_by_text("No roles yet.")).to_be_visible()

    # A Service Role trusted by ECS.
    page.get_by_role("link", name="Create Role").click()
    page.get_by_label("Service Role").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Select trusted service").fill("ecs.aliyuncs.com")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Trusted entity: service ecs.aliyuncs.com")).to_be_visible()
    page.get_by_label("Role name").fill("ecsrole")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Role ecsrole created")).to_be_visible()
    trust = json.loads(
        console.ram("GetRole", RoleName="ecsrole")["Role"]["AssumeRolePolicyDocument"]
    )
    assert trust["Statement"][0]["Principal"] == {"Service": ["ecs.aliyuncs.com"]}
    page.get_by_role("link", name="Close").click()

    # A User Role trusted by another account, authorized from the wizard's last page.
    other = "1234567890123456"
    user_role_wizard(page, "partnerrole", other)
    expect(page.get_by_role("heading", name="Role partnerrole created")).to_be_visible()
    arn = page.locator("#role-arn").inner_text().strip()
    assert arn == f"acs:ram::{console.account_id}:role/partnerrole"
    page.get_by_role("link", name="Authorize").click()
    dialog = page.get_by_role("dialog", name="Authorize")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Filter available policies").fill("RAMReadOnly")
    expect(dialog.get_by_role("option", name="AliyunNLBReadOnlyAccess (System)")).to_be_hidden()
    dialog.get_by_role("option", name=f"{READ_ONLY} (System)").dblclick()
    dialog.get_by_role("button", name="OK").click()
    expect(notice(page)).to_have_text(f"Authorized with {READ_ONLY}.")
    # The same name again is refused on the wizard's last step, which keeps what was typed.
    user_role_wizard(page, "partnerrole", other)
    expect(page.get_by_role("alert")).to_contain_text("EntityAlreadyExists.Role")
    expect(page.get_by_label("Role name")).to_have_value("partnerrole")
    role = console.ram("GetRole", RoleName="partnerrole")["Role"]
    assert json.loads(role["AssumeRolePolicyDocument"])["Statement"][0]["Principal"] == {
        "RAM": [f"acs:ram::{other}:root"]
    }
    assert role["MaxSessionDuration"] == 7200

    # The role's page: settings, the trust policy editor, detach, delete.
    nav(page, "Roles")
    page.get_by_role("link", name="Manage partnerrole").click()
    page.get_by_label("Description").fill("For the partner, read-only")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(notice(page)).to_have_text("Role partnerrole was saved.")
    expect(page.get_by_label("Description")).to_have_value("For the partner, read-only")

    editor = page.get_by_label("Who may assume this role")
    expect(page.locator("[data-editor-status]")).to_contain_text("The policy is valid.")
    mine = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{console.account_id}:root"]},
            }
        ],
    }
    editor.fill(json.dumps(mine, indent=2))
    page.get_by_role("button", name="Save trust policy").click()
    expect(notice(page)).to_have_text("The trust policy was saved.")
    stored = console.ram("GetRole", RoleName="partnerrole")["Role"]["AssumeRolePolicyDocument"]
    assert json.loads(stored) == mine

    refused(page, "Delete role", "DeleteConflict.Role.Policy")
    detach_read_only(page, "partnerrole")
    page.get_by_role("button", name="Delete role").click()
    expect(notice(page)).to_have_text("Role partnerrole was deleted.")
    expect(page.get_by_role("link", name="partnerrole", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="ecsrole", exact=True)).to_be_visible()


def test_a_policy_is_created_searched_versioned_and_deleted(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    first = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "oss:Get*", "Resource": "*"}],
    }
    second = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}],
    }
    nav(page, "Policies")
    page.get_by_role("link", name="Create Authorization Policy").click()
    page.get_by_role("link", name="Blank template").click()
    page.get_by_label("Authorization policy name").fill("OssReader")
    page.get_by_label("Description").fill("Reads OSS")
    page.get_by_label("Policy content").fill(json.dumps(first, indent=2))
    expect(page.locator("[data-editor-status]")).to_contain_text("The policy is valid.")
    page.get_by_role("button", name="Create Authorization Policy").click()
    expect(page.get_by_role("heading", name="OssReader")).to_be_visible()
    expect(notice(page)).to_have_text("Policy OssReader was created.")

    nav(page, "Policies")
    page.get_by_label("Type").select_option("Custom")
    page.get_by_label("Search").fill("reads oss")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="OssReader")).to_be_visible()
    expect(page.get_by_role("link", name=READ_ONLY)).to_have_count(0)
    page.get_by_label("Search").fill("nothing like it")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No policy matches.")).to_be_visible()
    page.get_by_label("Type").select_option("System")
    page.get_by_label("Search").fill(READ_ONLY)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=READ_ONLY).click()
    expect(page.get_by_role("button", name="Delete policy")).to_have_count(0)
    expect(page.locator(".code-block")).to_contain_text("ram:Get*")

    page.goto(f"{console.url}/policies/Custom/OssReader")
    page.get_by_label("Description").fill("Reads and writes OSS")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(notice(page)).to_have_text("The description was saved.")

    page.get_by_text("Create a new version").click()
    page.get_by_label("Policy content").fill(json.dumps(second, indent=2))
    expect(page.locator("[data-editor-status]")).to_contain_text("The policy is valid.")
    page.get_by_role("button", name="Create version").click()
    expect(notice(page)).to_have_text("Version v2 was created.")
    expect(page.get_by_role("heading", name="Policy document")).to_contain_text("v2 · default")
    expect(page.locator(".code-block")).to_contain_text('"oss:*"')

    versions = page.get_by_role("region", name="Versions")
    versions.get_by_role("link", name="v1").click()
    expect(page.get_by_role("heading", name="Policy document")).to_contain_text("v1")
    expect(page.locator(".code-block")).to_contain_text('"oss:Get*"')
    versions.get_by_role("button", name="Set as default").click()
    expect(notice(page)).to_have_text("v1 is now the default.")
    got = console.ram("GetPolicy", PolicyType="Custom", PolicyName="OssReader")["Policy"]
    assert got["DefaultVersion"] == "v1"
    versions.get_by_role("button", name="Delete version v2").click()
    expect(notice(page)).to_have_text("Version v2 was deleted.")
    expect(versions.get_by_role("link", name="v2")).to_have_count(0)

    page.get_by_role("button", name="Delete policy").click()
    expect(notice(page)).to_have_text("Policy OssReader was deleted.")
    expect(page.get_by_role("link", name="OssReader")).to_have_count(0)
