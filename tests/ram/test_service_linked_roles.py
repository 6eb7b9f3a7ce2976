"""Service-linked roles: created for a service, trusted by it alone, deleted as a task."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value.code


def test_create_service_linked_role_names_it_for_the_service(
    ram_actions: Any, root: Caller
) -> None:
    role = ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")["Role"]
    assert role["RoleName"] == "AliyunServiceRoleForECS"
    assert role["IsServiceLinkedRole"] is True
    assert role["RoleId"].isdigit()
    trust = json.loads(role["AssumeRolePolicyDocument"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["ecs.aliyuncs.com"]}
    got = ram_actions.call(root, "GetRole", RoleName="AliyunServiceRoleForECS")["Role"]
    assert got["IsServiceLinkedRole"] is True


def test_a_custom_suffix_allows_several_roles_for_one_service(
    ram_actions: Any, root: Caller
) -> None:
    ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")
    second = ram_actions.call(
        root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com", CustomSuffix="batch"
    )["Role"]
    assert second["RoleName"] == "AliyunServiceRoleForECS_batch"
    again = code_of(
        lambda: ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")
    )
    assert again == "EntityAlreadyExists.Role"


def test_a_service_name_must_be_a_cloud_service(ram_actions: Any, root: Caller) -> None:
    code = code_of(
        lambda: ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="evil.example.com")
    )
    assert code == "InvalidParameter.ServiceName.Format"


def test_update_role_cannot_edit_a_service_linked_roles_trust(
    ram_actions: Any, root: Caller
) -> None:
    ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")
    anyone = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{root.account_id}:root"]},
            }
        ],
    }
    code = code_of(
        lambda: ram_actions.call(
            root,
            "UpdateRole",
            RoleName="AliyunServiceRoleForECS",
            NewAssumeRolePolicyDocument=json.dumps(anyone),
        )
    )
    assert code == "InvalidParameter.NewAssumeRolePolicyDocument"
    got = ram_actions.call(root, "GetRole", RoleName="AliyunServiceRoleForECS")["Role"]
    assert json.loads(got["AssumeRolePolicyDocument"])["Statement"][0]["Principal"] == {
        "Service": ["ecs.aliyuncs.com"]
    }
    updated = ram_actions.call(
        root, "UpdateRole", RoleName="AliyunServiceRoleForECS", NewDescription="ours"
    )
    assert updated["Role"]["Description"] == "ours"


def test_delete_service_linked_role_returns_a_deletion_task(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(root, "CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")
    body = ram_actions.call(root, "DeleteServiceLinkedRole", RoleName="AliyunServiceRoleForECS")
    assert body["DeletionTaskId"]
    gone = code_of(lambda: ram_actions.call(root, "GetRole", RoleName="AliyunServiceRoleForECS"))
    assert gone == "EntityNotExist.Role"


def test_delete_service_linked_role_refuses_ordinary_roles(ram_actions: Any, root: Caller) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": ["ecs.aliyuncs.com"]},
            }
        ],
    }
    ram_actions.call(
        root, "CreateRole", RoleName="plain", AssumeRolePolicyDocument=json.dumps(trust)
    )
    code = code_of(lambda: ram_actions.call(root, "DeleteServiceLinkedRole", RoleName="plain"))
    assert code == "EntityNotExist.Role"
    assert ram_actions.call(root, "GetRole", RoleName="plain")["Role"]["RoleName"] == "plain"


def test_get_service_linked_role_template(ram_actions: Any, root: Caller) -> None:
    body = ram_actions.call(root, "GetServiceLinkedRoleTemplate", ServiceName="rds.aliyuncs.com")
    template = body["ServiceLinkedRoleTemplate"]
    assert template["ServiceName"] == "rds.aliyuncs.com"
    assert template["RoleNamePrefix"] == "AliyunServiceRoleForRDS"
    assert template["RoleDescriptions"]["RoleDescription"][0]["Language"] == "en-US"
