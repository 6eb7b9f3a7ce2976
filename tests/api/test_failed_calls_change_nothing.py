"""A failed call changes nothing (docs/api.md: "One transaction per action").

Each case builds a small account, takes a snapshot of everything the listing actions show, makes
one call that must fail with a given code, and compares a fresh snapshot with the first. The
calls are chosen where a half-done write could show: a refusal found only after a valid name was
read, a limit reached after the rows were counted, dependents found after the entity was found,
a list of resources of which one is missing. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.errors import RamstsError
from ramsts.services import ACTION_MODULES, build_services

RAM = "2015-05-01"


def document(*actions: str) -> str:
    statement = {"Effect": "Allow", "Action": list(actions) or ["ram:Get*"], "Resource": "*"}
    return json.dumps({"Version": "1", "Statement": [statement]})


@dataclass
class Account:
    """An account's root calling the actions the API serves (the handlers, without HTTP)."""

    call_as_root: Callable[[str, dict[str, str]], dict[str, Any]]
    account_id: str

    def call(self, action: str, **params: str) -> dict[str, Any]:
        return self.call_as_root(action, params)

    def error(self, action: str, **params: str) -> str:
        with pytest.raises(RamstsError) as failure:
            self.call(action, **params)
        return failure.value.code

    def trust(self) -> str:
        principal = {"RAM": [f"acs:ram::{self.account_id}:root"]}
        statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
        return json.dumps({"Version": "1", "Statement": [statement]})

    def snapshot(self) -> dict[str, Any]:
        """Everything the listing actions show about the account."""
        seen: dict[str, Any] = {}
        users = self.call("ListUsers", MaxItems="1000")["Users"]["User"]
        groups = self.call("ListGroups", MaxItems="100")["Groups"]["Group"]
        roles = self.call("ListRoles", MaxItems="1000")["Roles"]["Role"]
        policies = self.call("ListPolicies", PolicyType="Custom", MaxItems="1000")
        seen["users"], seen["groups"], seen["roles"] = users, groups, roles
        seen["policies"] = policies["Policies"]["Policy"]
        for user in users:
            name = user["UserName"]
            seen[f"user {name}"] = (
                self.call("ListGroupsForUser", UserName=name),
                self.call("ListPoliciesForUser", UserName=name),
                self.call("ListAccessKeys", UserName=name),
            )
        for group in groups:
            name = group["GroupName"]
            seen[f"group {name}"] = (
                self.call("ListUsersForGroup", GroupName=name),
                self.call("ListPoliciesForGroup", GroupName=name),
            )
        for role in roles:
            seen[f"role {role['RoleName']}"] = (
                self.call("GetRole", RoleName=role["RoleName"]),
                self.call("ListPoliciesForRole", RoleName=role["RoleName"]),
            )
        for policy in seen["policies"]:
            name = policy["PolicyName"]
            seen[f"policy {name}"] = (
                self.call("ListPolicyVersions", PolicyName=name, PolicyType="Custom"),
                self.call("ListEntitiesForPolicy", PolicyName=name, PolicyType="Custom"),
            )
        for kind, entities, key in (
            ("role", roles, "RoleName"),
            ("policy", seen["policies"], "PolicyName"),
        ):
            names = json.dumps([entity[key] for entity in entities])
            if entities:
                seen[f"tags {kind}"] = self.call(
                    "ListTagResources", ResourceType=kind, ResourceNames=names
                )
        seen["keys of root"] = self.call("ListAccessKeys")
        return seen


@pytest.fixture
def account(db_url: str, tmp_path: Path) -> Iterator[Account]:
    """An account holding: users alice (in devs, one policy, one key) and bob; group devs with a
    policy; role reader (tagged, one policy); custom policies readers and writers."""
    services = build_services(
        Settings(db_url=db_url, data_dir=tmp_path),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
        action_modules=ACTION_MODULES,
    )
    created = services.accounts.create_account("acme")
    root = Caller(
        account_id=created.account_id,
        identity_type="Account",
        arn=f"acs:ram::{created.account_id}:root",
        principal_id=created.account_id,
        access_key_id=created.access_key_id,
        display_name=created.account_id,
    )

    def call_as_root(action: str, params: dict[str, str]) -> dict[str, Any]:
        return services.actions.resolve(RAM, action).handler(root, params)

    world = Account(call_as_root, created.account_id)
    world.call("CreateUser", UserName="alice")
    world.call("CreateUser", UserName="bob")
    world.call("CreateAccessKey", UserName="alice")
    world.call("CreateGroup", GroupName="devs")
    world.call("AddUserToGroup", GroupName="devs", UserName="alice")
    world.call("CreatePolicy", PolicyName="readers", PolicyDocument=document())
    world.call("CreatePolicy", PolicyName="writers", PolicyDocument=document("ram:Create*"))
    world.call("AttachPolicyToUser", PolicyType="Custom", PolicyName="readers", UserName="alice")
    world.call("AttachPolicyToGroup", PolicyType="Custom", PolicyName="writers", GroupName="devs")
    world.call(
        "CreateRole",
        RoleName="reader",
        AssumeRolePolicyDocument=world.trust(),
        Tag='[{"Key":"team","Value":"blue"}]',
    )
    world.call("AttachPolicyToRole", PolicyType="Custom", PolicyName="readers", RoleName="reader")
    yield world
    services.close()


def fill_policy_versions(world: Account) -> None:
    for n in range(4):  # v1 plus four: the five a policy may hold
        world.call(
            "CreatePolicyVersion", PolicyName="readers", PolicyDocument=document(f"ram:List{n}*")
        )


def fill_role_policies(world: Account) -> None:
    for n in range(4):  # readers plus four: the five custom policies a role may have
        world.call("CreatePolicy", PolicyName=f"extra{n}", PolicyDocument=document())
        world.call(
            "AttachPolicyToRole", PolicyType="Custom", PolicyName=f"extra{n}", RoleName="reader"
        )
    world.call("CreatePolicy", PolicyName="one-too-many", PolicyDocument=document())


def fill_user_groups(world: Account) -> None:
    for n in range(5):
        world.call("CreateGroup", GroupName=f"g{n}")
    for n in range(4):  # devs plus four
        world.call("AddUserToGroup", GroupName=f"g{n}", UserName="alice")


def nothing(world: Account) -> None:
    pass


CASES: list[tuple[str, Callable[[Account], None], str, dict[str, str], str]] = [
    ("CreateRole, valid name and trust, bad Tag JSON", nothing, "CreateRole",
     {"RoleName": "writer", "AssumeRolePolicyDocument": "TRUST", "Tag": '[{"Key":'},
     "InvalidParameter.Tag"),
    ("CreateRole, bad trust policy", nothing, "CreateRole",
     {"RoleName": "writer", "AssumeRolePolicyDocument": '{"Version":"1","Statement":[{}]}'},
     "MalformedPolicyDocument"),
    ("CreatePolicy, bad document", nothing, "CreatePolicy",
     {"PolicyName": "broken", "PolicyDocument": '{"Version":"1","Statement":"x"}'},
     "MalformedPolicyDocument"),
    ("CreatePolicy, reserved tag key", nothing, "CreatePolicy",
     {"PolicyName": "tagged", "PolicyDocument": document(), "Tag": '[{"Key":"acs:x","Value":"v"}]'},
     "InvalidParameter.Tag.Key"),
    ("CreatePolicyVersion over the limit", fill_policy_versions, "CreatePolicyVersion",
     {"PolicyName": "readers", "PolicyDocument": document("ram:ListUsers"), "SetAsDefault": "true"},
     "LimitExceeded.Policy.Version"),
    ("AttachPolicyToRole over the limit", fill_role_policies, "AttachPolicyToRole",
     {"PolicyType": "Custom", "PolicyName": "one-too-many", "RoleName": "reader"},
     "LimitExceeded.Role.Policy"),
    ("AttachPolicyToUser twice", nothing, "AttachPolicyToUser",
     {"PolicyType": "Custom", "PolicyName": "readers", "UserName": "alice"},
     "EntityAlreadyExists.User.Policy"),
    ("DeleteUser with dependents", nothing, "DeleteUser", {"UserName": "alice"},
     "DeleteConflict.User.AccessKey"),
    ("DeleteGroup with members", nothing, "DeleteGroup", {"GroupName": "devs"},
     "DeleteConflict.Group.User"),
    ("DeleteRole with policies", nothing, "DeleteRole", {"RoleName": "reader"},
     "DeleteConflict.Role.Policy"),
    ("DeletePolicy while attached", nothing, "DeletePolicy", {"PolicyName": "readers"},
     "DeleteConflict.Policy.User"),
    ("AddUserToGroup, missing group", nothing, "AddUserToGroup",
     {"GroupName": "ghosts", "UserName": "bob"}, "EntityNotExist.Group"),
    ("AddUserToGroup over the limit", fill_user_groups, "AddUserToGroup",
     {"GroupName": "g4", "UserName": "alice"}, "LimitExceeded.User.Group"),
    ("UpdateUser renamed onto a taken name", nothing, "UpdateUser",
     {"UserName": "bob", "NewUserName": "ALICE", "NewDisplayName": "Bob"},
     "EntityAlreadyExists.User"),
    ("TagResources, one of two roles missing", nothing, "TagResources",
     {"ResourceType": "role", "ResourceNames": '["reader","ghost"]',
      "Tag": '[{"Key":"env","Value":"prod"}]'},
     "EntityNotExist.Role"),
    ("UntagResources, one of two policies missing", nothing, "UntagResources",
     {"ResourceType": "policy", "ResourceNames": '["readers","ghost"]', "All": "true"},
     "EntityNotExist.Policy"),
    ("DetachPolicyFromGroup, not attached", nothing, "DetachPolicyFromGroup",
     {"PolicyType": "Custom", "PolicyName": "readers", "GroupName": "devs"},
     "EntityNotExist.Group.Policy"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("prepare", "action", "params", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_failed_call_leaves_the_account_as_it_was(
    account: Account,
    prepare: Callable[[Account], None],
    action: str,
    params: dict[str, str],
    code: str,
) -> None:
    prepare(account)
    params = {k: account.trust() if v == "TRUST" else v for k, v in params.items()}
    before = account.snapshot()

    assert account.error(action, **params) == code
    assert account.snapshot() == before
