"""Percent-encoding for strings to sign (RFC 3986, api.md §2.2) and form decoding of what
arrived (§0.3)."""

from __future__ import annotations

from urllib.parse import quote_plus

from hypothesis import given
from hypothesis import strategies as st
from signing_strategies import params

from ramsts.signing.encoding import (
    decode_form,
    encode_query,
    percent_encode,
    percent_encode_plus_space,
    wire_text,
)

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def test_percent_encoding_follows_rfc_3986() -> None:
    assert percent_encode(UNRESERVED) == UNRESERVED
    assert percent_encode("a b*c/d:e=f&g+h") == "a%20b%2Ac%2Fd%3Ae%3Df%26g%2Bh"
    assert percent_encode("测") == "%E6%B5%8B"
    assert percent_encode("") == ""


def test_the_credentials_variant_differs_only_for_spaces() -> None:
    assert percent_encode_plus_space("a b*~/") == "a+b%2A~%2F"


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


def test_invalid_utf8_becomes_a_replacement_character() -> None:
    assert decode_form("a=%FF") == {"a": "\ufffd"}


def test_wire_text_escapes_raw_bytes() -> None:
    assert wire_text(b"a=\xe6\xb5\x8b") == "a=%E6%B5%8B"
    assert wire_text("a=\xe6\xb5\x8b") == "a=%E6%B5%8B"
    assert wire_text("a=测") == "a=%E6%B5%8B"
    assert wire_text("a=b") == "a=b"
