"""RPC v1 (HMAC-SHA1, api.md §2): what the client signs, the server verifies — whatever the
parameters hold and however the wire encodes them — and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from signing_strategies import methods, params, plus_encoded

from ramsts.errors import AuthenticationError, RamstsError
from ramsts.parameters import is_secret_parameter
from ramsts.signing import (
    SignedRequest,
    SignedRpcV1Request,
    parse_request,
    sign_rpc_v1,
    verify_signature,
)
from ramsts.signing.encoding import encode_query, percent_encode
from ramsts.signing.rpc_v1 import (
    canonicalized_query_string,
    compute_signature,
    encode_canonicalized_query_string,
    string_to_sign,
)
from ramsts.signing.verification import MISMATCH_MESSAGE
from ramsts.types import Secret

NOW = datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC)
AK = "LTAI5tFAKEexampleKEY1234"
SECRET = Secret("FakeSecretForTestVectors0123456789abcd")
ACTION = {"Action": "ListUsers", "Version": "2015-05-01"}


def _sign(
    method: str, query: dict[str, str], form: dict[str, str] | None = None
) -> SignedRpcV1Request:
    return sign_rpc_v1(
        method, {**ACTION, **query}, AK, SECRET, now=NOW, nonce="0123456789abcdef", form=form
    )


def _parse(signed: SignedRpcV1Request, query: str | None = None) -> SignedRequest:
    return parse_request(
        signed.method, signed.query if query is None else query, signed.headers, signed.body
    )


def test_string_to_sign_encodes_the_canonicalized_query_twice() -> None:
    signed = {"b": "x y", "a": "1*~/", "SignatureType": ""}
    assert canonicalized_query_string(signed) == "SignatureType=&a=1%2A~%2F&b=x%20y"
    assert (
        string_to_sign("GET", signed) == "GET&%2F&SignatureType%3D%26a%3D1%252A~%252F%26b%3Dx%2520y"
    )
    assert (
        string_to_sign("GET", signed, plus_for_space=True)
        == "GET&%2F&SignatureType%3D%26a%3D1%252A~%252F%26b%3Dx%2By"
    )


@given(query=params, plus=st.booleans())
def test_the_second_encoding_is_the_general_one(query: dict[str, str], plus: bool) -> None:
    """The StringToSign's shortcut (escape only ``%``, ``&``, ``=``, ``+``) equals encoding the
    CanonicalizedQueryString like any other text, and the StringToSign its api.md §2.3 formula."""
    canonical = canonicalized_query_string(query, plus_for_space=plus)
    assert encode_canonicalized_query_string(canonical) == percent_encode(canonical)
    encode = quote_plus if plus else quote
    reference = "&".join(
        f"{encode(name, safe='-_.~')}={encode(query[name], safe='-_.~')}" for name in sorted(query)
    )
    assert string_to_sign("POST", query, plus_for_space=plus) == (
        f"POST&%2F&{quote(reference, safe='-_.~')}"
    )


@given(method=methods, query=params, form=st.none() | params, plus=st.booleans())
def test_signed_requests_verify_whatever_the_parameters(
    method: str, query: dict[str, str], form: dict[str, str] | None, plus: bool
) -> None:
    signed = _sign(method, query, form)
    request = _parse(signed, plus_encoded(signed.query) if plus else None)
    assert request.scheme == "v1"
    assert request.action == "ListUsers"
    for name, value in {**query, **(form or {})}.items():
        assert request.params[name] == value
    assert "Signature" not in request.params
    verify_signature(request, SECRET)


@given(query=params, data=st.data())
def test_any_single_character_change_breaks_verification(
    query: dict[str, str], data: st.DataObject
) -> None:
    signed = _sign("POST", query)
    request = _parse(signed)
    name = data.draw(st.sampled_from(sorted(request.params)))
    value = request.params[name]
    position = data.draw(st.integers(0, len(value)))
    replacement = data.draw(st.characters(blacklist_categories=("Cs",)))
    changed = value[:position] + replacement + value[position + 1 :]
    assume(changed != value)
    tampered = encode_query({**request.params, name: changed, "Signature": request.signature})
    with pytest.raises(RamstsError):
        verify_signature(_parse(signed, tampered), SECRET)


@given(query=params, data=st.data())
def test_a_changed_signature_character_fails(query: dict[str, str], data: st.DataObject) -> None:
    signed = _sign("GET", query)
    position = data.draw(st.integers(0, len(signed.signature) - 1))
    other = data.draw(st.sampled_from("ABCDEFabcdef0123456789+/="))
    assume(signed.signature[position] != other)
    forged = signed.signature[:position] + other + signed.signature[position + 1 :]
    request = _parse(signed)
    params_and_forgery = encode_query({**request.params, "Signature": forged})
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(_parse(signed, params_and_forgery), SECRET)
    assert caught.value.code == "SignatureDoesNotMatch"


@given(method=methods, query=params)
def test_mismatch_message_has_one_colon_right_before_the_server_string_to_sign(
    method: str, query: dict[str, str]
) -> None:
    # A secret's value is shown as *** (tests/signing/test_signing_vectors.py): not here.
    assume(not any(is_secret_parameter(name) for name in query))
    request = _parse(_sign(method, query))
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(request, Secret("not-the-secret"))
    error = caught.value
    assert (error.code, error.http_status) == ("SignatureDoesNotMatch", 400)
    assert error.message.count(":") == 1
    assert error.message == MISMATCH_MESSAGE + string_to_sign(method, request.params)
    # What the classic SDK does with it (api.md §5.2): the part after the colon is the StringToSign.
    assert error.message.split(":")[1] == string_to_sign(method, request.params)


def test_a_space_signed_as_plus_is_accepted_as_a_second_candidate() -> None:
    """alibabacloud-credentials builds its StringToSign with quote_plus (api.md §3.6)."""
    signed = _sign("GET", {"Policy": '{"Version": "1"}'})
    request = _parse(signed)
    variant = string_to_sign("GET", request.params, plus_for_space=True)
    assert variant != signed.string_to_sign
    as_sent = encode_query({**request.params, "Signature": compute_signature(variant, SECRET)})
    verify_signature(_parse(signed, as_sent), SECRET)


def test_the_plus_variant_does_not_accept_a_different_secret() -> None:
    request = _parse(_sign("GET", {"Policy": "a b"}))
    with pytest.raises(AuthenticationError):
        verify_signature(request, Secret("FakeSecretForTestVectors0123456789abce"))


def test_empty_and_unknown_parameters_are_signed() -> None:
    """The classic SDK signs SignatureType= and RegionId (api.md §0.4): dropping either fails."""
    signed = _sign("POST", {"SignatureType": "", "RegionId": "cn-hangzhou"})
    request = _parse(signed)
    assert request.params["SignatureType"] == ""
    verify_signature(request, SECRET)
    without = {k: v for k, v in request.params.items() if k != "SignatureType"}
    with pytest.raises(AuthenticationError):
        verify_signature(
            _parse(signed, encode_query({**without, "Signature": request.signature})), SECRET
        )
