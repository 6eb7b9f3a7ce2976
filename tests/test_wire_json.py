"""JSON from clients is decoded only when it nests at most MAX_DEPTH levels; deeper text is a
``JSONDecodeError`` at the bracket one level too deep, whatever the depth — never a
``RecursionError``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.wire_json import MAX_DEPTH, NestedTooDeep, check_nesting, decode_json, nests_deeper

# Strings full of what the scanner must not count: brackets, quotes and backslashes.
TRICKY_TEXT = st.text(alphabet='[]{}"\\ab:,', max_size=8)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY_TEXT, inner, max_size=3),
    max_leaves=60,
)


def depth(value: Any) -> int:
    """The reference: how many arrays and objects the deepest value sits in."""
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


def first_too_deep(text: str) -> int | None:
    """The reference scanner, one character at a time: where the first bracket past the bound
    opens, unless a stray closing bracket comes first (the decoder stops there)."""
    depth, in_string, escaped = 0, False, False
    for index, character in enumerate(text):
        if in_string:
            escaped, in_string = (False, True) if escaped else (character == "\\", character != '"')
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return index
        elif character in "]}":
            depth -= 1
            if depth < 0:
                return None
    return None


def wrapped(value: Any, levels: int, opening: str, closing: str) -> str:
    return opening * levels + json.dumps(value) + closing * levels


@given(JSON_VALUES, st.integers(min_value=0, max_value=3 * MAX_DEPTH))
def test_text_is_refused_exactly_when_it_nests_deeper_than_the_bound(
    value: Any, levels: int
) -> None:
    text = wrapped(value, levels, '{"k":[', "]}")
    deep = depth(value) + 2 * levels > MAX_DEPTH
    if deep:
        with pytest.raises(NestedTooDeep):
            decode_json(text)
    else:
        assert decode_json(text) == json.loads(text)


@given(st.integers(min_value=MAX_DEPTH + 1, max_value=200_000), st.sampled_from(["[", '{"a":']))
def test_any_depth_past_the_bound_is_a_decode_error_at_the_first_bracket_too_deep(
    levels: int, opening: str
) -> None:
    text = opening * levels
    with pytest.raises(json.JSONDecodeError) as refused:
        decode_json(text)
    assert refused.value.pos == len(opening) * MAX_DEPTH
    assert text[refused.value.pos] in "[{"


@given(
    st.lists(
        st.sampled_from(
            ["[", "{", "]", "}", '"', "\\", "a", ",", "[[[[", "[" * 8, "]]", '"[{"', '"\\""']
        ),
        min_size=MAX_DEPTH,
        max_size=400,
    ).map("".join)
)
def test_any_text_is_refused_at_the_bracket_the_reference_scanner_finds(text: str) -> None:
    expected = first_too_deep(text)
    if expected is None:
        check_nesting(text)
    else:
        with pytest.raises(NestedTooDeep) as refused:
            check_nesting(text)
        assert refused.value.pos == expected


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps(["[" * 5000, '{"\\"' * 100])
    check_nesting(text)
    assert decode_json(text) == ["[" * 5000, '{"\\"' * 100]


@given(JSON_VALUES, st.integers(min_value=0, max_value=3 * MAX_DEPTH))
def test_decoded_values_are_measured_the_same_way(value: Any, levels: int) -> None:
    for _ in range(levels):
        value = {"k": [value]}
    assert nests_deeper(value) == (depth(value) > MAX_DEPTH)


def test_a_value_that_contains_itself_is_too_deep() -> None:
    looped: dict[str, Any] = {}
    looped["self"] = looped
    assert nests_deeper(looped)
