"""Issue #12, points 1–3, through Alibaba's Tea SDK against a live server on both stores.

A delegated administrator may do anything except touch the account's admin entities: the user
``admin``, the group ``admins``, the role ``AdminRole`` and the policy ``AdminPolicy``. Names are
unique regardless of letter case, so a request that spells one of them differently still names
it, and is refused on the stored entity's ARN. A rename needs permission on both names; a role
trusting ``user/admin`` trusts the user that was ``admin``, not whoever takes the name next; and
``ResourceGroupId`` is honoured for the account or refused, never ignored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_sts20150401 import models as sts
from alibabacloud_tea_openapi.exceptions import ClientException

from ramsts.sts.assume_role import ROLE_CACHE_TTL
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

RAM = "2015-05-01"
ADMIN_PASSWORD = "Admin-Passw0rd!"
ALLOW_ALL = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RESOURCE_GROUP = "rg-acfmzw2wvd7cb4a"
POLL_SECONDS = 3.0
"""Longer than the server's caches (1 s): how long a change may take to reach a request."""


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as running:
        yield running


def arn(server: RamstsServer, resource: str) -> str:
    return f"acs:ram::{server.account_id}:{resource}"


def trusting(*principals: str) -> str:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": principals}}
    return json.dumps({"Version": "1", "Statement": [statement]})


@pytest.fixture
def admin_entities(server: RamstsServer) -> None:
    """``admin`` (a login profile, ``AdminPolicy`` attached), ``admins``, ``AdminRole``."""
    server.call(RAM, "CreateUser", UserName="admin")
    server.call(RAM, "CreateLoginProfile", UserName="admin", Password=ADMIN_PASSWORD)
    server.call(RAM, "CreateGroup", GroupName="admins")
    server.call(RAM, "CreatePolicy", PolicyName="AdminPolicy", PolicyDocument=json.dumps(ALLOW_ALL))
    server.call(
        RAM, "AttachPolicyToUser", PolicyType="Custom", PolicyName="AdminPolicy", UserName="admin"
    )
    server.create_role("AdminRole")


@pytest.fixture
def delegated(server: RamstsServer, admin_entities: None) -> Any:
    """dana's RAM client: everything allowed but the admin entities, by their real names."""
    denied = ["user/admin", "group/admins", "role/AdminRole", "policy/AdminPolicy"]
    key = server.create_user(
        "dana",
        statements=[
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": [arn(server, r) for r in denied]},
        ],
    )
    return server.ram_client(key)


def refusal(call: Callable[[], object]) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def refused_resource(server: RamstsServer, error: ClientException) -> str:
    """The resource a NoPermission was decided on, as the root decodes it."""
    assert (error.code, error.status_code) == ("NoPermission", 403)
    encoded = error.access_denied_detail["EncodedDiagnosticMessage"]
    decoded = server.call(RAM, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)
    return str(decoded["DecodedDiagnosticMessage"]["AuthResource"])


# -- point 1: a case-changed name is the stored entity -------------------------------------------

CASE_CHANGED: list[tuple[str, Callable[[Any], object], str]] = [
    (
        "CreateAccessKey UserName=ADMIN",
        lambda c: c.create_access_key(ram.CreateAccessKeyRequest(user_name="ADMIN")),
        "user/admin",
    ),
    (
        "UpdateLoginProfile UserName=Admin",
        lambda c: c.update_login_profile(
            ram.UpdateLoginProfileRequest(
                user_name="Admin", password="Taken-Over-Passw0rd!", password_reset_required=True
            )
        ),
        "user/admin",
    ),
    (
        "AddUserToGroup GroupName=ADMINS",
        lambda c: c.add_user_to_group(
            ram.AddUserToGroupRequest(group_name="ADMINS", user_name="dana")
        ),
        "group/admins",
    ),
    (
        "CreatePolicyVersion PolicyName=adminpolicy",
        lambda c: c.create_policy_version(
            ram.CreatePolicyVersionRequest(
                policy_name="adminpolicy",
                policy_document=json.dumps(ALLOW_ALL),
                set_as_default=True,
            )
        ),
        "policy/AdminPolicy",
    ),
    (
        "UpdateRole RoleName=ADMINROLE",
        lambda c: c.update_role(
            ram.UpdateRoleRequest(role_name="ADMINROLE", new_description="taken over")
        ),
        "role/AdminRole",
    ),
    (
        "DetachPolicyFromUser UserName=aDmIn",
        lambda c: c.detach_policy_from_user(
            ram.DetachPolicyFromUserRequest(
                policy_type="Custom", policy_name="AdminPolicy", user_name="aDmIn"
            )
        ),
        "user/admin",
    ),
]


def admin_state(server: RamstsServer) -> dict[str, Any]:
    """Everything the examples above would change."""
    return {
        "keys": server.call(RAM, "ListAccessKeys", UserName="admin"),
        "profile": server.call(RAM, "GetLoginProfile", UserName="admin"),
        "members": server.call(RAM, "ListUsersForGroup", GroupName="admins")["Users"],
        "versions": server.call(
            RAM, "ListPolicyVersions", PolicyName="AdminPolicy", PolicyType="Custom"
        ),
        "role": server.call(RAM, "GetRole", RoleName="AdminRole")["Role"]["Description"],
        "policies": server.call(RAM, "ListPoliciesForUser", UserName="admin"),
    }


@pytest.mark.parametrize(
    ("example", "call", "stored"), CASE_CHANGED, ids=[c[0] for c in CASE_CHANGED]
)
def test_a_case_changed_name_is_refused_on_the_stored_entity_and_changes_nothing(
    server: RamstsServer,
    delegated: Any,
    example: str,
    call: Callable[[Any], object],
    stored: str,
) -> None:
    before = admin_state(server)
    error = refusal(lambda: call(delegated))
    assert refused_resource(server, error) == arn(server, stored)
    assert admin_state(server) == before


def test_answers_and_messages_name_the_entity_as_stored(
    server: RamstsServer, delegated: Any
) -> None:
    server.call(RAM, "CreateUser", UserName="Bob")
    assert delegated.get_user(ram.GetUserRequest(user_name="BOB")).body.user.user_name == "Bob"
    error = refusal(
        lambda: delegated.detach_policy_from_user(
            ram.DetachPolicyFromUserRequest(
                policy_type="System", policy_name="readonlyaccess", user_name="bOB"
            )
        )
    )
    assert error.code == "EntityNotExist.User.Policy"
    assert "The policy ReadOnlyAccess is not attached to the user Bob." in error.message


def test_attaching_a_policy_needs_permission_on_the_policy_too(
    server: RamstsServer, delegated: Any
) -> None:
    """dana may attach policies to herself, but not the one policy kept from her."""
    error = refusal(
        lambda: delegated.attach_policy_to_user(
            ram.AttachPolicyToUserRequest(
                policy_type="Custom", policy_name="ADMINPOLICY", user_name="dana"
            )
        )
    )
    assert refused_resource(server, error) == arn(server, "policy/AdminPolicy")
    attached = server.call(RAM, "ListPoliciesForUser", UserName="dana")["Policies"]["Policy"]
    assert "AdminPolicy" not in [p["PolicyName"] for p in attached]


def test_a_missing_entity_is_refused_before_it_is_reported_missing(server: RamstsServer) -> None:
    """No existence oracle: who may not look at a name learns nothing of what it names."""
    server.call(RAM, "CreateUser", UserName="admin")
    eve = server.ram_client(
        server.create_user(
            "eve",
            statements=[
                {"Effect": "Allow", "Action": "ram:GetUser", "Resource": arn(server, "user/eve")}
            ],
        )
    )
    for name in ("ADMIN", "ghost"):
        error = refusal(lambda name=name: eve.get_user(ram.GetUserRequest(user_name=name)))
        assert (error.code, error.status_code) == ("NoPermission", 403)
    missing = refusal(lambda: server.ram_client().get_user(ram.GetUserRequest(user_name="ghost")))
    assert (missing.code, missing.status_code) == ("EntityNotExist.User", 404)


# -- point 2: both ends of a rename; trust by stable id -----------------------------------------


def test_a_user_allowed_to_edit_itself_cannot_rename_itself_to_another_name(
    server: RamstsServer,
) -> None:
    mallory = server.ram_client(
        server.create_user(
            "mallory",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": "ram:UpdateUser",
                    "Resource": arn(server, "user/mallory"),
                }
            ],
        )
    )
    mallory.update_user(ram.UpdateUserRequest(user_name="MALLORY", new_comments="mine"))
    error = refusal(
        lambda: mallory.update_user(
            ram.UpdateUserRequest(user_name="mallory", new_user_name="admin")
        )
    )
    assert refused_resource(server, error) == arn(server, "user/admin")
    assert server.call(RAM, "GetUser", UserName="mallory")["User"]["Comments"] == "mine"


def test_a_group_rename_needs_permission_on_the_new_name(
    server: RamstsServer, delegated: Any
) -> None:
    """``admins`` is gone, but dana may still not give its name, denied to her, to a group."""
    server.call(RAM, "DeleteGroup", GroupName="admins")
    server.call(RAM, "CreateGroup", GroupName="devs")
    error = refusal(
        lambda: delegated.update_group(
            ram.UpdateGroupRequest(group_name="devs", new_group_name="admins")
        )
    )
    assert refused_resource(server, error) == arn(server, "group/admins")
    assert server.call(RAM, "GetGroup", GroupName="devs")["Group"]["GroupName"] == "devs"


def assume(server: RamstsServer, key: AccessKey, role_arn: str) -> object:
    request = sts.AssumeRoleRequest(role_arn=role_arn, role_session_name="s1")
    return server.sts_client(key).assume_role(request)


def known_as(server: RamstsServer, key: AccessKey, expected: str) -> bool:
    """Whether the key's caller is known by ``expected`` once the server's credential cache
    (1 s) has seen a rename."""
    deadline = time.monotonic() + POLL_SECONDS
    client = server.sts_client(key)
    while client.get_caller_identity().body.arn != expected:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def delete_user(server: RamstsServer, name: str) -> None:
    for key in server.call(RAM, "ListAccessKeys", UserName=name)["AccessKeys"]["AccessKey"]:
        server.call(RAM, "DeleteAccessKey", UserName=name, UserAccessKeyId=key["AccessKeyId"])
    for policy in server.call(RAM, "ListPoliciesForUser", UserName=name)["Policies"]["Policy"]:
        server.call(
            RAM,
            "DetachPolicyFromUser",
            PolicyType=policy["PolicyType"],
            PolicyName=policy["PolicyName"],
            UserName=name,
        )
    server.call(RAM, "DeleteUser", UserName=name)


def trust_denial(error: ClientException) -> tuple[str, str]:
    detail = error.access_denied_detail
    return detail["PolicyType"], detail["NoPermissionType"]


def test_a_user_who_takes_a_deleted_users_name_is_not_trusted_in_its_place(
    server: RamstsServer,
) -> None:
    """The issue's chain: a user that may edit users renames itself to the deleted admin's name,
    then asks for the role that trusted ``user/admin``."""
    admin = server.create_user("admin", policies=["AliyunSTSAssumeRoleAccess"])
    ops = server.create_role(
        "ops",
        trust_policy=json.loads(trusting(arn(server, "user/admin"))),
        policies=["AdministratorAccess"],
    )
    assert assume(server, admin, ops)
    delete_user(server, "admin")
    mallory_key = server.create_user(
        "mallory",
        policies=["AliyunSTSAssumeRoleAccess"],
        statements=[{"Effect": "Allow", "Action": "ram:UpdateUser", "Resource": "*"}],
    )
    server.ram_client(mallory_key).update_user(
        ram.UpdateUserRequest(user_name="mallory", new_user_name="admin")
    )
    assert known_as(server, mallory_key, arn(server, "user/admin"))
    error = refusal(lambda: assume(server, mallory_key, ops))
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert trust_denial(error) == ("ResourceBasedPolicy", "ImplicitDeny")


def test_a_name_nobody_carried_when_the_trust_was_written_trusts_no_one_until_written_again(
    server: RamstsServer,
) -> None:
    """As the real service binds a trust policy's users to their ids when it is saved, a user
    created later under the name is trusted only once the policy is saved again; a user created
    after that one is deleted is not."""
    ops = server.create_role("ops", trust_policy=json.loads(trusting(arn(server, "user/admin"))))
    newcomer = server.create_user("admin", policies=["AliyunSTSAssumeRoleAccess"])
    assert trust_denial(refusal(lambda: assume(server, newcomer, ops))) == (
        "ResourceBasedPolicy",
        "ImplicitDeny",
    )
    server.call(
        RAM,
        "UpdateRole",
        RoleName="ops",
        NewAssumeRolePolicyDocument=trusting(arn(server, "user/admin")),
    )
    time.sleep(ROLE_CACHE_TTL + 0.2)  # until AssumeRole reads the role again
    assert assume(server, newcomer, ops)
    delete_user(server, "admin")
    again = server.create_user("admin", policies=["AliyunSTSAssumeRoleAccess"])
    assert refusal(lambda: assume(server, again, ops)).code == "NoPermission"


# -- point 3: ResourceGroupId --------------------------------------------------------------------


def attached_to(server: RamstsServer, user_name: str) -> list[str]:
    listed = server.call(RAM, "ListPoliciesForUser", UserName=user_name)["Policies"]["Policy"]
    return [p["PolicyName"] for p in listed]


def test_a_resource_group_scope_is_refused_rather_than_ignored(server: RamstsServer) -> None:
    server.call(RAM, "CreateUser", UserName="carol")
    root = server.ram_client()
    error = refusal(
        lambda: root.attach_policy_to_user(
            ram.AttachPolicyToUserRequest(
                policy_type="System",
                policy_name="AdministratorAccess",
                user_name="carol",
                resource_group_id=RESOURCE_GROUP,
            )
        )
    )
    assert (error.code, error.status_code) == ("EntityNotExists.ResourceGroup", 404)
    assert RESOURCE_GROUP in error.message
    assert attached_to(server, "carol") == []


def test_the_accounts_own_id_is_the_account_wide_scope(server: RamstsServer) -> None:
    server.call(RAM, "CreateUser", UserName="carol")
    root = server.ram_client()

    def request(model: Any, resource_group_id: str) -> Any:
        return model(
            policy_type="System",
            policy_name="ReadOnlyAccess",
            user_name="carol",
            resource_group_id=resource_group_id,
        )

    root.attach_policy_to_user(request(ram.AttachPolicyToUserRequest, server.account_id))
    assert attached_to(server, "carol") == ["ReadOnlyAccess"]
    error = refusal(
        lambda: root.detach_policy_from_user(
            request(ram.DetachPolicyFromUserRequest, RESOURCE_GROUP)
        )
    )
    assert (error.code, error.status_code) == ("EntityNotExists.ResourceGroup", 404)
    assert attached_to(server, "carol") == ["ReadOnlyAccess"]
    root.detach_policy_from_user(request(ram.DetachPolicyFromUserRequest, server.account_id))
    assert attached_to(server, "carol") == []
