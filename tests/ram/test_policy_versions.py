"""Policy versions (spec api.md §9.3, policy-language §7.3): at most five, ids never reused,
the default one in force and undeletable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.policy_versions import (
    NewPolicyVersion,
    PolicyVersionRef,
    create_policy_version,
    get_policy_version,
    set_default_policy_version,
)
from ramsts.ram.service import RamService


def statement(effect: str, action: str) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": "*"}


def document(action: str) -> str:
    return json.dumps({"Version": "1", "Statement": [statement("Allow", action)]})


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value.code


@pytest.fixture
def policy(ram_actions: Any, root: Caller) -> str:
    ram_actions.call(root, "CreatePolicy", PolicyName="IoT", PolicyDocument=document("iot:Get*"))
    return "IoT"


def add_version(actions: Any, root: Caller, action: str, **extra: str) -> dict:
    return actions.call(
        root, "CreatePolicyVersion", PolicyName="IoT", PolicyDocument=document(action), **extra
    )["PolicyVersion"]


def version_ids(actions: Any, root: Caller) -> list[str]:
    body = actions.call(root, "ListPolicyVersions", PolicyName="IoT", PolicyType="Custom")
    return [v["VersionId"] for v in body["PolicyVersions"]["PolicyVersion"]]


def test_a_new_version_is_not_the_default_unless_asked(
    ram_actions: Any, root: Caller, policy: str
) -> None:
    v2 = add_version(ram_actions, root, "iot:List*")
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", False)
    v3 = add_version(ram_actions, root, "iot:*", SetAsDefault="True")
    assert (v3["VersionId"], v3["IsDefaultVersion"]) == ("v3", True)
    got = ram_actions.call(root, "GetPolicy", PolicyName="IoT", PolicyType="Custom")
    assert got["Policy"]["DefaultVersion"] == "v3"
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"])["Statement"][0]["Action"] == (
        "iot:*"
    )


def test_get_policy_version(ram_actions: Any, root: Caller, policy: str) -> None:
    add_version(ram_actions, root, "iot:List*")
    version = ram_actions.call(
        root, "GetPolicyVersion", PolicyName="IoT", PolicyType="Custom", VersionId="v2"
    )["PolicyVersion"]
    assert json.loads(version["PolicyDocument"])["Statement"][0]["Action"] == "iot:List*"
    assert version["IsDefaultVersion"] is False
    missing = code_of(
        lambda: ram_actions.call(
            root, "GetPolicyVersion", PolicyName="IoT", PolicyType="Custom", VersionId="v9"
        )
    )
    assert missing == "EntityNotExist.Policy.Version"
    malformed = code_of(
        lambda: ram_actions.call(
            root, "GetPolicyVersion", PolicyName="IoT", PolicyType="Custom", VersionId="2"
        )
    )
    assert malformed == "InvalidParameter.VersionId.Format"


def test_at_most_five_versions_without_rotation(
    ram_actions: Any, root: Caller, policy: str
) -> None:
    for i in range(4):
        add_version(ram_actions, root, f"iot:Action{i}")
    code = code_of(lambda: add_version(ram_actions, root, "iot:Sixth"))
    assert code == "LimitExceeded.Policy.Version"
    assert version_ids(ram_actions, root) == ["v1", "v2", "v3", "v4", "v5"]


def test_rotation_deletes_the_oldest_non_default_version(
    ram_actions: Any, root: Caller, policy: str
) -> None:
    for i in range(4):
        add_version(ram_actions, root, f"iot:Action{i}")
    rotated = add_version(
        ram_actions,
        root,
        "iot:Sixth",
        RotateStrategy="DeleteOldestNonDefaultVersionWhenLimitExceeded",
    )
    assert rotated["VersionId"] == "v6"
    assert version_ids(ram_actions, root) == ["v1", "v3", "v4", "v5", "v6"]


def test_an_unknown_rotate_strategy_is_refused(ram_actions: Any, root: Caller, policy: str) -> None:
    code = code_of(lambda: add_version(ram_actions, root, "iot:*", RotateStrategy="Oldest"))
    assert code == "InvalidParameter.RotateStrategy"


def test_the_default_version_cannot_be_deleted_and_ids_are_never_reused(
    ram_actions: Any, root: Caller, policy: str
) -> None:
    add_version(ram_actions, root, "iot:List*")
    code = code_of(
        lambda: ram_actions.call(root, "DeletePolicyVersion", PolicyName="IoT", VersionId="v1")
    )
    assert code == "DeleteConflict.Policy.Version.Default"
    ram_actions.call(root, "DeletePolicyVersion", PolicyName="IoT", VersionId="v2")
    assert add_version(ram_actions, root, "iot:Get*")["VersionId"] == "v3"
    assert version_ids(ram_actions, root) == ["v1", "v3"]


def test_set_default_policy_version(ram_actions: Any, root: Caller, policy: str) -> None:
    add_version(ram_actions, root, "iot:List*")
    assert ram_actions.call(root, "SetDefaultPolicyVersion", PolicyName="IoT", VersionId="v2") == {}
    body = ram_actions.call(root, "ListPolicyVersions", PolicyName="IoT", PolicyType="Custom")
    defaults = {
        v["VersionId"]: v["IsDefaultVersion"] for v in body["PolicyVersions"]["PolicyVersion"]
    }
    assert defaults == {"v1": False, "v2": True}
    code = code_of(
        lambda: ram_actions.call(root, "SetDefaultPolicyVersion", PolicyName="IoT", VersionId="v7")
    )
    assert code == "EntityNotExist.Policy.Version"


def test_a_new_default_version_governs_the_next_request(
    ram_actions: Any, root: Caller, alice_caller: Caller, policy: str
) -> None:
    ram_actions.call(
        root, "AttachPolicyToUser", PolicyType="Custom", PolicyName="IoT", UserName="alice"
    )
    assert code_of(lambda: ram_actions.call(alice_caller, "ListRoles")) == "NoPermission"
    add_version(ram_actions, root, "ram:ListRoles", SetAsDefault="true")
    assert ram_actions.call(alice_caller, "ListRoles")["Roles"]["Role"] == []
    ram_actions.call(root, "SetDefaultPolicyVersion", PolicyName="IoT", VersionId="v1")
    assert code_of(lambda: ram_actions.call(alice_caller, "ListRoles")) == "NoPermission"


def test_system_policy_versions_are_listed_read_only(ram_actions: Any, root: Caller) -> None:
    body = ram_actions.call(
        root, "ListPolicyVersions", PolicyName="AliyunSTSAssumeRoleAccess", PolicyType="System"
    )
    assert [v["VersionId"] for v in body["PolicyVersions"]["PolicyVersion"]] == ["v1"]
    code = code_of(
        lambda: ram_actions.call(
            root, "SetDefaultPolicyVersion", PolicyName="AliyunSTSAssumeRoleAccess", VersionId="v1"
        )
    )
    assert code == "EntityNotExist.Policy"


def test_a_version_made_default_in_the_transaction_that_created_it_is_the_one_in_force(
    ram_actions: Any, ram: RamService, root: Caller, policy: str
) -> None:
    """Composed in one transaction, as a console form would: the new version, then the
    default moved to it, committed once."""
    with ram.transaction(root.account_id) as tx:
        created = create_policy_version(
            ram, root, NewPolicyVersion(policy, document("iot:*")), within=tx
        )
        wanted = PolicyVersionRef(policy, created.version_id)
        set_default_policy_version(ram, root, wanted, within=tx)
    found = get_policy_version(ram, root, wanted)
    assert (found.version_id, found.is_default_version) == ("v2", True)
    assert version_ids(ram_actions, root) == ["v1", "v2"]


def test_a_version_reference_is_checked_as_the_api_checks_it() -> None:
    assert code_of(lambda: PolicyVersionRef("IoT", "2")) == "InvalidParameter.VersionId.Format"
    assert code_of(lambda: PolicyVersionRef("IoT", "v1", "Managed")) == (
        "InvalidParameter.PolicyType"
    )
