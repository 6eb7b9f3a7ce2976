"""The policy editor in the browser: the user guide's step-4 mistake (``iot:QueryProduct`` on a
role's ARN, which lets nobody assume the role) is warned of while typing and on submit, with a
one-click fix to ``sts:AssumeRole``; *Go to the error* is there only when there is an error;
a refused document's error is shown once, beside the text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WARNING = "nobody could assume the role with this policy"


def on_role(site: ConsoleSite, action: str) -> str:
    resource = f"acs:ram::{site.account_id}:role/iotstsrole"
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "1", "Statement": [statement]}, indent=2)


def stored_actions(site: ConsoleSite, name: str, version: str = "") -> Any:
    if version:
        found = site.ram(
            "GetPolicyVersion", PolicyType="Custom", PolicyName=name, VersionId=version
        )
        document = found["PolicyVersion"]["PolicyDocument"]
    else:
        found = site.ram("GetPolicy", PolicyType="Custom", PolicyName=name)
        document = found["DefaultPolicyVersion"]["PolicyDocument"]
    return json.loads(document)["Statement"][0]["Action"]


def new_policy(page: Any, site: ConsoleSite, name: str, document: str) -> Any:
    """The blank template with ``name`` and ``document`` typed in; the editor."""
    page.goto(f"{site.url}/policies/new?template=blank")
    page.get_by_label("Authorization policy name").fill(name)
    editor = page.get_by_label("Policy content")
    editor.fill(document)
    return editor


def test_the_guide_s_mistake_is_warned_of_while_typing_and_fixed_in_one_click(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    editor = new_policy(page, console, "AssumeIoTRole", on_role(console, "iot:QueryProduct"))
    status = page.locator("[data-editor-status]")
    expect(status.locator('[data-warning="RoleNotAssumable"]')).to_contain_text(WARNING)
    expect(status).not_to_contain_text("The policy is valid.")
    expect(page.get_by_role("button", name="Go to the error")).to_be_hidden()

    page.get_by_role("button", name="Use sts:AssumeRole").click()
    expect(status).to_contain_text("The policy is valid.")
    expect(page.get_by_role("button", name="Use sts:AssumeRole")).to_be_hidden()
    assert json.loads(editor.input_value()) == json.loads(on_role(console, "sts:AssumeRole"))
    page.get_by_role("button", name="Create Authorization Policy").click()
    expect(page.get_by_role("heading", name="AssumeIoTRole")).to_be_visible()
    assert stored_actions(console, "AssumeIoTRole") == "sts:AssumeRole"


def test_on_submit_the_mistake_is_held_back_with_the_fix_or_create_anyway(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    new_policy(page, console, "AssumeIoTRole", on_role(console, "iot:QueryProduct"))
    page.get_by_role("button", name="Create Authorization Policy").click()
    advice = page.get_by_role("alert")
    expect(advice).to_contain_text(WARNING)
    expect(page.get_by_text(WARNING)).to_have_count(1)
    expect(page.get_by_role("button", name="Create anyway")).to_be_visible()
    assert console.ram("ListPolicies", PolicyType="Custom")["Policies"]["Policy"] == []

    page.get_by_role("button", name="Use sts:AssumeRole").click()
    expect(page.locator("[data-editor-status]")).to_contain_text("The policy is valid.")
    page.get_by_role("button", name="Create Authorization Policy").click()
    expect(page.get_by_role("heading", name="AssumeIoTRole")).to_be_visible()
    assert stored_actions(console, "AssumeIoTRole") == "sts:AssumeRole"

    # A new version with the mistake, saved knowingly.
    page.get_by_text("Create a new version").click()
    page.get_by_label("Policy content").fill(on_role(console, "iot:QueryProduct"))
    page.get_by_role("button", name="Create version").click()
    expect(page.get_by_role("alert")).to_contain_text(WARNING)
    page.get_by_role("button", name="Create version anyway").click()
    expect(page.locator("main > .notice")).to_have_text("Version v2 was created.")
    assert stored_actions(console, "AssumeIoTRole", "v2") == "iot:QueryProduct"


def test_go_to_the_error_appears_only_with_an_error_and_errors_show_once(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    trust = console.create_role("iotstsrole")
    page.goto(f"{console.url}/roles/iotstsrole")
    status = page.locator("[data-editor-status]")
    goto = page.get_by_role("button", name="Go to the error")
    expect(status).to_contain_text("The policy is valid.")
    expect(goto).to_be_hidden()

    editor = page.get_by_label("Who may assume this role")
    no_principal = (
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}'
    )
    editor.fill(no_principal)
    expect(status).to_contain_text("a trust policy statement needs a Principal")
    expect(goto).to_be_visible()
    editor.fill(json.dumps(trust))
    expect(status).to_contain_text("The policy is valid.")
    expect(goto).to_be_hidden()

    editor.fill(no_principal)
    page.get_by_role("button", name="Save trust policy").click()
    message = "Invalid policy document at /Statement/0: a trust policy statement needs a Principal."
    expect(page.get_by_role("region", name="Trust policy").get_by_role("alert")).to_contain_text(
        message
    )
    expect(page.get_by_text(message)).to_have_count(1)
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(editor).to_have_value(no_principal)
    goto.click()
    selected = editor.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)")
    assert selected == '{"Effect": "Allow", "Action": "sts:AssumeRole"}'
    # Typing replaces the server's verdict with the live one: still one message.
    editor.press("End")
    editor.type(" ")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(status).to_contain_text("a trust policy statement needs a Principal")
    expect(page.get_by_text("a trust policy statement needs a Principal")).to_have_count(1)
    stored = console.ram("GetRole", RoleName="iotstsrole")["Role"]["AssumeRolePolicyDocument"]
    assert json.loads(stored) == trust
