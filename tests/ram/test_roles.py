"""RAM roles (spec api.md §9.3 "Roles"): create, read, update, delete, list."""

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
from ramsts.store import Account

DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def trust(account_id: str) -> str:
    """The user's document's role: any RAM identity of this account may assume it (§9.7)."""
    return json.dumps(
        {
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
                }
            ],
            "Version": "1",
        }
    )


def fails(call: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value.code


def create(actions: Any, root: Caller, name: str = "iotstsrole", **extra: str) -> dict:
    return actions.call(
        root, "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust(root.account_id), **extra
    )["Role"]


def test_create_role_answers_the_role_with_digit_id_arn_and_dates(
    ram_actions: Any, root: Caller
) -> None:
    role = create(ram_actions, root, Description="IoT read-only", MaxSessionDuration="7200")
    assert role["RoleName"] == "iotstsrole"
    assert role["RoleId"].isdigit()
    assert role["Arn"] == f"acs:ram::{root.account_id}:role/iotstsrole"
    assert json.loads(role["AssumeRolePolicyDocument"]) == json.loads(trust(root.account_id))
    assert role["MaxSessionDuration"] == 7200
    assert role["Description"] == "IoT read-only"
    assert role["AllowConsoleLogin"] is False
    assert DATE.fullmatch(role["CreateDate"])


def test_get_role_adds_update_date_principal_name_and_service_linked_flag(
    ram_actions: Any, root: Caller
) -> None:
    create(ram_actions, root)
    role = ram_actions.call(root, "GetRole", RoleName="IOTSTSROLE")["Role"]
    assert role["RoleName"] == "iotstsrole"
    assert role["IsServiceLinkedRole"] is False
    assert role["RolePrincipalName"] == f"iotstsrole@role.{root.account_id}.onaliyunservice.com"
    assert role["MaxSessionDuration"] == 3600
    assert DATE.fullmatch(role["UpdateDate"])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"RoleName": "bad name"}, "InvalidParameter.RoleName.InvalidChars"),
        ({"RoleName": "r" * 65}, "InvalidParameter.RoleName.Length"),
        ({"MaxSessionDuration": "3599"}, "InvalidParameter.MaxSessionDuration"),
        ({"MaxSessionDuration": "43201"}, "InvalidParameter.MaxSessionDuration"),
        ({"Description": "d" * 1025}, "InvalidParameter.Description.Length"),
        ({"AssumeRolePolicyDocument": "{}"}, "MalformedPolicyDocument"),
    ],
)
def test_create_role_refuses_bad_parameters(
    ram_actions: Any, root: Caller, params: dict[str, str], code: str
) -> None:
    given = {"RoleName": "r", "AssumeRolePolicyDocument": trust(root.account_id), **params}
    assert fails(lambda: ram_actions.call(root, "CreateRole", **given)) == code
    assert ram_actions.call(root, "ListRoles")["Roles"]["Role"] == []


def test_a_trust_policy_with_a_resource_is_malformed_and_names_the_place(
    ram_actions: Any, root: Caller
) -> None:
    document = json.loads(trust(root.account_id))
    document["Statement"][0]["Resource"] = "*"
    with pytest.raises(RamstsError) as raised:
        ram_actions.call(
            root, "CreateRole", RoleName="r", AssumeRolePolicyDocument=json.dumps(document)
        )
    assert raised.value.code == "MalformedPolicyDocument"
    assert "/Statement/0/Resource" in raised.value.message


def test_role_names_are_unique_in_any_letter_case(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root, "Admin")
    assert fails(lambda: create(ram_actions, root, "admin")) == "EntityAlreadyExists.Role"


def test_the_role_quota_is_enforced(ram: RamService, root: Caller, actions_for: Any) -> None:
    limited = actions_for(replace(ram, quotas=Quotas(roles=1)))
    create(limited, root, "one")
    assert fails(lambda: create(limited, root, "two")) == "LimitExceeded.Role"


def test_update_role_changes_only_what_it_is_given(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root, Description="before")
    role = ram_actions.call(
        root, "UpdateRole", RoleName="iotstsrole", NewMaxSessionDuration="43200"
    )["Role"]
    assert role["MaxSessionDuration"] == 43200
    assert role["Description"] == "before"
    assert DATE.fullmatch(role["UpdateDate"])
    ram_actions.call(root, "UpdateRole", RoleName="iotstsrole", NewAllowConsoleLogin="true")
    got = ram_actions.call(root, "GetRole", RoleName="iotstsrole")["Role"]
    assert got["AllowConsoleLogin"] is True
    assert got["MaxSessionDuration"] == 43200


def test_update_role_validates_the_new_trust_policy(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root)
    code = fails(
        lambda: ram_actions.call(
            root, "UpdateRole", RoleName="iotstsrole", NewAssumeRolePolicyDocument="[]"
        )
    )
    assert code == "MalformedPolicyDocument"


def test_delete_role_refuses_while_policies_are_attached(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root)
    ram_actions.call(
        root,
        "AttachPolicyToRole",
        RoleName="iotstsrole",
        PolicyType="System",
        PolicyName="ReadOnlyAccess",
    )
    code = fails(lambda: ram_actions.call(root, "DeleteRole", RoleName="iotstsrole"))
    assert code == "DeleteConflict.Role.Policy"
    ram_actions.call(
        root,
        "DetachPolicyFromRole",
        RoleName="iotstsrole",
        PolicyType="System",
        PolicyName="ReadOnlyAccess",
    )
    assert ram_actions.call(root, "DeleteRole", RoleName="iotstsrole") == {}
    code = fails(lambda: ram_actions.call(root, "GetRole", RoleName="iotstsrole"))
    assert code == "EntityNotExist.Role"


def test_list_roles_pages_by_name_without_trust_policies_and_with_tags(
    ram_actions: Any, root: Caller
) -> None:
    for name in ("c-role", "a-role", "b-role"):
        create(ram_actions, root, name, Tag=json.dumps([{"Key": "team", "Value": name[0]}]))
    first = ram_actions.call(root, "ListRoles", MaxItems="2")
    assert first["IsTruncated"] is True
    assert [r["RoleName"] for r in first["Roles"]["Role"]] == ["a-role", "b-role"]
    assert "AssumeRolePolicyDocument" not in first["Roles"]["Role"][0]
    assert first["Roles"]["Role"][0]["Tags"] == {"Tag": [{"TagKey": "team", "TagValue": "a"}]}
    rest = ram_actions.call(root, "ListRoles", MaxItems="2", Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    assert "Marker" not in rest
    assert [r["RoleName"] for r in rest["Roles"]["Role"]] == ["c-role"]


def test_list_roles_filters_by_tag(ram_actions: Any, root: Caller) -> None:
    create(ram_actions, root, "tagged", Tag=json.dumps([{"Key": "env", "Value": "prod"}]))
    create(ram_actions, root, "plain")
    listed = ram_actions.call(root, "ListRoles", Tag=json.dumps([{"Key": "env"}]))
    assert [r["RoleName"] for r in listed["Roles"]["Role"]] == ["tagged"]
    none = ram_actions.call(root, "ListRoles", Tag=json.dumps([{"Key": "env", "Value": "dev"}]))
    assert none["Roles"]["Role"] == []


def test_each_account_sees_only_its_own_roles(
    ram_actions: Any, root: Caller, other_account: Account, caller_for_root: Any
) -> None:
    create(ram_actions, root)
    other = caller_for_root(other_account)
    assert ram_actions.call(other, "ListRoles")["Roles"]["Role"] == []
    code = fails(lambda: ram_actions.call(other, "GetRole", RoleName="iotstsrole"))
    assert code == "EntityNotExist.Role"


def test_a_ram_user_without_policies_may_not_create_roles(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    assert fails(lambda: create(ram_actions, alice_caller)) == "NoPermission"
    assert ram_actions.call(root, "ListRoles")["Roles"]["Role"] == []
