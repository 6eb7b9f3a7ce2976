"""Trust evaluation (R29–R31): who may assume a role, and with which conditions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.policy import (
    DecidingStatement,
    Principal,
    evaluate_trust,
    named_principals,
    parse_policy,
)

UID = "1234567890123456"
OTHER = "9876543210987654"


def trust(principal: dict[str, Any], effect: str = "Allow", **extra: Any) -> Any:
    statement = {"Effect": effect, "Action": "sts:AssumeRole", "Principal": principal, **extra}
    return parse_policy({"Version": "1", "Statement": [statement]}, "trust")


USER = Principal(f"acs:ram::{UID}:user/alice", UID, "RAMUser")
SESSION = Principal(f"acs:ram::{UID}:assumed-role/ops/s1", UID, "AssumedRoleUser")


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (USER, True),
        (SESSION, True),
        (Principal(f"acs:ram::{OTHER}:user/alice", OTHER, "RAMUser"), False),
        (Principal(UID, UID, "Account"), False),
        (Principal("ecs.aliyuncs.com", UID, "Service"), False),
    ],
)
def test_R29_the_account_root_trusts_its_users_and_role_sessions(
    principal: Principal, expected: bool
) -> None:
    assert evaluate_trust(trust({"RAM": f"acs:ram::{UID}:root"}), principal).allowed is expected


def test_R29_a_user_principal_trusts_that_user_only() -> None:
    policy = trust({"RAM": f"acs:ram:*:{UID}:user/alice"})
    assert evaluate_trust(policy, USER).allowed
    bob = Principal(f"acs:ram::{UID}:user/bob", UID, "RAMUser")
    assert evaluate_trust(policy, bob).missing == ("trust",)


@pytest.mark.parametrize(
    "arn",
    [
        f"acs:ram::{UID}:assumed-role/ops/s1",
        f"acs:sts::{UID}:assumed-role/ops/s1",
        f"acs:ram::{UID}:role/ops/s1",
    ],
)
def test_R29_a_role_principal_trusts_sessions_of_that_role_in_every_arn_form(arn: str) -> None:
    policy = trust({"RAM": [f"acs:ram::{UID}:role/ops"]})
    assert evaluate_trust(policy, Principal(arn, UID, "AssumedRoleUser")).allowed
    other = Principal(arn.replace("ops", "dev"), UID, "AssumedRoleUser")
    assert not evaluate_trust(policy, other).allowed


def test_R29_a_session_may_name_its_role_directly() -> None:
    policy = trust({"RAM": f"acs:ram::{UID}:role/ops"})
    session = Principal("opaque", UID, "AssumedRoleUser", role_arn=f"acs:ram::{UID}:role/ops")
    assert evaluate_trust(policy, session).allowed


def test_R29_service_and_federated_principals() -> None:
    service = trust({"Service": ["ecs.aliyuncs.com"]})
    assert evaluate_trust(service, Principal("ecs.aliyuncs.com", UID, "Service")).allowed
    assert not evaluate_trust(service, Principal("fc.aliyuncs.com", UID, "Service")).allowed
    assert not evaluate_trust(service, USER).allowed
    idp = f"acs:ram::{UID}:oidc-provider/example-idp"
    federated = trust(
        {"Federated": idp},
        Condition={"StringEquals": {"oidc:aud": "sts.aliyuncs.com", "oidc:sub": "system:sa"}},
    )
    context = {"oidc:aud": "sts.aliyuncs.com", "oidc:sub": "system:sa"}
    oidc = Principal(idp, UID, "Federated")
    assert evaluate_trust(federated, oidc, context, action="sts:AssumeRoleWithOIDC").allowed
    assert not evaluate_trust(federated, oidc, {**context, "oidc:sub": "x"}).allowed


def test_R30_external_id_must_be_given_and_right() -> None:
    policy = trust(
        {"RAM": f"acs:ram::{OTHER}:root"},
        Condition={"StringEquals": {"sts:ExternalId": "abcd1234"}},
    )
    partner = Principal(f"acs:ram::{OTHER}:user/robot", OTHER, "RAMUser")
    assert evaluate_trust(policy, partner, {"sts:ExternalId": "abcd1234"}).statements == (
        DecidingStatement("AssumeRolePolicyDocument", 0, "Allow"),
    )
    assert not evaluate_trust(policy, partner, {"sts:ExternalId": "wrong"}).allowed
    assert not evaluate_trust(policy, partner).allowed


def test_R30_a_deny_statement_in_a_trust_policy_wins() -> None:
    policy = parse_policy(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": f"acs:ram::{UID}:root"},
                },
                {
                    "Effect": "Deny",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": f"acs:ram::{UID}:user/alice"},
                },
            ],
        },
        "trust",
    )
    assert evaluate_trust(policy, USER).effect == "ExplicitDeny"
    assert evaluate_trust(policy, SESSION).allowed


def test_R31_the_assume_role_actions_are_synonyms_and_nothing_else_is_trusted() -> None:
    policy = trust({"RAM": f"acs:ram::{UID}:root"}, Action="sts:AssumeRoleWithSAML")
    assert evaluate_trust(policy, USER, action="sts:AssumeRole").allowed
    assert not evaluate_trust(policy, USER, action="ecs:RunInstances").allowed


# -- R36: named principals by stable id ---------------------------------------------------------

NAMES = ("alice", "bob")
IDS = ("201", "202", "203")
principal_values = st.sampled_from(
    [f"acs:ram::{UID}:root"]
    + [f"acs:ram::{UID}:{kind}/{name}" for kind in ("user", "role") for name in NAMES]
)
trust_policies = st.lists(
    st.tuples(
        st.sampled_from(["Allow", "Deny"]), st.lists(principal_values, min_size=1, max_size=5)
    ),
    min_size=1,
    max_size=4,
).map(
    lambda statements: parse_policy(
        {
            "Version": "1",
            "Statement": [
                {"Effect": effect, "Action": "sts:AssumeRole", "Principal": {"RAM": values}}
                for effect, values in statements
            ],
        },
        "trust",
    )
)
callers = st.builds(
    lambda name, entity_id, session: (
        Principal(f"acs:ram::{UID}:assumed-role/{name}/s1", UID, "AssumedRoleUser", None, entity_id)
        if session
        else Principal(f"acs:ram::{UID}:user/{name}", UID, "RAMUser", None, entity_id)
    ),
    st.sampled_from(NAMES),
    st.sampled_from(IDS),
    st.booleans(),
)


@given(policy=trust_policies, caller=callers, bound=st.data())
def test_R36_binding_names_to_ids_only_narrows_what_a_trust_policy_allows(
    policy: Any, caller: Principal, bound: st.DataObject
) -> None:
    """Whatever ids the names were bound to, a caller allowed with them is allowed by the names
    alone, and one denied by the names alone is still denied."""
    named = [principal.arn for principal in named_principals(policy)]
    ids = bound.draw(
        st.dictionaries(st.sampled_from(named), st.sampled_from(IDS)) if named else st.just({})
    )
    with_ids = evaluate_trust(policy, caller, principal_ids=ids)
    by_name = evaluate_trust(policy, caller)
    if with_ids.allowed:
        assert by_name.allowed
    if by_name.effect == "ExplicitDeny":
        assert with_ids.effect == "ExplicitDeny"


def test_R36_named_principals_are_listed_once_in_their_canonical_spelling() -> None:
    policy = trust(
        {
            "RAM": [
                f"acs:ram:*:{UID}:user/alice",
                f"acs:ram::{UID}:user/alice",
                f"acs:ram::{UID}:role/ops",
                f"acs:ram::{UID}:root",
            ]
        }
    )
    assert [p.arn for p in named_principals(policy)] == [
        f"acs:ram::{UID}:user/alice",
        f"acs:ram::{UID}:role/ops",
    ]
