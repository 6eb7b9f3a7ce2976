"""Custom and system policies (spec api.md §9.3 "Policies and versions")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.quotas import Quotas
from ramsts.ram.service import RamService
from ramsts.ram.system_policies import load_system_policies
from ramsts.store import Account

DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

IOT_READ_ONLY = {
    "Version": "1",
    "Statement": [
        {"Action": "ram:ListRoles", "Effect": "Allow", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["iot:Query*", "iot:List*", "iot:Get*", "iot:BatchGet*"],
            "Resource": "*",
        },
    ],
}


def fails(call: Callable[[], object]) -> RamstsError:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value


def create(actions: Any, root: Caller, name: str = "IoTReadOnly", **extra: str) -> dict:
    return actions.call(
        root, "CreatePolicy", PolicyName=name, PolicyDocument=json.dumps(IOT_READ_ONLY), **extra
    )["Policy"]


def test_create_policy_answers_a_custom_policy_at_v1(ram_actions: Any, root: Caller) -> None:
    policy = create(ram_actions, root, Description="Read-only permission of IoT resources")
    assert policy["PolicyName"] == "IoTReadOnly"
    assert policy["PolicyType"] == "Custom"
    assert policy["DefaultVersion"] == "v1"
    assert policy["Description"] == "Read-only permission of IoT resources"
    assert DATE.fullmatch(policy["CreateDate"])


def test_get_policy_answers_the_policy_and_its_default_version(
    ram_actions: Any, root: Caller
) -> None:
    create(ram_actions, root)
    body = ram_actions.call(root, "GetPolicy", PolicyName="IoTReadOnly", PolicyType="Custom")
    assert body["Policy"]["AttachmentCount"] == 0
    assert json.loads(body["Policy"]["PolicyDocument"]) == IOT_READ_ONLY
    assert body["DefaultPolicyVersion"]["VersionId"] == "v1"
    assert body["DefaultPolicyVersion"]["IsDefaultVersion"] is True
    assert DATE.fullmatch(body["Policy"]["UpdateDate"])


@pytest.mark.parametrize("policy_type", [None, "custom", "Managed"])
def test_get_policy_requires_a_valid_policy_type(
    ram_actions: Any, root: Caller, policy_type: str | None
) -> None:
    create(ram_actions, root)
    params = {"PolicyName": "IoTReadOnly"}
    if policy_type is not None:
        params["PolicyType"] = policy_type
    error = fails(lambda: ram_actions.call(root, "GetPolicy", **params))
    assert error.code == "InvalidParameter.PolicyType"


def test_system_policies_are_readable_by_every_account(ram_actions: Any, root: Caller) -> None:
    body = ram_actions.call(
        root, "GetPolicy", PolicyName="AdministratorAccess", PolicyType="System"
    )
    assert body["Policy"]["PolicyType"] == "System"
    assert json.loads(body["Policy"]["PolicyDocument"])["Statement"][0]["Action"] == "*"


def test_system_policies_cannot_be_changed_or_deleted(ram_actions: Any, root: Caller) -> None:
    attempts = {
        "DeletePolicy": {},
        "UpdatePolicyDescription": {"NewDescription": "mine now"},
        "CreatePolicyVersion": {"PolicyDocument": json.dumps(IOT_READ_ONLY)},
    }
    for action, extra in attempts.items():
        with pytest.raises(RamstsError) as raised:
            ram_actions.call(root, action, PolicyName="ReadOnlyAccess", **extra)
        assert raised.value.code == "EntityNotExist.Policy"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"PolicyName": "under_score"}, "InvalidParameter.PolicyName.InvalidChars"),
        ({"PolicyName": "p" * 129}, "InvalidParameter.PolicyName.Length"),
        ({"Description": "d" * 1025}, "InvalidParameter.Description.Length"),
        ({"PolicyDocument": '{"Version":"1"}'}, "MalformedPolicyDocument"),
    ],
)
def test_create_policy_refuses_bad_parameters(
    ram_actions: Any, root: Caller, params: dict[str, str], code: str
) -> None:
    given = {"PolicyName": "p", "PolicyDocument": json.dumps(IOT_READ_ONLY), **params}
    assert fails(lambda: ram_actions.call(root, "CreatePolicy", **given)).code == code
    listed = ram_actions.call(root, "ListPolicies", PolicyType="Custom")
    assert listed["Policies"]["Policy"] == []


def test_a_malformed_document_is_refused_with_a_pointer_to_the_place(
    ram_actions: Any, root: Caller
) -> None:
    document = {"Version": "1", "Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}
    error = fails(
        lambda: ram_actions.call(
            root, "CreatePolicy", PolicyName="p", PolicyDocument=json.dumps(document)
        )
    )
    assert error.code == "MalformedPolicyDocument"
    assert "/Statement/0/Effect" in error.message


def test_a_document_over_6144_characters_is_refused(ram_actions: Any, root: Caller) -> None:
    actions = [f"iot:Action{i:05d}" for i in range(400)]
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    error = fails(
        lambda: ram_actions.call(
            root, "CreatePolicy", PolicyName="p", PolicyDocument=json.dumps(document)
        )
    )
    assert error.code == "InvalidParameter.PolicyDocument.Length"


def test_policy_names_are_unique_per_account(
    ram_actions: Any, root: Caller, other_account: Account, caller_for_root: Any
) -> None:
    create(ram_actions, root)
    assert fails(lambda: create(ram_actions, root, "iotreadonly")).code == (
        "EntityAlreadyExists.Policy"
    )
    assert create(ram_actions, caller_for_root(other_account))["PolicyName"] == "IoTReadOnly"


def test_the_custom_policy_quota_is_enforced(
    ram: RamService, root: Caller, actions_for: Any
) -> None:
    limited = actions_for(replace(ram, quotas=Quotas(custom_policies=1)))
    create(limited, root, "one")
    assert fails(lambda: create(limited, root, "two")).code == "LimitExceeded.Policy"


def test_delete_policy_refuses_while_attached_then_succeeds(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    create(ram_actions, root)
    attach = {"PolicyType": "Custom", "PolicyName": "IoTReadOnly", "UserName": "alice"}
    ram_actions.call(root, "AttachPolicyToUser", **attach)
    error = fails(lambda: ram_actions.call(root, "DeletePolicy", PolicyName="IoTReadOnly"))
    assert error.code == "DeleteConflict.Policy.User"
    ram_actions.call(root, "DetachPolicyFromUser", **attach)
    assert ram_actions.call(root, "DeletePolicy", PolicyName="IoTReadOnly") == {}
    error = fails(
        lambda: ram_actions.call(root, "GetPolicy", PolicyName="IoTReadOnly", PolicyType="Custom")
    )
    assert error.code == "EntityNotExist.Policy"


def test_delete_policy_refuses_while_attached_to_a_role(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root)
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{root.account_id}:root"]},
            }
        ],
    }
    ram_actions.call(root, "CreateRole", RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))
    ram_actions.call(
        root, "AttachPolicyToRole", PolicyType="Custom", PolicyName="IoTReadOnly", RoleName="r"
    )
    error = fails(lambda: ram_actions.call(root, "DeletePolicy", PolicyName="IoTReadOnly"))
    assert error.code == "DeleteConflict.Policy.Role"


def test_delete_policy_with_other_versions_needs_cascading_delete(
    ram_actions: Any, root: Caller
) -> None:
    create(ram_actions, root)
    ram_actions.call(
        root,
        "CreatePolicyVersion",
        PolicyName="IoTReadOnly",
        PolicyDocument=json.dumps(IOT_READ_ONLY),
    )
    error = fails(lambda: ram_actions.call(root, "DeletePolicy", PolicyName="IoTReadOnly"))
    assert error.code == "DeleteConflict.Policy.Version"
    ram_actions.call(root, "DeletePolicy", PolicyName="IoTReadOnly", CascadingDelete="true")
    listed = ram_actions.call(root, "ListPolicies", PolicyType="Custom")
    assert listed["Policies"]["Policy"] == []


def test_list_policies_filters_by_type_and_pages(ram_actions: Any, root: Caller) -> None:
    for name in ("b-policy", "a-policy"):
        create(ram_actions, root, name)
    system = ram_actions.call(root, "ListPolicies", PolicyType="System")
    assert {p["PolicyType"] for p in system["Policies"]["Policy"]} == {"System"}
    system_count = len(load_system_policies())
    assert len(system["Policies"]["Policy"]) == system_count
    first = ram_actions.call(root, "ListPolicies", PolicyType="Custom", MaxItems="1")
    assert first["IsTruncated"] is True
    assert [p["PolicyName"] for p in first["Policies"]["Policy"]] == ["a-policy"]
    assert first["Policies"]["Policy"][0]["Tags"] == {"Tag": []}
    rest = ram_actions.call(
        root, "ListPolicies", PolicyType="Custom", MaxItems="1", Marker=first["Marker"]
    )
    assert [p["PolicyName"] for p in rest["Policies"]["Policy"]] == ["b-policy"]
    everything = ram_actions.call(root, "ListPolicies", MaxItems="1000")
    assert len(everything["Policies"]["Policy"]) == system_count + 2


def test_list_policies_filters_by_tag(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root, "tagged", Tag=json.dumps([{"Key": "team", "Value": "iot"}]))
    create(ram_actions, root, "plain")
    listed = ram_actions.call(
        root, "ListPolicies", Tag=json.dumps([{"Key": "team", "Value": "iot"}])
    )
    assert [p["PolicyName"] for p in listed["Policies"]["Policy"]] == ["tagged"]
    assert listed["Policies"]["Policy"][0]["Tags"]["Tag"] == [{"TagKey": "team", "TagValue": "iot"}]


def test_a_foreign_marker_is_an_invalid_parameter(ram_actions: Any, root: Caller) -> None:
    error = fails(lambda: ram_actions.call(root, "ListPolicies", Marker="not-a-marker"))
    assert error.code == "InvalidParameter.Marker"


def test_update_policy_description(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root, Description="old")
    policy = ram_actions.call(
        root, "UpdatePolicyDescription", PolicyName="IoTReadOnly", NewDescription="new"
    )["Policy"]
    assert policy["Description"] == "new"
    assert DATE.fullmatch(policy["UpdateDate"])
    got = ram_actions.call(root, "GetPolicy", PolicyName="IoTReadOnly", PolicyType="Custom")
    assert got["Policy"]["Description"] == "new"
