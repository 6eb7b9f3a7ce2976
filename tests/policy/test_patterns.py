"""Wildcard matching (R14, R15): the string tests agree with a regular-expression reading."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ramsts.policy.patterns import any_glob_test, glob_test

ALPHABET = "ab:/*?"
patterns = st.text(alphabet=ALPHABET, max_size=8)
values = st.text(alphabet="ab:/", max_size=10)


def reference(pattern: str, value: str) -> bool:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(body, value, re.DOTALL) is not None


@given(patterns, values)
def test_glob_test_agrees_with_the_regular_expression_reading(pattern: str, value: str) -> None:
    assert glob_test(pattern)(value) == reference(pattern, value)


@given(st.lists(patterns, min_size=1, max_size=4), values)
def test_any_glob_test_is_any_of_its_patterns(pattern_list: list[str], value: str) -> None:
    expected = any(reference(p, value) for p in pattern_list)
    assert any_glob_test(pattern_list)(value) == expected


def test_R15_star_spans_slash_and_colon_and_matches_the_empty_region() -> None:
    assert glob_test("acs:oss:*:*:bucket/*")("acs:oss:cn-hangzhou:123:bucket/a/b/c.jpg")
    assert glob_test("acs:ram:*:123:role/ops")("acs:ram::123:role/ops")
    assert not glob_test("acs:oss:*:*:bucket/*")("acs:oss:*:*:bucket")


def test_R15_question_mark_is_exactly_one_character() -> None:
    assert glob_test("acs:ecs:*:*:instance/i-?")("acs:ecs:*:*:instance/i-1")
    assert not glob_test("acs:ecs:*:*:instance/i-?")("acs:ecs:*:*:instance/i-12")
    assert not glob_test("acs:ecs:*:*:instance/i-?")("acs:ecs:*:*:instance/i-")


def test_overlapping_head_and_tail_do_not_share_characters() -> None:
    assert not glob_test("ab*ba")("aba")
    assert glob_test("ab*ba")("abba")
