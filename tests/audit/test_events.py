"""The ActionTrail document of a call: protocol parameters left out, secrets redacted at any
depth, the resources a call names, and whose trail a call without a caller goes on."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ramsts.audit import Call, EventSource, Outcome
from ramsts.audit.events import build_event, event_rw, referenced_resources, trail_account
from ramsts.parameters import SECRET_PARAMETERS

ACCOUNT = "1234567890123456"
STS = EventSource("sts.aliyuncs.com", "Sts")
ROLE_ARN = f"acs:ram::{ACCOUNT}:role/admin"


def anonymous(**parameters: str) -> Call:
    return Call(
        source=STS,
        event_name="AssumeRoleWithOIDC",
        event_type="ApiCall",
        request_id="R",
        source_ip="192.0.2.1",
        user_agent="sdk",
        parameters=parameters,
        api_version="2015-04-01",
    )


def test_an_anonymous_federation_call_goes_on_the_roles_accounts_trail() -> None:
    assert trail_account(anonymous(RoleArn=ROLE_ARN)) == ACCOUNT
    assert trail_account(anonymous(RoleArn="acs:ram::not-an-account:role/x")) is None
    assert trail_account(anonymous()) is None


def test_the_request_parameters_hold_what_was_asked_not_how_it_was_signed() -> None:
    call = anonymous(
        RoleArn=ROLE_ARN,
        OIDCToken="eyJ.secret.token",
        AccessKeyId="LTAI5tX",
        SignatureNonce="n",
        Timestamp="t",
        Action="AssumeRoleWithOIDC",
        Version="2015-04-01",
        RoleSessionName="s",
    )
    event = build_event(call, Outcome(response={"Credentials": {"SecurityToken": "tok"}}), ACCOUNT)
    assert event.document["requestParameters"] == {
        "RoleArn": ROLE_ARN,
        "OIDCToken": "***",
        "RoleSessionName": "s",
    }
    assert event.document["responseElements"] == {"Credentials": {"SecurityToken": "***"}}
    assert event.document["userIdentity"] == {"type": "unknown", "accountId": ACCOUNT}
    assert event.resources == (("ACS::RAM::Role", "admin"),)


def test_resources_are_named_from_the_parameters_each_once() -> None:
    assert referenced_resources(
        {
            "UserName": "alice",
            "GroupName": "devs",
            "PolicyName": "ReadOnly",
            "UserPrincipalName": "alice@1234567890123456.onaliyun.com",
            "UserAccessKeyId": "LTAI5tAlice",
        }
    ) == (
        ("ACS::RAM::User", "alice"),
        ("ACS::RAM::Group", "devs"),
        ("ACS::RAM::Policy", "ReadOnly"),
        ("ACS::RAM::AccessKey", "LTAI5tAlice"),
    )


@given(
    st.dictionaries(
        st.sampled_from(["UserName", "RoleArn", "GroupName", "RoleName", "Action", "Marker", ""]),
        st.sampled_from(["", "alice", "acs:ram::1234567890123456:role/admin", "admin"]),
    )
)
def test_a_call_naming_one_resource_or_several_names_each_by_its_parameter(
    parameters: dict[str, str],
) -> None:
    kinds = {
        "UserName": "ACS::RAM::User",
        "RoleArn": "ACS::RAM::Role",
        "GroupName": "ACS::RAM::Group",
        "RoleName": "ACS::RAM::Role",
    }
    # The documented order: users, groups, then roles by name before roles by ARN.
    order = ["UserName", "GroupName", "RoleName", "RoleArn"]
    named = {name: parameters[name] for name in order if parameters.get(name)}
    if "RoleArn" in named:  # a role's name follows its ARN's last /
        named["RoleArn"] = named["RoleArn"].rpartition("/")[2]
    expected = [(kinds[name], value) for name, value in named.items()]
    assert referenced_resources(parameters) == tuple(dict.fromkeys(expected))


def test_reads_are_told_from_writes_by_the_actions_verb() -> None:
    assert [event_rw(n) for n in ("GetUser", "ListRoles", "CreateUser", "AssumeRole")] == [
        "Read",
        "Read",
        "Write",
        "Write",
    ]


_json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_names = st.one_of(st.sampled_from(sorted(SECRET_PARAMETERS)), st.text(max_size=8))
_bodies = st.recursive(
    _json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(_names, _bodies, max_size=4), st.sampled_from(sorted(SECRET_PARAMETERS)))
def test_a_secret_anywhere_in_a_response_never_reaches_the_event(
    body: dict[str, object], secret_name: str
) -> None:
    secret = "Zq9-SECRET-VALUE-kx"
    response = {**body, "Wrapper": [{secret_name: secret, "Kept": 1}]}
    document = build_event(
        anonymous(RoleArn=ROLE_ARN), Outcome(response=response), ACCOUNT
    ).document
    assert secret not in json.dumps(document)
    assert document["responseElements"]["Wrapper"] == [{secret_name: "***", "Kept": 1}]
