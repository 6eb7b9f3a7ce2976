"""Attaching policies to users, groups and roles (spec api.md §9.3 "Attachments")."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.quotas import Quotas
from ramsts.ram.service import RamService
from ramsts.store import User

PRINCIPALS = [
    ("User", "UserName", "alice"),
    ("Group", "GroupName", "iot"),
    ("Role", "RoleName", "r"),
]


def statement(effect: str, action: str) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": "*"}


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value.code


@pytest.fixture
def principals(ram_actions: Any, root: Caller, alice: User) -> None:
    """alice (a user), iot (a group) and r (a role), and a custom policy IoT."""
    ram_actions.call(root, "CreateGroup", GroupName="iot")
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
    document = {"Version": "1", "Statement": [statement("Allow", "iot:*")]}
    ram_actions.call(root, "CreatePolicy", PolicyName="IoT", PolicyDocument=json.dumps(document))


@pytest.mark.usefixtures("principals")
@pytest.mark.parametrize(("kind", "parameter", "name"), PRINCIPALS)
def test_attach_list_and_detach(
    ram_actions: Any, root: Caller, kind: str, parameter: str, name: str
) -> None:
    for policy_type, policy_name in (("Custom", "IoT"), ("System", "ReadOnlyAccess")):
        ram_actions.call(
            root,
            f"AttachPolicyTo{kind}",
            PolicyType=policy_type,
            PolicyName=policy_name,
            **{parameter: name},
        )
    listed = ram_actions.call(root, f"ListPoliciesFor{kind}", **{parameter: name})
    policies = listed["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"], p["DefaultVersion"]) for p in policies] == [
        ("IoT", "Custom", "v1"),
        ("ReadOnlyAccess", "System", "v1"),
    ]
    assert all(p["AttachDate"].endswith("Z") for p in policies)
    got = ram_actions.call(root, "GetPolicy", PolicyName="IoT", PolicyType="Custom")
    assert got["Policy"]["AttachmentCount"] == 1
    ram_actions.call(
        root, f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName="IoT", **{parameter: name}
    )
    listed = ram_actions.call(root, f"ListPoliciesFor{kind}", **{parameter: name})
    assert [p["PolicyName"] for p in listed["Policies"]["Policy"]] == ["ReadOnlyAccess"]


@pytest.mark.usefixtures("principals")
@pytest.mark.parametrize(("kind", "parameter", "name"), PRINCIPALS)
def test_attaching_twice_and_detaching_what_is_not_attached(
    ram_actions: Any, root: Caller, kind: str, parameter: str, name: str
) -> None:
    params = {"PolicyType": "Custom", "PolicyName": "IoT", parameter: name}
    ram_actions.call(root, f"AttachPolicyTo{kind}", **params)
    assert code_of(lambda: ram_actions.call(root, f"AttachPolicyTo{kind}", **params)) == (
        f"EntityAlreadyExists.{kind}.Policy"
    )
    ram_actions.call(root, f"DetachPolicyFrom{kind}", **params)
    assert code_of(lambda: ram_actions.call(root, f"DetachPolicyFrom{kind}", **params)) == (
        f"EntityNotExist.{kind}.Policy"
    )


@pytest.mark.usefixtures("principals")
def test_unknown_principals_policies_and_types(ram_actions: Any, root: Caller) -> None:
    def attach(**params: str) -> Callable[[], object]:
        given = {"PolicyType": "Custom", "PolicyName": "IoT", "UserName": "alice", **params}
        return lambda: ram_actions.call(root, "AttachPolicyToUser", **given)

    assert code_of(attach(UserName="bob")) == "EntityNotExist.User"
    assert code_of(attach(PolicyName="Nope")) == "EntityNotExist.Policy"
    assert code_of(attach(PolicyType="System")) == "EntityNotExist.Policy"
    assert code_of(attach(PolicyType="Both")) == "InvalidParameter.PolicyType"
    listed = ram_actions.call(root, "ListPoliciesForUser", UserName="alice")
    assert listed["Policies"]["Policy"] == []


@pytest.mark.usefixtures("principals")
@pytest.mark.parametrize(("kind", "parameter", "name"), PRINCIPALS)
def test_per_principal_limits(
    ram: RamService, root: Caller, actions_for: Any, kind: str, parameter: str, name: str
) -> None:
    quotas = Quotas(
        custom_policies_per_user=1, custom_policies_per_group=1, custom_policies_per_role=1
    )
    limited = actions_for(replace(ram, quotas=quotas))
    document = {"Version": "1", "Statement": [statement("Allow", "ecs:*")]}
    limited.call(root, "CreatePolicy", PolicyName="Second", PolicyDocument=json.dumps(document))
    limited.call(
        root, f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName="IoT", **{parameter: name}
    )
    code = code_of(
        lambda: limited.call(
            root,
            f"AttachPolicyTo{kind}",
            PolicyType="Custom",
            PolicyName="Second",
            **{parameter: name},
        )
    )
    assert code == f"LimitExceeded.{kind}.Policy"
    limited.call(
        root,
        f"AttachPolicyTo{kind}",
        PolicyType="System",
        PolicyName="ReadOnlyAccess",
        **{parameter: name},
    )


@pytest.mark.usefixtures("principals")
def test_list_entities_for_policy(ram_actions: Any, root: Caller) -> None:
    empty = ram_actions.call(root, "ListEntitiesForPolicy", PolicyType="Custom", PolicyName="IoT")
    assert empty == {"Users": {"User": []}, "Groups": {"Group": []}, "Roles": {"Role": []}}
    for kind, parameter, name in PRINCIPALS:
        ram_actions.call(
            root,
            f"AttachPolicyTo{kind}",
            PolicyType="Custom",
            PolicyName="IoT",
            **{parameter: name},
        )
    body = ram_actions.call(root, "ListEntitiesForPolicy", PolicyType="Custom", PolicyName="IoT")
    assert [u["UserName"] for u in body["Users"]["User"]] == ["alice"]
    assert body["Users"]["User"][0]["UserId"].isdigit()
    assert [g["GroupName"] for g in body["Groups"]["Group"]] == ["iot"]
    role = body["Roles"]["Role"][0]
    assert role["Arn"] == f"acs:ram::{root.account_id}:role/r"
    assert role["AttachDate"].endswith("Z")


@pytest.mark.usefixtures("principals")
def test_an_attachment_is_in_force_on_the_next_request(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    assert code_of(lambda: ram_actions.call(alice_caller, "ListUsers")) == "NoPermission"
    attach = {"PolicyType": "System", "PolicyName": "AliyunRAMReadOnlyAccess", "UserName": "alice"}
    ram_actions.call(root, "AttachPolicyToUser", **attach)
    assert [u["UserName"] for u in ram_actions.call(alice_caller, "ListUsers")["Users"]["User"]]
    assert code_of(lambda: ram_actions.call(alice_caller, "CreateUser", UserName="eve")) == (
        "NoPermission"
    )
    ram_actions.call(root, "DetachPolicyFromUser", **attach)
    assert code_of(lambda: ram_actions.call(alice_caller, "ListUsers")) == "NoPermission"


@pytest.mark.usefixtures("principals")
def test_policies_attached_to_a_group_reach_its_members(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    ram_actions.call(root, "AddUserToGroup", GroupName="iot", UserName="alice")
    ram_actions.call(
        root,
        "AttachPolicyToGroup",
        PolicyType="System",
        PolicyName="AliyunRAMReadOnlyAccess",
        GroupName="iot",
    )
    assert ram_actions.call(alice_caller, "ListRoles")["Roles"]["Role"][0]["RoleName"] == "r"
