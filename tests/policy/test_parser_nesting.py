"""R1: a document nested deeper than 32 levels is refused with its kind's grammar code, given as
text (see the corpus, tests/corpus/policy/nesting.json) or, by a library user, as an already
decoded mapping — whatever the depth, even one that contains itself."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.policy import PolicyError, PolicyKind, parse_policy

CODES = {
    "identity": "MalformedPolicyDocument",
    "trust": "MalformedPolicyDocument",
    "session": "InvalidParameter.PolicyGrammar",
}


def nested(levels: int) -> dict[str, Any]:
    value: Any = "oss:GetObject"
    for _ in range(levels):
        value = [value]
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": value, "Resource": "*"}]}


@given(st.integers(min_value=33, max_value=50_000), st.sampled_from(list(CODES)))
def test_a_mapping_nested_past_the_bound_is_refused_with_the_kind_s_code(
    levels: int, kind: PolicyKind
) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(nested(levels), kind)
    assert refused.value.code == CODES[kind]
    assert "more than 32 levels deep" in refused.value.message


def test_a_mapping_that_contains_itself_is_refused() -> None:
    looped = nested(1)
    looped["Statement"][0]["Condition"] = looped
    with pytest.raises(PolicyError) as refused:
        parse_policy(looped)
    assert refused.value.code == "MalformedPolicyDocument"
