"""The grammar (docs/policy-language.md R1–R13): what is accepted, and every class of refusal
with its wire code and JSON pointer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ramsts.errors import RamstsError
from ramsts.policy import PolicyError, PolicyLimits, parse_policy


def allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*", **extra}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def trust(**extra: Any) -> dict[str, Any]:
    base = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"RAM": "acs:ram::1234567890123456:root"},
    }
    return doc({**base, **extra})


def refusal(source: Any, kind: str = "identity") -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(source, kind)  # type: ignore[arg-type]
    return caught.value


def test_accepts_the_documented_shapes_and_normalises_single_values() -> None:
    policy = parse_policy(doc(allow(Sid="Read")))
    statement = policy.statements[0]
    assert statement.actions == ("ecs:DescribeInstances",)
    assert statement.resources == ("*",)
    assert statement.sid == "Read"
    assert policy == parse_policy(doc({**allow(Sid="Read"), "Action": ["ecs:DescribeInstances"]}))


def test_R3_a_lone_statement_object_is_a_one_statement_list() -> None:
    lone = {"Version": "1", "Statement": allow()}
    assert parse_policy(lone) == parse_policy(doc(allow()))


def test_text_and_mapping_parse_to_the_same_tree() -> None:
    document = doc(
        allow(Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})
    )
    assert parse_policy(json.dumps(document, indent=2)) == parse_policy(document)
    assert parse_policy(json.dumps(document).encode()) == parse_policy(document)


def test_policy_error_is_a_ramsts_error_with_status_400() -> None:
    error = refusal("{")
    assert isinstance(error, RamstsError)
    assert error.http_status == 400
    assert error.detail == {"pointer": ""}


INVALID: list[tuple[str, Any, str, str]] = [
    # (rule, document, pointer, words the message must quote)
    ("R1 not JSON", '{"Version": "1",', "", "not valid JSON"),
    ("R1 not an object", "[]", "", "must be a JSON object"),
    ("R1 NaN", '{"Version": NaN}', "", "not valid JSON"),
    (
        "R1 duplicate key",
        '{"Version":"1","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}]}',
        "/Statement/0/Effect",
        '"Effect" appears more than once',
    ),
    ("R2 Version missing", {"Statement": [allow()]}, "", "Version is required"),
    (
        "R2 Version wrong",
        {"Version": "2012-10-17", "Statement": [allow()]},
        "/Version",
        '"2012-10-17"',
    ),
    ("R2 unknown top element", {**doc(allow()), "Id": "x"}, "/Id", '"Id" is not a policy element'),
    ("R2 Statement missing", {"Version": "1"}, "", "Statement is required"),
    ("R3 Statement empty", doc(), "/Statement", "at least one statement"),
    ("R3 Statement a string", {"Version": "1", "Statement": "x"}, "/Statement", '"x"'),
    ("R3 statement not an object", {"Version": "1", "Statement": [1]}, "/Statement/0", "1 is not"),
    (
        "R4 Effect missing",
        doc({"Action": "a:b", "Resource": "*"}),
        "/Statement/0",
        "Effect is required",
    ),
    ("R4 Effect lower case", doc(allow(Effect="allow")), "/Statement/0/Effect", '"allow"'),
    (
        "R4 element lower case",
        doc({**allow(), "effect": "Allow"}),
        "/Statement/0/effect",
        'use "Effect"',
    ),
    (
        "R4 unknown element",
        doc(allow(Foo="x")),
        "/Statement/0/Foo",
        '"Foo" is not a statement element',
    ),
    (
        "R4 Action and NotAction",
        doc(allow(NotAction="a:b")),
        "/Statement/0",
        "Action or NotAction, not both",
    ),
    ("R4 Action missing", doc({"Effect": "Allow", "Resource": "*"}), "/Statement/0", "Action"),
    ("R4 Resource missing", doc({"Effect": "Allow", "Action": "a:b"}), "/Statement/0", "Resource"),
    (
        "R5 bare number",
        doc(allow(Condition={"NumericLessThan": {"a:n": 10}})),
        "/Statement/0/Condition/NumericLessThan/a:n",
        '"10"',
    ),
    (
        "R5 bare boolean",
        doc(allow(Condition={"Bool": {"acs:SecureTransport": True}})),
        "/Statement/0/Condition/Bool/acs:SecureTransport",
        '"true"',
    ),
    ("R5 null", doc(allow(Resource=None)), "/Statement/0/Resource", "null is not a string"),
    ("R5 empty list", doc(allow(Action=[])), "/Statement/0/Action", "must not be empty"),
    (
        "R5 number in a list",
        doc(allow(Action=["a:b", 3])),
        "/Statement/0/Action/1",
        "3 must be written",
    ),
    (
        "R6 action without service",
        doc(allow(Action="DescribeInstances")),
        "/Statement/0/Action",
        '"DescribeInstances"',
    ),
    (
        "R7 resource not an ARN",
        doc(allow(Resource=["*", "my-bucket"])),
        "/Statement/0/Resource/1",
        '"my-bucket"',
    ),
    (
        "R8 IfExists",
        doc(allow(Condition={"StringEqualsIfExists": {"a:b": "x"}})),
        "/Statement/0/Condition/StringEqualsIfExists",
        "IfExists",
    ),
    (
        "R8 Null",
        doc(allow(Condition={"Null": {"a:b": "true"}})),
        "/Statement/0/Condition/Null",
        "Null operator",
    ),
    (
        "R8 ForAnyValue",
        doc(allow(Condition={"ForAnyValue:StringEquals": {"a:b": "x"}})),
        "/Statement/0/Condition/ForAnyValue:StringEquals",
        "ForAnyValue",
    ),
    (
        "R8 Arn",
        doc(allow(Condition={"ArnLike": {"a:b": "x"}})),
        "/Statement/0/Condition/ArnLike",
        "Arn",
    ),
    (
        "R8 Binary",
        doc(allow(Condition={"BinaryEquals": {"a:b": "eA=="}})),
        "/Statement/0/Condition/BinaryEquals",
        "Binary",
    ),
    (
        "R8 operator case",
        doc(allow(Condition={"stringequals": {"a:b": "x"}})),
        "/Statement/0/Condition/stringequals",
        "'StringEquals'",
    ),
    (
        "R8 empty condition",
        doc(allow(Condition={})),
        "/Statement/0/Condition",
        "at least one operator",
    ),
    (
        "R8 bad key",
        doc(allow(Condition={"StringEquals": {"nokey": "x"}})),
        "/Statement/0/Condition/StringEquals/nokey",
        '"nokey"',
    ),
    (
        "R8 key with slash",
        doc(allow(Condition={"StringEquals": {"acs:ResourceTag/env": []}})),
        "/Statement/0/Condition/StringEquals/acs:ResourceTag~1env",
        "must not be empty",
    ),
    (
        "R9 bad CIDR",
        doc(allow(Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "10.0.0.0/33"]}})),
        "/Statement/0/Condition/IpAddress/acs:SourceIp/1",
        '"10.0.0.0/33"',
    ),
    (
        "R9 bad number",
        doc(allow(Condition={"NumericEquals": {"a:n": "ten"}})),
        "/Statement/0/Condition/NumericEquals/a:n",
        '"ten"',
    ),
    (
        "R9 bad date",
        doc(allow(Condition={"DateLessThan": {"acs:CurrentTime": "2024-13-01"}})),
        "/Statement/0/Condition/DateLessThan/acs:CurrentTime",
        '"2024-13-01"',
    ),
    (
        "R9 naive date-time",
        doc(allow(Condition={"DateLessThan": {"acs:CurrentTime": "2024-01-01T10:00:00"}})),
        "/Statement/0/Condition/DateLessThan/acs:CurrentTime",
        "offset",
    ),
    (
        "R9 bad bool",
        doc(allow(Condition={"Bool": {"acs:SecureTransport": "True"}})),
        "/Statement/0/Condition/Bool/acs:SecureTransport",
        '"True"',
    ),
    (
        "R13 Principal outside trust",
        doc(allow(Principal={"RAM": "acs:ram::1:root"})),
        "/Statement/0/Principal",
        "only in trust",
    ),
]


@pytest.mark.parametrize(
    ("rule", "document", "pointer", "quoted"), INVALID, ids=[c[0] for c in INVALID]
)
def test_invalid_identity_documents_are_refused_with_a_pointer(
    rule: str, document: Any, pointer: str, quoted: str
) -> None:
    error = refusal(document)
    assert error.code == "MalformedPolicyDocument"
    assert error.pointer == pointer
    assert quoted in error.message
    assert "Error" not in error.message  # R11: no class names in messages


def test_R11_session_policies_answer_with_the_session_codes() -> None:
    assert refusal(doc(allow(Effect="allow")), "session").code == "InvalidParameter.PolicyGrammar"
    assert refusal(trust(Foo="x"), "trust").code == "MalformedPolicyDocument"


INVALID_TRUST: list[tuple[str, Any, str, str]] = [
    (
        "R12 Principal missing",
        doc({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        "/Statement/0",
        "needs a Principal",
    ),
    (
        "R12 Resource in trust",
        trust(Resource="*"),
        "/Statement/0/Resource",
        "not allowed in a trust policy",
    ),
    ("R12 other action", trust(Action="ecs:*"), "/Statement/0/Action", '"ecs:*"'),
    (
        "R12 NotAction",
        doc(
            {
                "Effect": "Allow",
                "NotAction": "sts:AssumeRole",
                "Principal": {"Service": "ecs.aliyuncs.com"},
            }
        ),
        "/Statement/0/NotAction",
        '"NotAction"',
    ),
    ("R12 principal type", trust(Principal={"AWS": "x"}), "/Statement/0/Principal/AWS", '"AWS"'),
    ("R12 principal empty", trust(Principal={}), "/Statement/0/Principal", "at least one"),
    (
        "R12 RAM principal form",
        trust(Principal={"RAM": ["acs:ram::1234567890123456:root", "alice"]}),
        "/Statement/0/Principal/RAM/1",
        '"alice"',
    ),
    (
        "R12 RAM principal wildcard",
        trust(Principal={"RAM": "acs:ram::1234567890123456:user/*"}),
        "/Statement/0/Principal/RAM",
        "user/*",
    ),
    (
        "R12 Service form",
        trust(Principal={"Service": "ecs.amazonaws.com"}),
        "/Statement/0/Principal/Service",
        "aliyuncs.com",
    ),
    (
        "R12 Federated form",
        trust(Principal={"Federated": "acs:ram::1234567890123456:user/x"}),
        "/Statement/0/Principal/Federated",
        "saml-provider",
    ),
]


@pytest.mark.parametrize(
    ("rule", "document", "pointer", "quoted"), INVALID_TRUST, ids=[c[0] for c in INVALID_TRUST]
)
def test_invalid_trust_documents_are_refused_with_a_pointer(
    rule: str, document: Any, pointer: str, quoted: str
) -> None:
    error = refusal(document, "trust")
    assert error.code == "MalformedPolicyDocument"
    assert error.pointer == pointer
    assert quoted in error.message


def test_R12_trust_accepts_every_principal_type_and_the_action_synonyms() -> None:
    policy = parse_policy(
        trust(
            Action=["sts:AssumeRole", "sts:AssumeRoleWithOIDC", "STS:AssumeRoleWithSAML"],
            Principal={
                "RAM": ["acs:ram::1234567890123456:root", "acs:ram:*:1234567890123456:role/ops"],
                "Service": "ecs.aliyuncs.com",
                "Federated": "acs:ram::1234567890123456:oidc-provider/example-idp",
            },
            Condition={"StringEquals": {"sts:ExternalId": "abcd1234"}},
        ),
        "trust",
    )
    assert [kind for kind, _ in policy.statements[0].principals] == ["RAM", "Service", "Federated"]


def test_R10_size_limits_count_characters_without_whitespace() -> None:
    statement = allow(Action=[f"ecs:Describe{n:04d}" for n in range(60)])
    compact = json.dumps(doc(statement), separators=(",", ":"))
    pretty = json.dumps(doc(statement), indent=8)
    limits = PolicyLimits(identity=len(compact), session=len(compact) - 1)
    assert parse_policy(pretty, limits=limits) == parse_policy(compact, limits=limits)
    too_big = refusal_with_limits(compact, "session", limits)
    assert too_big.code == "InvalidParameter.PolicySize"
    assert str(len(compact)) in too_big.message
    assert refusal_with_limits(compact, "identity", PolicyLimits(identity=10)).code == (
        "InvalidParameter.PolicyDocument.Length"
    )
    assert refusal_with_limits(compact, "trust", PolicyLimits(trust=10)).code == (
        "InvalidParameter.AssumeRolePolicyDocument.Length"
    )


def test_R10_whitespace_inside_strings_counts() -> None:
    spaced = doc(allow(Condition={"StringEquals": {"acs:UserAgent": " " * 3000}}))
    assert refusal(json.dumps(spaced), "session").code == "InvalidParameter.PolicySize"


def refusal_with_limits(source: str, kind: str, limits: PolicyLimits) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(source, kind, limits=limits)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("operator", "literal"),
    [
        ("IpAddress", "2001:db8::/32"),
        ("NotIpAddress", "192.168.1.7"),
        ("DateGreaterThan", "2019-08-12T17:00:00+08:00"),
        ("DateEquals", "2024-05-01"),
        ("DateLessThan", "2024-05-01T10:00:00.123Z"),
        ("NumericGreaterThanEquals", "-3.25"),
        ("Bool", "false"),
        ("StringLike", "prefix-*-?"),
    ],
)
def test_R9_valid_literals_of_each_family_are_accepted(operator: str, literal: str) -> None:
    parse_policy(doc(allow(Condition={operator: {"a:k": literal}})))


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown policy kind"):
        parse_policy(doc(allow()), "resource")  # type: ignore[arg-type]
