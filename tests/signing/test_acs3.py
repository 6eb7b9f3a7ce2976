"""V3 (ACS3-HMAC-SHA256, api.md §3): round trips for any parameters, host and body, the
client's SignedHeaders list followed, x-acs-content-sha256 held to the body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from signing_strategies import hosts, methods, params, plus_encoded

from ramsts.errors import AuthenticationError
from ramsts.signing import SignedRequest, SignedV3Request, parse_request, sign_v3, verify_signature
from ramsts.signing.acs3 import canonical_query_string, compute_signature, string_to_sign
from ramsts.signing.encoding import encode_query
from ramsts.signing.verification import MISMATCH_MESSAGE
from ramsts.types import Secret

NOW = datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC)
AK = "LTAI5tFAKEexampleKEY1234"
SECRET = Secret("FakeSecretForTestVectors0123456789abcd")
TOKEN = "CAISFAKETOKEN+with/special=chars"


def _sign(
    method: str = "POST",
    host: str = "127.0.0.1:8080",
    query: dict[str, str] | None = None,
    body: bytes = b"",
    token: str | None = None,
) -> SignedV3Request:
    return sign_v3(
        method,
        host,
        "ListUsers",
        "2015-05-01",
        query or {},
        "STS.NUgYrLnoC37mZZCNnAbezFAKE" if token else AK,
        SECRET,
        token,
        body,
        now=NOW,
        nonce="f52e5f7e74bd42f1bbe3daedb913e4eb",
    )


def _parse(
    signed: SignedV3Request,
    query: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> SignedRequest:
    return parse_request(
        signed.method,
        signed.query if query is None else query,
        list(signed.headers) if headers is None else headers,
        signed.body if body is None else body,
    )


def _refused(request: SignedRequest) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(request, SECRET)
    assert caught.value.code == "SignatureDoesNotMatch"
    return caught.value


@given(
    method=methods,
    host=hosts,
    query=params,
    form=st.none() | params,
    token=st.none() | st.just(TOKEN),
    plus=st.booleans(),
)
def test_signed_requests_verify_whatever_the_parameters(
    method: str,
    host: str,
    query: dict[str, str],
    form: dict[str, str] | None,
    token: str | None,
    plus: bool,
) -> None:
    body = encode_query(form).encode() if form else b""
    signed = _sign(method, host, query, body, token)
    request = _parse(signed, plus_encoded(signed.query) if plus else None)
    assert request.scheme == "v3"
    assert (request.action, request.version) == ("ListUsers", "2015-05-01")
    assert request.security_token == token
    assert request.params == {**query, **(form or {})}
    verify_signature(request, SECRET)


@given(query=params, data=st.data())
def test_any_single_character_change_in_a_signed_header_breaks_verification(
    query: dict[str, str], data: st.DataObject
) -> None:
    signed = _sign(query=query, token=TOKEN)
    headers = list(signed.headers)
    index = data.draw(st.integers(0, len(headers) - 2))  # the last one is Authorization
    name, value = headers[index]
    position = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.characters(min_codepoint=0x21, max_codepoint=0x7E))
    changed = (value[:position] + replacement + value[position + 1 :]).strip()
    assume(changed != value)
    headers[index] = (name, changed)
    with pytest.raises(AuthenticationError):
        verify_signature(_parse(signed, headers=headers), SECRET)


@given(query=params, data=st.data())
def test_any_single_character_change_in_a_parameter_breaks_verification(
    query: dict[str, str], data: st.DataObject
) -> None:
    assume(query)
    signed = _sign(query=query)
    name = data.draw(st.sampled_from(sorted(query)))
    value = query[name]
    position = data.draw(st.integers(0, len(value)))
    replacement = data.draw(st.characters(blacklist_categories=("Cs",)))
    changed = value[:position] + replacement + value[position + 1 :]
    assume(changed != value)
    _refused(_parse(signed, encode_query({**query, name: changed})))


@given(form=params.filter(bool), data=st.data())
def test_a_changed_body_breaks_verification(form: dict[str, str], data: st.DataObject) -> None:
    body = encode_query(form).encode()
    signed = _sign(body=body)
    position = data.draw(st.integers(0, len(body) - 1))
    replacement = data.draw(st.sampled_from(b"abcXYZ019%+=&"))
    tampered = body[:position] + bytes([replacement]) + body[position + 1 :]
    assume(tampered != body)
    _refused(_parse(signed, body=tampered))


@given(method=methods, host=hosts, query=params)
def test_mismatch_message_has_one_colon_right_before_the_server_string_to_sign(
    method: str, host: str, query: dict[str, str]
) -> None:
    signed = _sign(method, host, query)
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(_parse(signed), Secret("not-the-secret"))
    assert caught.value.message == MISMATCH_MESSAGE + signed.string_to_sign
    assert caught.value.message.count(":") == 1


def test_content_sha256_must_describe_the_body() -> None:
    """A header claiming another body is refused even when the signature covers it."""
    signed = _sign(body=b"Marker=a")
    headers = [(n, "0" * 64 if n == "x-acs-content-sha256" else v) for n, v in signed.headers]
    names = [n for n, _ in headers if n not in ("Authorization",)]
    canonical = "\n".join(
        [
            "POST",
            "/",
            canonical_query_string({}),
            "".join(f"{n}:{v}\n" for n, v in sorted(headers) if n in names),
            ";".join(sorted(names)),
            "0" * 64,
        ]
    )
    forged = compute_signature(string_to_sign(canonical), SECRET)
    authorization = (
        f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders={';'.join(sorted(names))},"
        f"Signature={forged}"
    )
    headers = [(n, authorization if n == "Authorization" else v) for n, v in headers]
    _refused(_parse(signed, headers=headers))


def test_verifier_follows_the_clients_signed_headers_list() -> None:
    """The Tea SDK also signs accept, user-agent and x-acs-credentials-provider (api.md §3.2)."""
    signed = _sign()
    extra = [*signed.headers[:-1], ("User-Agent", "AlibabaCloud TeaDSL/2")]
    request_headers = {n.lower(): v for n, v in extra}
    listed = sorted(request_headers)
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            "".join(f"{n}:{request_headers[n]}\n" for n in listed),
            ";".join(listed),
            request_headers["x-acs-content-sha256"],
        ]
    )
    signature = compute_signature(string_to_sign(canonical), SECRET)
    authorization = (
        f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders={';'.join(listed)},Signature={signature}"
    )
    request = _parse(signed, headers=[*extra, ("Authorization", authorization)])
    assert "user-agent" in request.signed_headers
    verify_signature(request, SECRET)
    changed_agent = [
        *signed.headers[:-1],
        ("User-Agent", "curl/8"),
        ("Authorization", authorization),
    ]
    _refused(_parse(signed, headers=changed_agent))


def test_unsigned_headers_may_change() -> None:
    signed = _sign()
    headers = [*signed.headers, ("Accept-Encoding", "identity"), ("Content-Length", "0")]
    verify_signature(_parse(signed, headers=headers), SECRET)
