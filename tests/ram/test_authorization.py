"""The authorizer: roots, RAM users (own and group policies), role sessions (role policies
narrowed by the session policy), explicit Deny, AccessDeniedDetail, and the policy cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import NoPermission
from ramsts.ram.authorization import Authorizer
from ramsts.ram.diagnostics import open_diagnostic
from ramsts.ram.service import RamService
from ramsts.store import Account, User

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
USERS = "acs:ram::{}:user/*"


def statement(effect: str, action: str | list[str]) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": "*"}


def denial(excinfo: pytest.ExceptionInfo[NoPermission]) -> dict[str, Any]:
    detail: dict[str, Any] = excinfo.value.detail
    return detail


def test_a_root_may_do_anything_in_its_own_account(ram: RamService, root: Caller) -> None:
    ram.authorizer.require(root, "ram:DeleteUser", f"acs:ram::{root.account_id}:user/bob")
    ram.authorizer.require(root, "ram:GetPolicy", "acs:ram::system:policy/ReadOnlyAccess")
    assert ram.authorizer.decide(root, "ecs:RunInstances", "*").allowed


def test_a_root_may_not_act_on_another_accounts_resources(
    ram: RamService, root: Caller, other_account: Account
) -> None:
    resource = f"acs:ram::{other_account.account_id}:user/bob"
    assert ram.authorizer.decide(root, "ram:GetUser", resource).effect == "ImplicitDeny"


def test_a_user_without_policies_is_implicitly_denied_with_the_access_denied_detail(
    ram: RamService, alice_caller: Caller
) -> None:
    resource = USERS.format(alice_caller.account_id)
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(alice_caller, "ram:ListUsers", resource)
    assert excinfo.value.code == "NoPermission"
    assert excinfo.value.http_status == 403
    assert excinfo.value.message == (
        f"You are not authorized to do this action. Resource: {resource} Action: ram:ListUsers"
    )
    detail = denial(excinfo)
    assert detail["AuthAction"] == "ram:ListUsers"
    assert detail["AuthPrincipalType"] == "SubUser"
    assert detail["AuthPrincipalDisplayName"] == "alice"
    assert detail["AuthPrincipalOwnerId"] == alice_caller.account_id
    assert detail["NoPermissionType"] == "ImplicitDeny"
    assert detail["PolicyType"] == "AccountLevelIdentityBasedPolicy"
    assert detail["EncodedDiagnosticMessage"]


def test_a_users_own_policy_allows_what_it_names_and_nothing_else(
    ram: RamService, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    grant("User", alice.user_id, alice.account_id, statement("Allow", ["ram:Get*", "ram:List*"]))
    assert ram.authorizer.decide(alice_caller, "ram:ListUsers", "*").allowed
    assert ram.authorizer.decide(alice_caller, "ram:CreateUser", "*").effect == "ImplicitDeny"


def test_policies_of_the_users_groups_apply(
    ram: RamService, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    with ram.store.transaction() as tx:
        group = tx.groups.create(alice.account_id, group_name="readers", now=START)
        tx.groups.add_member(group, alice.user_id, now=START)
    grant("Group", group.group_id, alice.account_id, statement("Allow", "ram:GetUser"))
    assert ram.authorizer.decide(alice_caller, "ram:GetUser", "*").allowed


def test_an_explicit_deny_anywhere_wins_and_is_reported_as_such(
    ram: RamService, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    grant("User", alice.user_id, alice.account_id, statement("Allow", "ram:*"))
    grant("User", alice.user_id, alice.account_id, statement("Deny", "ram:DeleteUser"))
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(alice_caller, "ram:DeleteUser", "*")
    assert denial(excinfo)["NoPermissionType"] == "ExplicitDeny"
    assert ram.authorizer.decide(alice_caller, "ram:DeleteGroup", "*").allowed


def test_the_diagnostic_message_names_the_deciding_policy_and_opens_only_in_its_account(
    ram: RamService,
    alice: User,
    alice_caller: Caller,
    grant: Callable[..., None],
    other_account: Account,
) -> None:
    grant("User", alice.user_id, alice.account_id, statement("Deny", "ram:DeleteUser"))
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(alice_caller, "ram:DeleteUser", "*")
    encoded = denial(excinfo)["EncodedDiagnosticMessage"]
    decoded = open_diagnostic(ram.master_key, alice.account_id, encoded)
    assert decoded["AuthAction"] == "ram:DeleteUser"
    assert decoded["ExplicitDeny"] is True
    [matched] = decoded["MatchedPolicies"]
    assert matched["PolicyIdentifier"].startswith("granted-")
    assert matched["PolicyType"] == "Custom"
    assert matched["Effect"] == "Deny"
    with pytest.raises(Exception, match="EncodedDiagnosticMessage"):
        open_diagnostic(ram.master_key, other_account.account_id, encoded)


def test_a_role_session_is_narrowed_by_its_session_policy(
    ram: RamService,
    account: Account,
    grant: Callable[..., None],
    role_session: Callable[..., Caller],
) -> None:
    session_policy = json.dumps({"Version": "1", "Statement": [statement("Allow", "ram:List*")]})
    session = role_session("reader", session_policy)
    assert session.role_id is not None
    grant("Role", session.role_id, account.account_id, statement("Allow", "ram:*"))
    assert ram.authorizer.decide(session, "ram:ListUsers", "*").allowed
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(session, "ram:GetUser", "*")
    detail = denial(excinfo)
    assert detail["AuthPrincipalType"] == "AssumedRoleUser"
    assert detail["PolicyType"] == "SessionPolicy"


def test_a_session_policy_never_adds_to_the_roles_permissions(
    ram: RamService, role_session: Callable[..., Caller]
) -> None:
    session_policy = json.dumps({"Version": "1", "Statement": [statement("Allow", "ram:*")]})
    session = role_session("reader", session_policy)
    decision = ram.authorizer.decide(session, "ram:ListUsers", "*")
    assert decision.effect == "ImplicitDeny"


def test_a_change_is_seen_at_once_after_invalidate(
    ram: RamService, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    assert not ram.authorizer.decide(alice_caller, "ram:GetUser", "*").allowed
    grant("User", alice.user_id, alice.account_id, statement("Allow", "ram:GetUser"))
    assert ram.authorizer.decide(alice_caller, "ram:GetUser", "*").allowed


def test_a_change_made_elsewhere_is_seen_once_the_cache_expires(
    ram: RamService, alice: User, alice_caller: Caller
) -> None:
    ticks = [100.0]
    authorizer = Authorizer(ram.store, ram.master_key, monotonic=lambda: ticks[0])
    assert not authorizer.decide(alice_caller, "ram:GetUser", "*").allowed
    document = json.dumps({"Version": "1", "Statement": [statement("Allow", "ram:GetUser")]})
    with ram.store.transaction() as tx:  # another process: nobody invalidates this authorizer
        policy = tx.policies.create_custom(
            alice.account_id, policy_name="p", policy_document=document, now=START
        )
        tx.attachments.attach("User", alice.user_id, policy, account_id=alice.account_id, now=START)
    assert not authorizer.decide(alice_caller, "ram:GetUser", "*").allowed
    ticks[0] += 1.0
    assert authorizer.decide(alice_caller, "ram:GetUser", "*").allowed


def test_the_cache_ttl_may_not_exceed_one_second(ram: RamService) -> None:
    with pytest.raises(ValueError, match="TTL"):
        Authorizer(ram.store, ram.master_key, ttl=5)


def test_an_unauthenticated_caller_is_refused(ram: RamService) -> None:
    with pytest.raises(NoPermission):
        ram.signed_in(None)


def test_users_of_one_account_are_judged_by_their_own_policies_only(
    ram: RamService,
    alice_caller: Caller,
    other_account: Account,
    grant: Callable[..., None],
    caller_for_user: Callable[[User], Caller],
) -> None:
    with ram.store.transaction() as tx:
        namesake = tx.users.create(other_account.account_id, user_name="alice", now=START)
    grant("User", namesake.user_id, other_account.account_id, statement("Allow", "ram:*"))
    assert ram.authorizer.decide(caller_for_user(namesake), "ram:GetUser", "*").allowed
    assert not ram.authorizer.decide(alice_caller, "ram:GetUser", "*").allowed
