"""Percent-encoding for strings to sign (RFC 3986, api.md §2.2) and form decoding of what
arrived (§0.3)."""

from __future__ import annotations

from urllib.parse import quote, quote_plus, unquote_plus

from hypothesis import given
from hypothesis import strategies as st
from signing_strategies import params

from ramsts.signing.encoding import (
    decode_form,
    encode_query,
    percent_encode,
    percent_encode_query,
    wire_text,
)

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def test_percent_encoding_follows_rfc_3986() -> None:
    assert percent_encode(UNRESERVED) == UNRESERVED
    assert percent_encode("a b*c/d:e=f&g+h") == "a%20b%2Ac%2Fd%3Ae%3Df%26g%2Bh"
    assert percent_encode("测") == "%E6%B5%8B"
    assert percent_encode("") == ""


def test_query_encoding_keeps_only_the_separators_as_they_are() -> None:
    assert percent_encode_query("a=b c&d=*测") == "a=b%20c&d=%2A%E6%B5%8B"


# Text that reaches every branch: unreserved only, ASCII with reserved characters, and any UTF-8
# (1 to 4 bytes a character), escapes and "+" included.
_ANY_TEXT = st.one_of(
    st.text(st.sampled_from(UNRESERVED)),
    st.text(st.characters(max_codepoint=0x7F)),
    st.text(st.characters(blacklist_categories=("Cs",))),
    st.lists(
        st.sampled_from([*UNRESERVED[::7], " ", "+", "%", "%20", "&", "=", "测", "\x80", "😀"])
    ).map("".join),
)


@given(_ANY_TEXT)
def test_percent_encoding_agrees_with_the_standard_library(text: str) -> None:
    """The table-driven encoder is ``quote`` with exactly the unreserved set kept."""
    assert percent_encode(text) == quote(text, safe="-_.~")
    assert percent_encode_query(text) == quote(text, safe="-_.~=&")


def test_every_one_and_two_byte_character_encodes_as_the_standard_library_does() -> None:
    for code_point in [*range(0x800), 0xFFFF, 0x10000, 0x10FFFF]:
        char = chr(code_point)
        assert percent_encode(char) == quote(char, safe="-_.~"), hex(code_point)


@given(st.text(st.characters(blacklist_categories=("Cs",))))
def test_encoded_text_holds_only_unreserved_characters_and_escapes(text: str) -> None:
    encoded = percent_encode(text)
    assert all(char in UNRESERVED or char in "%0123456789ABCDEF" for char in encoded)
    assert ":" not in encoded and " " not in encoded


@given(params)
def test_form_decoding_reverses_both_wire_encodings(values: dict[str, str]) -> None:
    plus = "&".join(f"{quote_plus(k, safe='')}={quote_plus(v, safe='')}" for k, v in values.items())
    assert decode_form(encode_query(values)) == values
    assert decode_form(plus) == values


def test_form_decoding_keeps_empty_values_and_bare_names() -> None:
    assert decode_form("SignatureType=&Flag&&a=1") == {"SignatureType": "", "Flag": "", "a": "1"}
    assert decode_form("") == {}


def test_a_repeated_name_keeps_its_last_value() -> None:
    assert decode_form("a=1&a=2") == {"a": "2"}


@given(st.text("%+&=aZ09fF-~.éG", max_size=40).map(wire_text))
def test_form_decoding_of_any_text_agrees_with_the_standard_library(text: str) -> None:
    """Escapes of any case, malformed ones ("%", "%G1", "%f") and raw UTF-8 included."""
    expected: dict[str, str] = {}
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            expected[unquote_plus(name, errors="replace")] = unquote_plus(value, errors="replace")
    assert decode_form(text) == expected


def test_invalid_utf8_becomes_a_replacement_character() -> None:
    assert decode_form("a=%FF") == {"a": "\ufffd"}


def test_wire_text_escapes_raw_bytes() -> None:
    assert wire_text(b"a=\xe6\xb5\x8b") == "a=%E6%B5%8B"
    assert wire_text("a=\xe6\xb5\x8b") == "a=%E6%B5%8B"
    assert wire_text("a=测") == "a=%E6%B5%8B"
    assert wire_text("a=b") == "a=b"
