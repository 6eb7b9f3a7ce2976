"""AssumeRole (api.md §8.1, policy-language §4.4–4.6): parameters, who may assume which role,
and what the response and the resulting session say."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime

import pytest
from sts_support import Directory, Sts, allow, root_caller, trust, user_caller

from ramsts.errors import RamstsError
from ramsts.sts.assume_role import ROLE_CACHE_TTL, ROOT_REFUSED, AssumeRole
from ramsts.sts.wire.sessions import assume_role_action

READER_ARN = "acs:ram::{}:role/reader"


def reader_arn(directory: Directory) -> str:
    return READER_ARN.format(directory.acme.account_id)


def code_of(sts: Sts, directory: Directory, **params: str) -> str:
    base = {"RoleArn": reader_arn(directory), "RoleSessionName": "alice-session"}
    error = sts.refusal(lambda: sts.assume(user_caller(directory.alice), **{**base, **params}))
    return error.code


# -- the response ------------------------------------------------------------------------------


def test_response_has_exactly_the_documented_shape(sts: Sts, directory: Directory) -> None:
    body = sts.assume(
        user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName="s1"
    )
    assert set(body) == {"Credentials", "AssumedRoleUser"}
    credentials = body["Credentials"]
    assert set(credentials) == {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert credentials["AccessKeyId"].startswith("STS.")
    assert credentials["SecurityToken"].startswith("CAIS")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", credentials["Expiration"])
    role = directory.reader
    assert body["AssumedRoleUser"] == {
        "Arn": f"acs:ram::{role.account_id}:role/reader/s1",
        "AssumedRoleId": f"{role.role_id}:s1",
    }


def test_expiration_is_issue_time_plus_duration(sts: Sts, directory: Directory) -> None:
    issued = sts.clock().replace(microsecond=0)
    for duration, expected in (("900", 900), (None, 3600), ("7200", 7200)):
        params = {"RoleArn": reader_arn(directory), "RoleSessionName": "s1"}
        if duration is not None:
            params["DurationSeconds"] = duration
        body = sts.assume(user_caller(directory.alice), **params)
        expiration = datetime.strptime(body["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%S%z")
        assert (expiration - issued).total_seconds() == expected


def test_source_identity_is_echoed_only_when_given(sts: Sts, directory: Directory) -> None:
    body = sts.assume(
        user_caller(directory.alice),
        RoleArn=reader_arn(directory),
        RoleSessionName="s1",
        SourceIdentity="alice@example.com",
    )
    assert body["SourceIdentity"] == "alice@example.com"
    assert sts.use(body["Credentials"]).source_identity == "alice@example.com"


def test_the_session_acts_as_the_assumed_role(sts: Sts, directory: Directory) -> None:
    body = sts.assume(
        user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName="s1"
    )
    session = sts.use(body["Credentials"])
    assert session.identity_type == "AssumedRoleUser"
    assert session.arn == f"acs:ram::{directory.acme.account_id}:assumed-role/reader/s1"
    assert session.principal_id == f"{directory.reader.role_id}:s1"
    assert session.account_id == directory.acme.account_id


def test_role_names_match_whatever_their_letter_case(sts: Sts, directory: Directory) -> None:
    arn = f"acs:ram::{directory.acme.account_id}:role/READER"
    body = sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    assert body["AssumedRoleUser"]["Arn"].endswith(":role/reader/s1")


# -- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"RoleArn": ""}, "MissingParameter.RoleArn"),
        ({"RoleSessionName": ""}, "MissingParameter.RoleSessionName"),
        ({"RoleArn": "acs:ram::123:user/reader"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": "reader"}, "InvalidParameter.RoleArn"),
        ({"RoleSessionName": "a"}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "x" * 65}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "alice session"}, "InvalidParameter.RoleSessionName"),
        ({"DurationSeconds": "899"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "7201"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "an hour"}, "InvalidParameter.DurationSeconds"),
        ({"Policy": "{not json"}, "InvalidParameter.PolicyGrammar"),
        ({"Policy": '{"Version":"1","Statement":[]}'}, "InvalidParameter.PolicyGrammar"),
        ({"ExternalId": "a"}, "InvalidParameter.ExternalId"),
        ({"ExternalId": "a" * 1225}, "InvalidParameter.ExternalId"),
        ({"ExternalId": "abc def"}, "InvalidParameter.ExternalId"),
        ({"SourceIdentity": "a"}, "InvalidParameter.SourceIdentity"),
        ({"SourceIdentity": "acs:alice"}, "InvalidParameter.SourceIdentity"),
        ({"SourceIdentity": "Aliyun:alice"}, "InvalidParameter.SourceIdentity"),
        ({"SourceIdentity": "alice/bob"}, "InvalidParameter.SourceIdentity"),
    ],
)
def test_each_parameter_rule_has_its_code(
    sts: Sts, directory: Directory, params: dict[str, str], code: str
) -> None:
    assert code_of(sts, directory, **params) == code


def test_a_session_policy_over_2048_characters_is_refused(sts: Sts, directory: Directory) -> None:
    actions = [f"ram:GetUser{i:04d}" for i in range(150)]
    policy = json.dumps({"Version": "1", "Statement": [allow(actions)]})
    assert code_of(sts, directory, Policy=policy) == "InvalidParameter.PolicySize"


def test_session_names_of_64_characters_and_every_allowed_sign_pass(
    sts: Sts, directory: Directory
) -> None:
    name = "aliyun-python-sdk-1764264698.123456@Ex_" + "x" * 25
    assert len(name) == 64
    body = sts.assume(
        user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName=name
    )
    assert body["AssumedRoleUser"]["Arn"].endswith(f"/{name}")


def test_a_missing_role_is_404_for_a_caller_allowed_to_assume_it(
    sts: Sts, directory: Directory
) -> None:
    arn = f"acs:ram::{directory.acme.account_id}:role/ghost"
    error = sts.refusal(
        lambda: sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    )
    assert (error.code, error.http_status) == ("EntityNotExist.Role", 404)


def test_a_missing_role_is_not_revealed_to_a_caller_without_permission(
    sts: Sts, directory: Directory
) -> None:
    carol = sts.user(directory.acme, "carol")
    arn = f"acs:ram::{directory.acme.account_id}:role/ghost"
    error = sts.refusal(lambda: sts.assume(user_caller(carol), RoleArn=arn, RoleSessionName="s1"))
    assert error.code == "NoPermission"


# -- who may assume ----------------------------------------------------------------------------


def test_an_accounts_root_may_not_assume_a_role(sts: Sts, directory: Directory) -> None:
    error = sts.refusal(
        lambda: sts.assume(
            root_caller(directory.acme), RoleArn=reader_arn(directory), RoleSessionName="s1"
        )
    )
    assert (error.code, error.http_status, error.message) == ("NoPermission", 403, ROOT_REFUSED)


def test_the_caller_needs_sts_assume_role_on_the_role(sts: Sts, directory: Directory) -> None:
    carol = sts.user(directory.acme, "carol")
    # The user's document, step 4: a permission on the role's ARN that is not sts:AssumeRole.
    sts.grant(
        "User",
        carol.user_id,
        directory.acme.account_id,
        allow("iot:QueryProduct", reader_arn(directory)),
    )
    error = sts.refusal(
        lambda: sts.assume(user_caller(carol), RoleArn=reader_arn(directory), RoleSessionName="s1")
    )
    assert error.code == "NoPermission"
    assert error.detail["AuthAction"] == "sts:AssumeRole"
    sts.grant(
        "User",
        carol.user_id,
        directory.acme.account_id,
        allow("sts:AssumeRole", reader_arn(directory)),
    )
    assert sts.assume(user_caller(carol), RoleArn=reader_arn(directory), RoleSessionName="s1")


def test_a_trust_policy_that_does_not_name_the_caller_refuses(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    sts.role(acme, "only-dave", trust(f"acs:ram::{acme.account_id}:user/dave"))
    arn = f"acs:ram::{acme.account_id}:role/only-dave"
    error = sts.refusal(
        lambda: sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    )
    assert error.code == "NoPermission"
    detail = error.detail
    assert (detail["PolicyType"], detail["NoPermissionType"]) == (
        "ResourceBasedPolicy",
        "ImplicitDeny",
    )


def test_a_trust_policy_naming_the_user_trusts_that_user_only(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    sts.role(acme, "alice-only", trust(directory.alice.arn))
    arn = f"acs:ram::{acme.account_id}:role/alice-only"
    assert sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    carol = sts.user(acme, "carol")
    sts.grant("User", carol.user_id, acme.account_id, allow("sts:AssumeRole"))
    assert (
        sts.refusal(lambda: sts.assume(user_caller(carol), RoleArn=arn, RoleSessionName="s1")).code
        == "NoPermission"
    )


def test_a_changed_trust_policy_is_in_force_at_the_next_read_of_the_role(
    sts: Sts, directory: Directory
) -> None:
    """The parsed trust policy is kept while the role's document stays the same text, and
    dropped the moment another text is read (the fixture reads the role on every call)."""
    acme = directory.acme

    def set_trust(document: str) -> None:
        with sts.store.transaction() as tx:
            tx.roles.update(
                replace(directory.reader, assume_role_policy_document=document),
                now=sts.clock(),
            )

    def assume() -> object:
        return sts.assume(
            user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName="s1"
        )

    assert assume()
    assert assume()
    set_trust(trust(f"acs:ram::{acme.account_id}:user/dave"))
    assert sts.refusal(assume).code == "NoPermission"
    assert sts.refusal(assume).code == "NoPermission"
    set_trust(trust(acme.root_arn))
    assert assume()


def test_a_cached_role_is_read_again_once_its_time_is_up(sts: Sts, directory: Directory) -> None:
    """With the production cache, a new trust policy is in force after ROLE_CACHE_TTL."""
    assume_role = assume_role_action(
        AssumeRole(
            sts.store, sts.authorizer, sts.key_ring, clock=sts.clock, monotonic=sts.clock.monotonic
        )
    ).handler()
    params = {"RoleArn": reader_arn(directory), "RoleSessionName": "s1"}
    assert assume_role(user_caller(directory.alice), params)
    with sts.store.transaction() as tx:
        tx.roles.update(
            replace(directory.reader, assume_role_policy_document=trust(directory.globex.root_arn)),
            now=sts.clock(),
        )
    assert assume_role(user_caller(directory.alice), params)  # still the cached role
    sts.clock.advance(ROLE_CACHE_TTL)
    refused = sts.refusal(lambda: assume_role(user_caller(directory.alice), params))
    assert refused.code == "NoPermission"


def test_the_external_id_condition_is_enforced(sts: Sts, directory: Directory) -> None:
    acme = directory.acme
    condition = {"StringEquals": {"sts:ExternalId": "abcd1234"}}
    sts.role(acme, "partner", trust(acme.root_arn, condition=condition))
    arn = f"acs:ram::{acme.account_id}:role/partner"
    alice = user_caller(directory.alice)
    for wrong in ({}, {"ExternalId": "abcd12345"}):
        error = sts.refusal(
            lambda w=wrong: sts.assume(alice, RoleArn=arn, RoleSessionName="s1", **w)
        )  # type: ignore[misc]
        assert error.code == "NoPermission"
    assert sts.assume(alice, RoleArn=arn, RoleSessionName="s1", ExternalId="abcd1234")


def test_session_name_and_source_ip_conditions_apply_to_trust(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    condition = {
        "StringLike": {"sts:RoleSessionName": "ci-*"},
        "IpAddress": {"acs:SourceIp": "192.0.2.0/24"},
    }
    sts.role(acme, "ci", trust(acme.root_arn, condition=condition))
    arn = f"acs:ram::{acme.account_id}:role/ci"
    assert sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="ci-build")
    assert (
        sts.refusal(
            lambda: sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="build")
        ).code
        == "NoPermission"
    )
    elsewhere = user_caller(directory.alice, **{"acs:SourceIp": "198.51.100.1"})
    assert (
        sts.refusal(lambda: sts.assume(elsewhere, RoleArn=arn, RoleSessionName="ci-build")).code
        == "NoPermission"
    )


def test_an_explicit_deny_in_the_callers_policies_wins(sts: Sts, directory: Directory) -> None:
    acme = directory.acme
    sts.grant(
        "User",
        directory.alice.user_id,
        acme.account_id,
        allow("sts:AssumeRole", reader_arn(directory), effect="Deny"),
    )
    error = sts.refusal(
        lambda: sts.assume(
            user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName="s1"
        )
    )
    assert error.detail["NoPermissionType"] == "ExplicitDeny"


def test_an_explicit_deny_in_the_trust_policy_wins(sts: Sts, directory: Directory) -> None:
    acme = directory.acme
    document = json.loads(trust(acme.root_arn))
    document["Statement"].append(
        json.loads(trust(directory.alice.arn, effect="Deny"))["Statement"][0]
    )
    sts.role(acme, "not-alice", json.dumps(document))
    arn = f"acs:ram::{acme.account_id}:role/not-alice"
    error = sts.refusal(
        lambda: sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    )
    assert error.detail["NoPermissionType"] == "ExplicitDeny"


def test_a_trust_deny_is_reported_even_when_the_identity_side_also_refuses(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    carol = sts.user(acme, "carol")
    sts.role(acme, "not-carol", trust(carol.arn, effect="Deny"))
    arn = f"acs:ram::{acme.account_id}:role/not-carol"
    error = sts.refusal(lambda: sts.assume(user_caller(carol), RoleArn=arn, RoleSessionName="s1"))
    detail = error.detail
    assert (detail["NoPermissionType"], detail["PolicyType"]) == (
        "ExplicitDeny",
        "ResourceBasedPolicy",
    )


def test_cross_account_needs_both_halves(sts: Sts, directory: Directory) -> None:
    acme, globex, bob = directory.acme, directory.globex, directory.bob
    sts.role(acme, "for-globex", trust(globex.root_arn))
    arn = f"acs:ram::{acme.account_id}:role/for-globex"
    assert (
        sts.refusal(lambda: sts.assume(user_caller(bob), RoleArn=arn, RoleSessionName="s1")).code
        == "NoPermission"
    )
    sts.grant("User", bob.user_id, globex.account_id, allow("sts:AssumeRole", arn))
    body = sts.assume(user_caller(bob), RoleArn=arn, RoleSessionName="s1")
    session = sts.use(body["Credentials"])
    assert session.account_id == acme.account_id
    # The acme role trusts globex, not acme's own users.
    assert (
        sts.refusal(
            lambda: sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
        ).code
        == "NoPermission"
    )


# -- what the session may do -------------------------------------------------------------------


def test_a_session_policy_narrows_the_roles_permissions(sts: Sts, directory: Directory) -> None:
    policy = json.dumps({"Version": "1", "Statement": [allow("ram:ListUsers")]})
    body = sts.assume(
        user_caller(directory.alice),
        RoleArn=reader_arn(directory),
        RoleSessionName="s1",
        Policy=policy,
    )
    session = sts.use(body["Credentials"])
    account = directory.acme.account_id
    assert sts.authorizer.decide(session, "ram:ListUsers", f"acs:ram::{account}:user/*").allowed
    assert not sts.authorizer.decide(session, "ram:ListRoles", f"acs:ram::{account}:role/*").allowed


def test_a_session_policy_cannot_add_to_the_roles_permissions(
    sts: Sts, directory: Directory
) -> None:
    policy = json.dumps({"Version": "1", "Statement": [allow("*")]})
    body = sts.assume(
        user_caller(directory.alice),
        RoleArn=reader_arn(directory),
        RoleSessionName="s1",
        Policy=policy,
    )
    session = sts.use(body["Credentials"])
    assert not sts.authorizer.decide(session, "ecs:DescribeInstances", "*").allowed
    assert sts.authorizer.decide(session, "ram:GetUser", "*").allowed


def test_a_session_policy_is_carried_compact_and_checked_on_every_call(
    sts: Sts, directory: Directory
) -> None:
    """The same text sent again gives the same session policy (parsed once, kept); a malformed
    one is refused every time it is sent, never remembered as good."""
    policy = json.dumps({"Version": "1", "Statement": [allow("ram:ListUsers")]}, indent=2)
    carried = []
    for _ in range(2):
        body = sts.assume(
            user_caller(directory.alice),
            RoleArn=reader_arn(directory),
            RoleSessionName="s1",
            Policy=policy,
        )
        carried.append(sts.use(body["Credentials"]).session_policy)
    assert carried[0] == carried[1]
    assert carried[0] is not None
    assert " " not in carried[0] and "\n" not in carried[0]
    assert json.loads(carried[0])["Statement"][0]["Action"] == ["ram:ListUsers"]
    for _ in range(2):
        assert code_of(sts, directory, Policy='{"Version": "1", "Statement": [') == (
            "InvalidParameter.PolicyGrammar"
        )


def test_a_role_session_may_assume_another_role_for_at_most_an_hour(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    first = sts.use(
        sts.assume(
            user_caller(directory.alice), RoleArn=reader_arn(directory), RoleSessionName="s1"
        )["Credentials"]
    )
    sts.role(acme, "long", trust(f"acs:ram::{acme.account_id}:role/reader"), max_session=43200)
    sts.grant("Role", directory.reader.role_id, acme.account_id, allow("sts:AssumeRole"))
    arn = f"acs:ram::{acme.account_id}:role/long"
    error = sts.refusal(
        lambda: sts.assume(first, RoleArn=arn, RoleSessionName="s2", DurationSeconds="3601")
    )
    assert error.code == "InvalidParameter.DurationSeconds"
    chained = sts.assume(first, RoleArn=arn, RoleSessionName="s2", DurationSeconds="3600")
    assert sts.use(chained["Credentials"]).arn.endswith(":assumed-role/long/s2")
    # Unchained, the same role allows twelve hours.
    sts.grant("User", directory.alice.user_id, acme.account_id, allow("sts:AssumeRole"))
    sts.role(acme, "long-for-users", trust(acme.root_arn), max_session=43200)
    direct = f"acs:ram::{acme.account_id}:role/long-for-users"
    assert sts.assume(
        user_caller(directory.alice), RoleArn=direct, RoleSessionName="s3", DurationSeconds="43200"
    )


def test_a_role_session_needs_its_own_permission_to_chain(sts: Sts, directory: Directory) -> None:
    acme = directory.acme
    policy = json.dumps({"Version": "1", "Statement": [allow("ram:List*")]})
    first = sts.use(
        sts.assume(
            user_caller(directory.alice),
            RoleArn=reader_arn(directory),
            RoleSessionName="s1",
            Policy=policy,
        )["Credentials"]
    )
    sts.role(acme, "next", trust(acme.root_arn))
    sts.grant("Role", directory.reader.role_id, acme.account_id, allow("sts:AssumeRole"))
    arn = f"acs:ram::{acme.account_id}:role/next"
    # The role may assume, but its session policy does not allow sts:AssumeRole.
    error = sts.refusal(lambda: sts.assume(first, RoleArn=arn, RoleSessionName="s2"))
    assert error.code == "NoPermission"


def test_errors_never_carry_a_credential(sts: Sts, directory: Directory) -> None:
    with pytest.raises(RamstsError) as caught:
        sts.assume(
            user_caller(directory.alice),
            RoleArn=reader_arn(directory),
            RoleSessionName="s1",
            DurationSeconds="99999",
        )
    assert "STS." not in str(caught.value) and "CAIS" not in str(caught.value)
