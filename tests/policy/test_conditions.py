"""Condition operators (R17–R24): typing, multi-value OR, AND across keys and operators, negated
operators and missing keys with AWS semantics."""

from __future__ import annotations

from typing import Any

import pytest

from ramsts.policy import Request, evaluate, parse_policy
from ramsts.policy.conditions import OPERATORS, parse_instant


def allowed(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    policy = parse_policy(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": condition}
            ],
        }
    )
    request = Request("ecs:DescribeInstances", "acs:ecs:*:1:instance/i-1", context)
    return evaluate(request, identity=[policy]).effect == "Allow"


def test_R8_ramsts_knows_the_operators_ram_documents() -> None:
    families: dict[str, int] = {}
    for operator in OPERATORS.values():
        families[operator.family] = families.get(operator.family, 0) + 1
    assert families == {"String": 6, "Number": 6, "Date": 6, "Boolean": 1, "IP address": 2}


CASES: list[tuple[str, str, Any, Any, bool]] = [
    # (rule, operator, policy value(s), request value, allowed?)
    ("R18", "StringEquals", "gold", "gold", True),
    ("R18", "StringEquals", "gold", "Gold", False),
    ("R18", "StringNotEquals", ["gold", "platinum"], "bronze", True),
    ("R18", "StringNotEquals", ["gold", "platinum"], "gold", False),
    ("R18", "StringEqualsIgnoreCase", "Gold", "gOLD", True),
    ("R18", "StringNotEqualsIgnoreCase", "Gold", "GOLD", False),
    ("R18", "StringLike", "ecs-*", "ecs-prod", True),
    ("R18", "StringLike", "ecs", "ecs-prod", False),
    ("R18", "StringLike", "ECS-*", "ecs-prod", False),
    ("R18", "StringNotLike", "test-?", "test-1", False),
    ("R19", "NumericEquals", "10", "10.0", True),
    ("R19", "NumericNotEquals", "10", "11", True),
    ("R19", "NumericLessThan", "10", "9.5", True),
    ("R19", "NumericLessThan", "10", "10", False),
    ("R19", "NumericLessThanEquals", "10", "10", True),
    ("R19", "NumericGreaterThan", ["100", "5"], "6", True),
    ("R19", "NumericGreaterThanEquals", "-1", "-2", False),
    ("R20", "DateLessThan", "2024-05-01T00:00:00Z", "2024-04-30T23:59:59Z", True),
    ("R20", "DateLessThan", "2024-05-01T08:00:00+08:00", "2024-05-01T00:00:00Z", False),
    ("R20", "DateEquals", "2024-05-01", "2024-05-01T00:00:00Z", True),
    ("R20", "DateNotEquals", "2024-05-01", "2024-05-01T00:00:01Z", True),
    ("R20", "DateGreaterThan", "2024-05-01", "2024-05-02", True),
    ("R20", "DateGreaterThanEquals", "2024-05-01T00:00:00.5Z", "2024-05-01T00:00:00Z", False),
    ("R20", "DateLessThanEquals", "2024-05-01", "2024-05-01", True),
    ("R21", "Bool", "true", "true", True),
    ("R21", "Bool", "true", "false", False),
    ("R21", "Bool", "false", "False", True),
    ("R22", "IpAddress", "10.0.0.0/8", "10.1.2.3", True),
    ("R22", "IpAddress", "10.0.0.0/8", "11.1.2.3", False),
    ("R22", "IpAddress", "192.168.1.7", "192.168.1.7", True),
    ("R22", "IpAddress", "2001:db8::/32", "2001:db8::1", True),
    ("R22", "IpAddress", "10.0.0.0/8", "::ffff:1", False),
    ("R22", "NotIpAddress", ["10.0.0.0/8", "172.16.0.0/12"], "172.16.0.1", False),
    ("R22", "NotIpAddress", ["10.0.0.0/8", "172.16.0.0/12"], "8.8.8.8", True),
    ("R24", "IpAddress", "10.0.0.0/8", "not-an-ip", False),
    ("R24", "NumericLessThan", "10", "ten", False),
    ("R24", "DateLessThan", "2024-05-01", "yesterday", False),
    ("R24", "NotIpAddress", "10.0.0.0/8", "not-an-ip", True),
]


@pytest.mark.parametrize(("rule", "operator", "values", "request_value", "expected"), CASES)
def test_each_operator_compares_with_its_typing(
    rule: str, operator: str, values: Any, request_value: Any, expected: bool
) -> None:
    assert allowed({operator: {"a:key": values}}, {"a:key": request_value}) is expected


def test_R17_condition_keys_are_case_insensitive() -> None:
    assert allowed({"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}, {"ACS:sourceip": "10.0.0.1"})


def test_R17_several_keys_and_several_operators_must_all_hold() -> None:
    condition = {
        "StringEquals": {"a:tier": "gold", "a:env": "prod"},
        "Bool": {"acs:SecureTransport": "true"},
    }
    context = {"a:tier": "gold", "a:env": "prod", "acs:SecureTransport": "true"}
    assert allowed(condition, context)
    for key in context:
        assert not allowed(condition, {**context, key: "other"})


def test_R17_a_multi_valued_request_key_matches_when_any_value_does() -> None:
    assert allowed({"StringEquals": {"acs:TagKeys": "owner"}}, {"acs:TagKeys": ["env", "owner"]})
    assert not allowed({"StringNotEquals": {"acs:TagKeys": "owner"}}, {"acs:TagKeys": ["owner"]})


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringNotEquals", True),
        ("StringNotEqualsIgnoreCase", True),
        ("StringNotLike", True),
        ("NumericNotEquals", True),
        ("NumericLessThan", False),
        ("DateNotEquals", True),
        ("Bool", False),
        ("IpAddress", False),
        ("NotIpAddress", True),
    ],
)
def test_R23_a_missing_key_fails_positive_and_satisfies_negated_operators(
    operator: str, expected: bool
) -> None:
    literal = {"Bool": "true", "IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8"}.get(
        operator, "2024-05-01" if operator.startswith("Date") else "10"
    )
    assert allowed({operator: {"a:absent": literal}}, {"a:other": "x"}) is expected


def test_R20_dates_are_compared_as_instants() -> None:
    assert parse_instant("2019-08-12T17:00:00+08:00") == parse_instant("2019-08-12T09:00:00Z")
    assert parse_instant("2024-02-30") is None
    assert parse_instant("2024-05-01T10:00+25:00") is None
