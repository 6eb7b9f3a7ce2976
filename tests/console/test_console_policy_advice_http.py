"""The policy editor's advice over HTTP: a policy that grants a role ARN only actions other than
``sts:AssumeRole`` (the user guide's step 4 shows ``iot:QueryProduct``) is valid but lets nobody
assume the role. The check as you type says so with the fix; a form sending it is held back
with *Use sts:AssumeRole* and *Create anyway*, and works without the script."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from console_site import ConsoleClient, ConsoleSite

WARNING = "nobody could assume the role with this policy"


def on_role(account_id: str, action: Any, role: str = "iotstsrole") -> str:
    statement = {
        "Effect": "Allow",
        "Action": action,
        "Resource": f"acs:ram::{account_id}:role/{role}",
    }
    return json.dumps({"Version": "1", "Statement": [statement]}, indent=2)


def textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, f"no textarea {element_id}"
    return html.unescape(found.group(1))


def checked(client: ConsoleClient, document: str, kind: str = "identity") -> dict[str, Any]:
    response = client.http.post(
        "/console/api/policy-check",
        json={"document": document, "kind": kind},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    verdict: dict[str, Any] = response.json()
    return verdict


@pytest.fixture
def root(client: ConsoleClient, console: ConsoleSite) -> ConsoleClient:
    client.sign_in(console.account_id, console.root_password)
    return client


def test_the_check_warns_of_a_role_nobody_could_assume_and_gives_the_fix(
    root: ConsoleClient, console: ConsoleSite
) -> None:
    document = on_role(console.account_id, "iot:QueryProduct")
    verdict = checked(root, document)
    assert verdict["valid"] is True
    (warning,) = verdict["warnings"]
    assert warning["code"] == "RoleNotAssumable"
    assert warning["pointer"] == "/Statement/0/Action"
    assert WARNING in warning["message"]
    assert document[warning["start"] : warning["end"]] == '"iot:QueryProduct"'
    assert (warning["line"], warning["column"]) == (6, 17)
    fixed = document[: warning["start"]] + warning["fix"] + document[warning["end"] :]
    assert fixed == on_role(console.account_id, "sts:AssumeRole")
    assert checked(root, fixed)["warnings"] == []


@pytest.mark.parametrize(
    "action",
    ["sts:AssumeRole", "sts:*", "*", ["iot:QueryProduct", "sts:AssumeRole"], "ram:GetRole"],
)
def test_no_warning_when_the_role_can_be_assumed_or_is_managed(
    root: ConsoleClient, console: ConsoleSite, action: Any
) -> None:
    assert checked(root, on_role(console.account_id, action))["warnings"] == []


def test_no_warning_on_other_resources_and_none_for_trust_policies(
    root: ConsoleClient, console: ConsoleSite
) -> None:
    anywhere = {"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}
    assert checked(root, json.dumps({"Version": "1", "Statement": [anywhere]}))["warnings"] == []
    trust = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"RAM": ["acs:ram::1:root"]},
    }
    assert "warnings" not in checked(
        root, json.dumps({"Version": "1", "Statement": [trust]}), "trust"
    )


def test_a_form_with_the_mistake_is_held_back_then_fixed_without_the_script(
    root: ConsoleClient, console: ConsoleSite
) -> None:
    mistaken = on_role(console.account_id, ["iot:QueryProduct", "iot:ListProduct"])
    form = {"PolicyName": "AssumeIoTRole", "PolicyDocument": mistaken}
    root.get("/policies/new?template=blank")
    held = root.post("/policies/new", form)
    assert held.status_code == 200
    assert held.text.count(WARNING) == 1
    assert "Create anyway" in held.text
    assert console.ram("ListPolicies", PolicyType="Custom")["Policies"]["Policy"] == []

    fixed = root.post("/policies/new", {**form, "operation": "fix"})
    assert WARNING not in fixed.text
    assert "The policy is valid." in fixed.text
    assert console.ram("ListPolicies", PolicyType="Custom")["Policies"]["Policy"] == []
    fixed_document = textarea(fixed.text, "policy-document")
    assert json.loads(fixed_document) == json.loads(on_role(console.account_id, "sts:AssumeRole"))

    created = root.post("/policies/new", {**form, "PolicyDocument": fixed_document})
    assert created.url.path == "/console/policies/Custom/AssumeIoTRole"
    stored = console.ram("GetPolicy", PolicyType="Custom", PolicyName="AssumeIoTRole")
    assert json.loads(stored["DefaultPolicyVersion"]["PolicyDocument"]) == json.loads(
        fixed_document
    )


def test_create_anyway_saves_the_policy_as_typed(root: ConsoleClient, console: ConsoleSite) -> None:
    mistaken = on_role(console.account_id, "iot:QueryProduct")
    root.get("/policies/new?template=blank")
    created = root.post(
        "/policies/new",
        {"PolicyName": "AsTyped", "PolicyDocument": mistaken, "accept_warnings": "1"},
    )
    assert created.url.path == "/console/policies/Custom/AsTyped"


def test_a_new_version_with_the_mistake_is_held_back_too(
    root: ConsoleClient, console: ConsoleSite
) -> None:
    console.ram(
        "CreatePolicy",
        PolicyName="AssumeIoTRole",
        PolicyDocument=on_role(console.account_id, "sts:AssumeRole"),
    )
    root.get("/policies/Custom/AssumeIoTRole")
    form = {"PolicyDocument": on_role(console.account_id, "iot:QueryProduct")}
    held = root.post("/policies/Custom/AssumeIoTRole/versions", form)
    assert held.text.count(WARNING) == 1
    assert "Create version anyway" in held.text
    assert '<details class="new-version" open>' in held.text
    versions = console.ram("ListPolicyVersions", PolicyType="Custom", PolicyName="AssumeIoTRole")
    assert len(versions["PolicyVersions"]["PolicyVersion"]) == 1
    fixed = root.post("/policies/Custom/AssumeIoTRole/versions", {**form, "operation": "fix"})
    assert "The policy is valid." in fixed.text
    accepted = root.post(
        "/policies/Custom/AssumeIoTRole/versions",
        {**form, "accept_warnings": "1", "SetAsDefault": "1"},
    )
    assert accepted.url.params["version"] == "v2"
