"""parse_request tells the scheme and refuses requests malformed for it (api.md §2.4, §3.4,
§8.5), before any secret is looked up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.errors import RamstsError
from ramsts.signing import parse_request, sign_rpc_v1, sign_v3
from ramsts.signing.encoding import encode_query
from ramsts.signing.request import ACS3_REQUIRED_SIGNED_HEADERS
from ramsts.types import Secret

NOW = datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC)
SECRET = Secret("FakeSecretForTestVectors0123456789abcd")
V1_PARAMS = {
    "Action": "GetCallerIdentity",
    "Version": "2015-04-01",
    "AccessKeyId": "LTAI5tFAKEexampleKEY1234",
    "Signature": "wE3nvclhaFtExo2QlWG0UAltoKQ=",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureVersion": "1.0",
    "Timestamp": "2026-11-27T17:31:38Z",
    "SignatureNonce": "9c5c2b713f056feca8a9b6ab1d99e52f",
}


def _v3_headers(**changes: str | None) -> list[tuple[str, str]]:
    signed = sign_v3(
        "POST", "127.0.0.1:8080", "GetCallerIdentity", "2015-04-01", {}, "LTAI5t", SECRET, now=NOW
    )
    headers = dict(signed.headers)
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return list(headers.items())


def _error(*args: object) -> RamstsError:
    with pytest.raises(RamstsError) as caught:
        parse_request(*args)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    "name",
    [
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "Timestamp",
        "SignatureNonce",
    ],
)
def test_v1_without_a_signature_parameter_is_missing_that_parameter(name: str) -> None:
    params = {k: v for k, v in V1_PARAMS.items() if k != name}
    error = _error("POST", encode_query(params), [], b"")
    assert (error.code, error.http_status) == (f"Missing{name}", 400)
    assert error.message == f"{name} is mandatory for this action."


@pytest.mark.parametrize("name", ["Action", "Version"])
def test_v1_without_action_or_version_is_missing_parameter(name: str) -> None:
    params = {k: v for k, v in V1_PARAMS.items() if k != name}
    error = _error("GET", encode_query(params), [], b"")
    assert (error.code, error.http_status) == ("MissingParameter", 400)
    assert f'"{name}"' in error.message


@pytest.mark.parametrize(
    ("name", "value"), [("SignatureMethod", "HMAC-SHA256"), ("SignatureVersion", "2.0")]
)
def test_v1_with_an_unsupported_method_or_version_is_refused(name: str, value: str) -> None:
    error = _error("GET", encode_query({**V1_PARAMS, name: value}), [], b"")
    assert (error.code, error.http_status) == (f"InvalidParameter.{name}", 400)
    assert value in error.message


def test_v1_reads_the_claimed_identity_and_keeps_empty_parameters() -> None:
    query = encode_query({**V1_PARAMS, "SignatureType": "", "SecurityToken": "CAIS+x/y="})
    request = parse_request("POST", query, [], b"")
    assert request.scheme == "v1"
    assert (request.action, request.version) == ("GetCallerIdentity", "2015-04-01")
    assert request.access_key_id == "LTAI5tFAKEexampleKEY1234"
    assert request.security_token == "CAIS+x/y="
    assert request.nonce == "9c5c2b713f056feca8a9b6ab1d99e52f"
    assert request.timestamp == NOW
    assert request.params["SignatureType"] == ""
    assert "Signature" not in request.params


def test_plus_and_percent_20_both_decode_to_a_space() -> None:
    tea = parse_request("GET", "Action=A&Version=1&Policy=a+b%2Bc", [], b"")
    classic = parse_request("GET", "Action=A&Version=1&Policy=a%20b%2Bc", [], b"")
    assert tea.params["Policy"] == classic.params["Policy"] == "a b+c"


def test_raw_utf8_bytes_in_the_query_decode_like_their_percent_encoding() -> None:
    raw = "Action=A&Version=1&Description=测试".encode()
    as_asgi_gives_it = raw.decode("latin-1")
    encoded = "Action=A&Version=1&Description=%E6%B5%8B%E8%AF%95"
    for query in (raw, as_asgi_gives_it, encoded):
        assert parse_request("GET", query, [], b"").params["Description"] == "测试"


def test_form_body_parameters_join_the_query_ones() -> None:
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")]
    request = parse_request("POST", encode_query(V1_PARAMS), headers, b"Marker=EXAMPLE+m%2B")
    assert request.params["Marker"] == "EXAMPLE m+"


def test_json_body_adds_no_parameters() -> None:
    headers = [("content-type", "application/json; charset=utf-8")]
    request = parse_request("POST", encode_query(V1_PARAMS), headers, b'{"Marker": "x"}')
    assert "Marker" not in request.params


@pytest.mark.parametrize("content_type", [None, "text/plain", "multipart/form-data; boundary=x"])
def test_a_body_that_is_neither_form_nor_json_is_refused(content_type: str | None) -> None:
    headers = [] if content_type is None else [("Content-Type", content_type)]
    error = _error("POST", encode_query(V1_PARAMS), headers, b"Marker=x")
    assert (error.code, error.http_status) == ("InvalidParameter.ContentType", 400)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "get"])
def test_only_get_and_post_are_served(method: str) -> None:
    error = _error(method, encode_query(V1_PARAMS), [], b"")
    assert (error.code, error.http_status) == ("UnsupportedHTTPMethod", 403)


def test_v3_reads_action_version_and_token_from_headers() -> None:
    signed = sign_v3(
        "POST",
        "http://127.0.0.1:8080",
        "AssumeRole",
        "2015-04-01",
        {"RoleArn": "acs:ram::1:role/r"},
        "STS.abc",
        SECRET,
        "CAIS-token",
        now=NOW,
        nonce="n1",
    )
    shouted = [(name.upper(), value) for name, value in signed.headers]
    request = parse_request("POST", signed.query, shouted, b"")
    assert request.scheme == "v3"
    assert (request.action, request.version) == ("AssumeRole", "2015-04-01")
    assert request.access_key_id == "STS.abc"
    assert request.security_token == "CAIS-token"
    assert (request.nonce, request.timestamp) == ("n1", NOW)
    assert request.params == {"RoleArn": "acs:ram::1:role/r"}
    assert request.headers["host"] == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "authorization",
    [
        "ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;x-acs-action",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256",
        "acs LTAI5t:c2lnbmF0dXJl",
    ],
)
def test_malformed_authorization_is_an_incomplete_signature(authorization: str) -> None:
    error = _error("POST", "", _v3_headers(Authorization=authorization), b"")
    assert (error.code, error.http_status) == ("IncompleteSignature", 400)


@pytest.mark.parametrize(
    "required",
    [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ],
)
def test_v3_must_sign_the_required_headers(required: str) -> None:
    listed = ["accept", *ACS3_REQUIRED_SIGNED_HEADERS]
    without = ";".join(name for name in listed if name != required)
    authorization = f"ACS3-HMAC-SHA256 Credential=a,SignedHeaders={without},Signature=00"
    error = _error("POST", "", _v3_headers(Authorization=authorization), b"")
    assert error.code == "IncompleteSignature"
    assert required in error.message


def test_v3_signed_headers_must_be_present() -> None:
    error = _error("POST", "", _v3_headers(accept=None), b"")
    assert error.code == "IncompleteSignature"
    assert "accept" in error.message


def test_v3_security_token_must_be_signed() -> None:
    error = _error("POST", "", _v3_headers(x_acs_security_token="CAIS-token"), b"")
    assert error.code == "IncompleteSignature"
    assert "x-acs-security-token" in error.message


def test_v3_with_an_empty_action_header_is_missing_parameter() -> None:
    error = _error("POST", "", _v3_headers(x_acs_action=""), b"")
    assert error.code == "MissingParameter"


def test_repeated_headers_are_joined_with_a_comma() -> None:
    request = parse_request(
        "GET", "Action=A&Version=1", [("X-Thing", " a "), ("x-thing", "b")], b""
    )
    assert request.headers["x-thing"] == "a,b"


def test_unsigned_request_is_anonymous_with_action_from_query_or_header() -> None:
    from_query = parse_request("POST", "Action=AssumeRoleWithOIDC&Version=2015-04-01", [], b"")
    from_headers = parse_request(
        "POST",
        "OIDCToken=eyJ",
        [("x-acs-action", "AssumeRoleWithSAML"), ("x-acs-version", "2015-04-01")],
        b"",
    )
    assert (from_query.scheme, from_query.action) == ("anonymous", "AssumeRoleWithOIDC")
    assert (from_headers.scheme, from_headers.action) == ("anonymous", "AssumeRoleWithSAML")
    assert from_query.access_key_id is None
    assert from_query.timestamp is None and from_query.nonce is None


def test_anonymous_without_an_action_is_missing_parameter() -> None:
    assert _error("GET", "Version=2015-04-01", [], b"").code == "MissingParameter"


def test_bearer_material_stays_out_of_the_repr() -> None:
    signed = sign_rpc_v1(
        "GET",
        {"Action": "AssumeRoleWithOIDC", "Version": "2015-04-01", "OIDCToken": "eyJsecret"},
        "STS.abc",
        SECRET,
        "CAIS-secret-token",
        now=NOW,
    )
    request = parse_request("GET", signed.query, [], b"")
    shown = repr(request)
    for hidden in ("eyJsecret", "CAIS-secret-token", signed.signature, SECRET.reveal()):
        assert hidden not in shown
    assert "STS.abc" in shown and "AssumeRoleWithOIDC" in shown
