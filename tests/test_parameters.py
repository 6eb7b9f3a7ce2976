"""Request parameters are read as the real services read them, and refused with their codes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.errors import InvalidParameter, MissingParameter
from ramsts.parameters import SECRET_PARAMETERS, Parameters, TextRule, is_secret_parameter

USER_NAME = TextRule(max_length=64, pattern=re.compile(r"[A-Za-z0-9._-]+"))


def test_a_missing_required_parameter_is_named_in_the_message() -> None:
    with pytest.raises(MissingParameter) as caught:
        Parameters({}).required("UserName")
    assert caught.value.code == "MissingParameter"
    assert '"UserName"' in caught.value.message
    assert caught.value.http_status == 400


def test_sts_style_missing_parameter_carries_the_name_in_the_code() -> None:
    with pytest.raises(MissingParameter) as caught:
        Parameters({"RoleArn": ""}, missing_suffix=True).required("RoleArn")
    assert caught.value.code == "MissingParameter.RoleArn"


def test_length_and_characters_have_their_own_codes() -> None:
    with pytest.raises(InvalidParameter) as too_long:
        Parameters({"UserName": "a" * 65}).required("UserName", USER_NAME)
    assert too_long.value.code == "InvalidParameter.UserName.Length"
    with pytest.raises(InvalidParameter) as bad_chars:
        Parameters({"UserName": "alice bob"}).required("UserName", USER_NAME)
    assert bad_chars.value.code == "InvalidParameter.UserName.InvalidChars"
    assert '"alice bob"' in bad_chars.value.message


def test_an_empty_optional_value_counts_as_absent() -> None:
    params = Parameters({"Comments": ""})
    assert params.optional("Comments") is None
    assert "Comments" not in params


@given(st.integers(min_value=900, max_value=43200))
def test_integers_in_range_read_back(number: int) -> None:
    params = Parameters({"DurationSeconds": str(number)})
    assert params.integer("DurationSeconds", minimum=900, maximum=43200) == number


@pytest.mark.parametrize("text", ["899", "43201", "12a", "1.5", "-"])
def test_integers_out_of_range_or_malformed_are_refused(text: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        Parameters({"DurationSeconds": text}).integer("DurationSeconds", minimum=900, maximum=43200)
    assert caught.value.code == "InvalidParameter.DurationSeconds"


@pytest.mark.parametrize(
    ("text", "expected"), [("True", True), ("true", True), ("False", False), ("FALSE", False)]
)
def test_booleans_accept_python_spelling(text: str, expected: bool) -> None:
    # The Tea SDK serialises booleans with str(): "True" / "False".
    assert Parameters({"SetAsDefault": text}).boolean("SetAsDefault", default=False) is expected


def test_a_bad_boolean_is_refused() -> None:
    with pytest.raises(InvalidParameter):
        Parameters({"SetAsDefault": "yes"}).boolean("SetAsDefault", default=False)


def test_tags_arrive_as_one_json_string() -> None:
    params = Parameters({"Tag": '[{"Key":"env","Value":"dev test"}]'})
    assert params.tags() == [("env", "dev test")]


@pytest.mark.parametrize(
    "text", ["not json", '{"Key":"a"}', '[{"Value":"x"}]', '[{"Key":"a"},{"Key":"a"}]']
)
def test_malformed_tags_are_refused(text: str) -> None:
    with pytest.raises(InvalidParameter):
        Parameters({"Tag": text}).tags()


def test_choice_accepts_only_the_listed_values() -> None:
    params = Parameters({"Status": "Inactive"})
    assert params.choice("Status", ("Active", "Inactive")) == "Inactive"
    with pytest.raises(InvalidParameter):
        Parameters({"Status": "off"}).choice("Status", ("Active", "Inactive"))
    assert Parameters({}).choice("RotateStrategy", ("None", "X"), default="None") == "None"


def test_secret_parameters_are_never_quoted_in_messages() -> None:
    rule = TextRule(max_length=8)
    with pytest.raises(InvalidParameter) as caught:
        Parameters({"Password": "hunter2-is-too-long"}).required("Password", rule)
    assert "hunter2" not in caught.value.message


def test_max_items_defaults_and_bounds() -> None:
    assert Parameters({}).max_items() == 100
    assert Parameters({"MaxItems": "5"}).max_items() == 5
    with pytest.raises(InvalidParameter):
        Parameters({"MaxItems": "1001"}).max_items()


@given(st.integers(min_value=33, max_value=20_000), st.sampled_from(["[", '{"a":', '[{"k":']))
def test_a_json_list_nested_past_the_bound_is_that_parameter_s_error(
    levels: int, opening: str
) -> None:
    with pytest.raises(InvalidParameter) as refused:
        Parameters({"ResourceNames": opening * levels}).json_list("ResourceNames")
    assert refused.value.code == "InvalidParameter.ResourceNames"
    assert "levels deep" in refused.value.message


ASCII_INTEGER = re.compile(r"-?[0-9]+")


@given(
    st.one_of(
        st.text(max_size=12),
        st.from_regex(r"\A[-+ _]?[0-9_]{1,12}[ ]?\Z"),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    )
)
def test_an_integer_is_ascii_digits_perhaps_after_a_minus_and_nothing_else(text: str) -> None:
    """What int() also reads — other scripts' digits, ``_``, ``+``, spaces — is refused."""
    read = Parameters({"MaxItems": text})
    is_integer = ASCII_INTEGER.fullmatch(text) is not None
    if is_integer and -(2**31) <= int(text) <= 2**31:
        assert read.integer("MaxItems", minimum=-(2**31), maximum=2**31) == int(text)
    elif text:
        with pytest.raises(InvalidParameter) as refused:
            read.integer("MaxItems", minimum=-(2**31), maximum=2**31)
        assert refused.value.code == "InvalidParameter.MaxItems"
        assert len(refused.value.message) < 200


@pytest.mark.parametrize("text", ["١٢٣", "1_000", "+5", " 5", "5\n", "５"])
def test_integers_python_reads_but_the_service_does_not_are_refused(text: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        Parameters({"MaxItems": text}).max_items()
    assert refused.value.code == "InvalidParameter.MaxItems"


def test_an_integer_of_thousands_of_digits_is_out_of_range_not_a_crash() -> None:
    with pytest.raises(InvalidParameter) as refused:
        Parameters({"MaxItems": "9" * 100_000}).max_items()
    assert "between 1 and 1000" in refused.value.message
    assert len(refused.value.message) < 200


def test_every_secret_parameter_is_hidden_in_any_letter_case() -> None:
    for name in SECRET_PARAMETERS:
        for spelling in (name, name.lower(), name.upper()):
            assert is_secret_parameter(spelling)
            with pytest.raises(InvalidParameter) as caught:
                Parameters({spelling: "s3cr3t-value-that-is-long"}).required(
                    spelling, TextRule(max_length=4)
                )
            assert "s3cr3t" not in caught.value.message
    assert not is_secret_parameter("UserName")


def test_an_empty_parameter_was_sent_though_it_counts_as_not_given() -> None:
    read = Parameters({"LoginNetworkMasks": ""})
    assert read.sent("LoginNetworkMasks") and "LoginNetworkMasks" not in read
    assert not Parameters({}).sent("LoginNetworkMasks")
