"""The authorizer: roots, RAM users (own and group policies), role sessions (role policies
narrowed by the session policy), explicit Deny, AccessDeniedDetail, and the policy cache."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramsts.caller import Caller
from ramsts.config import MAX_CACHE_MAX_AGE
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


def test_the_cache_ttl_may_not_exceed_the_settings_bound(ram: RamService) -> None:
    with pytest.raises(ValueError, match="TTL"):
        Authorizer(ram.store, ram.master_key, ttl=MAX_CACHE_MAX_AGE + 1)


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


# -- identity policies and other accounts' resources -------------------------------------------

EVERYTHING = statement("Allow", "*")


@pytest.fixture
def grant_alice(alice: User, grant: Callable[..., None]) -> Callable[[dict[str, Any]], None]:
    return lambda granted: grant("User", alice.user_id, alice.account_id, granted)


@pytest.fixture
def other(other_account: Account) -> str:
    """Another account's id."""
    return other_account.account_id


def test_resource_star_never_reaches_another_accounts_resource(
    ram: RamService, alice_caller: Caller, other: str, grant_alice: Callable[..., None]
) -> None:
    grant_alice(EVERYTHING)
    own = f"acs:oss:cn-hangzhou:{alice_caller.account_id}:bucket/logs"
    foreign = f"acs:oss:cn-hangzhou:{other}:bucket/logs"
    assert ram.authorizer.decide(alice_caller, "oss:GetObject", own).allowed
    refused = ram.authorizer.decide(alice_caller, "oss:GetObject", foreign)
    assert (refused.effect, refused.missing) == ("ImplicitDeny", ("resource",))
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(alice_caller, "oss:GetObject", foreign)
    assert excinfo.value.message == (
        f"You are not authorized to do this action. Resource: {foreign} Action: oss:GetObject"
    )
    detail = denial(excinfo)
    assert (detail["NoPermissionType"], detail["PolicyType"]) == (
        "ImplicitDeny",
        "ResourceBasedPolicy",
    )
    decoded = open_diagnostic(
        ram.master_key, alice_caller.account_id, detail["EncodedDiagnosticMessage"]
    )
    assert decoded["AuthResource"] == foreign
    assert decoded["NoPermissionPolicyType"] == "ResourceBasedPolicy"
    assert other in decoded["Explanation"]
    assert "assume a role of that account" in decoded["Explanation"]


def test_a_role_sessions_policies_never_reach_another_accounts_resource(
    ram: RamService,
    account: Account,
    other: str,
    grant: Callable[..., None],
    role_session: Callable[..., Caller],
) -> None:
    session = role_session("reader")
    assert session.role_id is not None
    grant("Role", session.role_id, account.account_id, EVERYTHING)
    resource = f"acs:ram::{other}:user/bob"
    own = f"acs:ram::{account.account_id}:user/bob"
    assert ram.authorizer.decide(session, "ram:GetUser", own).allowed
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(session, "ram:GetUser", resource)
    assert denial(excinfo)["PolicyType"] == "ResourceBasedPolicy"


def test_an_explicit_deny_on_another_accounts_resource_is_reported_as_such(
    ram: RamService, alice_caller: Caller, other: str, grant_alice: Callable[..., None]
) -> None:
    grant_alice(statement("Deny", "oss:*"))
    resource = f"acs:oss:*:{other}:bucket/logs"
    assert ram.authorizer.decide(alice_caller, "oss:GetObject", resource).effect == "ExplicitDeny"


def test_a_denial_names_every_policy_set_that_gave_no_allow(
    ram: RamService, alice_caller: Caller, other: str
) -> None:
    resource = f"acs:oss:*:{other}:bucket/logs"
    decision = ram.authorizer.decide(alice_caller, "oss:GetObject", resource)
    assert decision.missing == ("identity", "resource")


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "acs:oss:*:*:bucket/logs",
        "acs:ram::system:policy/AliyunSTSAssumeRoleAccess",
        "acs:ram:::user/nobody",
        "not-an-arn",
    ],
)
def test_resources_of_no_account_are_judged_by_the_policies_alone(
    ram: RamService, alice_caller: Caller, grant_alice: Callable[..., None], resource: str
) -> None:
    assert not ram.authorizer.decide(alice_caller, "oss:GetObject", resource).allowed
    grant_alice(EVERYTHING)
    assert ram.authorizer.decide(alice_caller, "oss:GetObject", resource).allowed


@pytest.mark.parametrize(
    "template",
    [
        "ACS:oss:*:{}:bucket/logs",
        " acs:oss:*:{}:bucket/logs",
        "acs:oss:*:{}",
        "acs:oss:*:{} :bucket/logs",
    ],
    ids=["upper-case", "blank", "cut-short", "padded-account"],
)
def test_an_unusual_spelling_of_another_accounts_arn_is_still_refused(
    ram: RamService,
    alice_caller: Caller,
    other: str,
    grant_alice: Callable[..., None],
    template: str,
) -> None:
    grant_alice(EVERYTHING)
    resource = template.format(other)
    assert ram.authorizer.decide(alice_caller, "oss:GetObject", resource).effect == "ImplicitDeny"


def test_a_root_is_refused_another_accounts_resource_as_its_users_are(
    ram: RamService, root: Caller, other: str
) -> None:
    resource = f"acs:oss:*:{other}:bucket/logs"
    with pytest.raises(NoPermission) as excinfo:
        ram.authorizer.require(root, "oss:GetObject", resource)
    assert (denial(excinfo)["AuthPrincipalType"], denial(excinfo)["PolicyType"]) == (
        "Account",
        "ResourceBasedPolicy",
    )


def test_the_identity_half_alone_may_name_another_accounts_role(
    ram: RamService, alice_caller: Caller, other: str, grant_alice: Callable[..., None]
) -> None:
    """What AssumeRole asks: the role's trust policy is the other half, which it evaluates."""
    grant_alice(statement("Allow", "sts:AssumeRole"))
    role = f"acs:ram::{other}:role/for-partners"
    assert not ram.authorizer.decide(alice_caller, "sts:AssumeRole", role).allowed
    assert ram.authorizer.decide(
        alice_caller, "sts:AssumeRole", role, with_resource_policy=True
    ).allowed


_NAMES = itertools.count()
_SEGMENT = st.text(
    st.characters(blacklist_characters=":", blacklist_categories=["Cs"]), max_size=12
)
_ACCOUNTS = st.one_of(st.from_regex(r"\A[0-9]{16}\Z"), _SEGMENT.filter(bool))


@st.composite
def foreign_arns(draw: st.DrawFn, own_account: str) -> tuple[str, str]:
    """(an ARN of an account other than ``own_account``, the same ARN in ``own_account``)."""
    account = draw(_ACCOUNTS.filter(lambda a: a not in (own_account, "*", "system")))
    prefix = draw(st.sampled_from(["acs", "ACS", "Acs", " acs"]))
    service = draw(st.from_regex(r"\A[a-z]{1,8}\Z"))
    region = draw(st.one_of(st.sampled_from(["", "*", "cn-hangzhou"]), _SEGMENT))
    relative = draw(st.text(max_size=30))
    return (
        f"{prefix}:{service}:{region}:{account}:{relative}",
        f"{prefix}:{service}:{region}:{own_account}:{relative}",
    )


def _covering(arn: str) -> list[str]:
    """Resource patterns that cover ``arn``, from the broadest to the exact ARN."""
    if not arn.startswith("acs:"):  # patterns compare exactly: only "*" covers "ACS:…"
        return ["*"]
    service, _, account = arn.split(":", 4)[1:4]
    return ["*", "acs:*:*:*:*", f"acs:{service}:*:*:*", f"acs:{service}:*:{account}:*", arn]


@st.composite
def granting_policies(draw: st.DrawFn, foreign: str, own: str) -> dict[str, Any]:
    """An identity policy whose Allow covers both ARNs, as broadly or as exactly as policies can
    name them."""
    resources = [draw(st.sampled_from(_covering(foreign))), draw(st.sampled_from(_covering(own)))]
    service = foreign.split(":", 2)[1]
    actions = draw(st.sampled_from(["*", f"{service}:*", [f"{service}:Get*", "ram:*"]]))
    return {"Effect": "Allow", "Action": actions, "Resource": sorted(set(resources))}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(data=st.data())
def test_no_identity_policy_allows_a_resource_of_another_account(
    ram: RamService,
    account: Account,
    grant: Callable[..., None],
    make_user: Callable[[str], User],
    caller_for_user: Callable[[User], Caller],
    role_session: Callable[..., Caller],
    data: st.DataObject,
) -> None:
    """For any account and ARN: whatever a user's or a role's policy says, a resource whose
    account segment names another account is refused; the same ARN in its own account is not."""
    foreign, own = data.draw(foreign_arns(account.account_id))
    allow = data.draw(granting_policies(foreign, own))
    service = foreign.split(":", 2)[1]
    name = f"principal-{next(_NAMES)}"  # a fresh principal per example
    if data.draw(st.booleans(), label="a role session"):
        caller = role_session(name)
        assert caller.role_id is not None
        grant("Role", caller.role_id, account.account_id, allow)
    else:
        user = make_user(name)
        grant("User", user.user_id, account.account_id, allow)
        caller = caller_for_user(user)
    action = f"{service}:GetThing"
    decision = ram.authorizer.decide(caller, action, foreign)
    assert decision.effect == "ImplicitDeny"
    assert "resource" in decision.missing
    assert ram.authorizer.decide(caller, action, own).allowed
