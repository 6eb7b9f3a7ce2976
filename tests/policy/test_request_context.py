"""Condition values given to ``Request`` as booleans and numbers are compared in their policy
text (``True`` → ``"true"``, ``5`` → ``"5"``); anything else is refused when the request is made,
with a ``PolicyError`` that names the key — never a ``TypeError`` from inside an operator."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.policy import PolicyError, Request, evaluate, parse_policy
from ramsts.policy.conditions import OPERATORS, parse_number

# One clause of every operator RAM has, each on its own key, so any value meets all of them.
LITERALS = {
    "String": "5",
    "Number": "5",
    "Date": "2024-05-01T00:00:00Z",
    "Boolean": "true",
    "IP address": "192.0.2.0/24",
}
EVERY_OPERATOR = parse_policy(
    {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "oss:GetObject",
                "Resource": "*",
                "Condition": {
                    name: {"test:Value": LITERALS[operator.family]}
                    for name, operator in OPERATORS.items()
                },
            }
        ],
    }
)

scalars = st.one_of(
    st.text(max_size=10),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
anything: st.SearchStrategy[Any] = st.recursive(
    scalars | st.none() | st.binary(max_size=4) | st.floats() | st.builds(object),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.frozensets(scalars, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=8,
)


def decide(value: Any) -> str:
    return evaluate(
        Request("oss:GetObject", "*", {"test:Value": value}), identity=[EVERY_OPERATOR]
    ).effect


@given(anything)
def test_any_context_value_is_compared_as_text_or_refused_with_a_policy_error(value: Any) -> None:
    try:
        request = Request("oss:GetObject", "*", {"test:Value": value})
    except PolicyError as refused:
        assert refused.code == "InvalidParameter.Context"
        assert refused.http_status == 400
        assert refused.pointer.startswith("/test:Value")
        return
    values = request.context_index()["test:value"]
    assert all(type(text) is str for text in values)
    assert evaluate(request, identity=[EVERY_OPERATOR]).effect in ("Allow", "ImplicitDeny")


@given(st.booleans())
def test_a_boolean_is_its_policy_spelling(value: bool) -> None:
    assert decide(value) == decide("true" if value else "false")
    assert Request("a:b", "*", {"acs:MFAPresent": value}).context_index() == {
        "acs:mfapresent": ("true" if value else "false",)
    }


@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_is_its_decimal_text_which_numeric_operators_read(value: int | float) -> None:
    (text,) = Request("a:b", "*", {"test:Value": value}).context_index()["test:value"]
    assert parse_number(text) == Decimal(repr(value) if isinstance(value, float) else value)
    assert decide(value) == decide(text)


@given(st.lists(scalars, max_size=4))
def test_a_list_is_converted_item_by_item(values: list[Any]) -> None:
    converted = Request("a:b", "*", {"test:Value": values}).context_index()["test:value"]
    singly = [Request("a:b", "*", {"test:Value": v}).context_index()["test:value"] for v in values]
    assert converted == tuple(text for (text,) in singly)


@pytest.mark.parametrize(
    ("value", "pointer", "described"),
    [
        (None, "/acs:SourceIp", "null"),
        ({"a": "b"}, "/acs:SourceIp", "an object"),
        (["10.0.0.1", ["10.0.0.2"]], "/acs:SourceIp/1", "a list inside a list"),
        (math.nan, "/acs:SourceIp", "NaN"),
        (b"10.0.0.1", "/acs:SourceIp", "bytes"),
    ],
)
def test_a_value_with_no_policy_text_is_refused_naming_the_key(
    value: Any, pointer: str, described: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        Request("oss:GetObject", "*", {"acs:SourceIp": value})
    assert refused.value.pointer == pointer
    assert described in refused.value.message
    assert pointer in refused.value.message


def test_a_key_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(PolicyError) as refused:
        Request("oss:GetObject", "*", {5: "x"})  # type: ignore[dict-item]
    assert refused.value.code == "InvalidParameter.Context"
