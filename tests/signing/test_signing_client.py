"""The signing side builds what the real SDKs send (api.md §2.1, §3.1, §10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ramsts.signing import parse_request, sign_rpc_v1, sign_v3, verify_signature
from ramsts.signing.acs3 import hashed_payload
from ramsts.types import Secret

NOW = datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC)
SECRET = Secret("FakeSecretForTestVectors0123456789abcd")
ACTION = {"Action": "AssumeRole", "Version": "2015-04-01"}


def test_rpc_v1_sets_the_common_parameters() -> None:
    signed = sign_rpc_v1("POST", ACTION, "LTAI5t", SECRET, now=NOW, nonce="abc")
    params = parse_request("POST", signed.query, signed.headers, signed.body).params
    assert params == {
        **ACTION,
        "Format": "JSON",
        "Timestamp": "2026-11-27T17:31:38Z",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "abc",
        "AccessKeyId": "LTAI5t",
    }
    assert signed.body == b""
    assert signed.headers == ()


def test_rpc_v1_with_temporary_credentials_signs_the_security_token() -> None:
    signed = sign_rpc_v1("GET", ACTION, "STS.x", SECRET, "CAIS+/=", now=NOW)
    request = parse_request("GET", signed.query, (), b"")
    assert request.security_token == "CAIS+/="
    assert "SecurityToken=CAIS%2B%2F%3D" in signed.query


def test_rpc_v1_form_body_is_form_encoded_and_declared() -> None:
    signed = sign_rpc_v1("POST", ACTION, "LTAI5t", SECRET, now=NOW, form={"Marker": "a b"})
    assert signed.body == b"Marker=a%20b"
    assert signed.headers == (("Content-Type", "application/x-www-form-urlencoded"),)
    assert "Marker" not in signed.query
    verify_signature(parse_request("POST", signed.query, signed.headers, signed.body), SECRET)


def test_rpc_v1_query_encodes_spaces_as_percent_20_like_the_classic_sdk() -> None:
    signed = sign_rpc_v1("POST", {**ACTION, "Policy": "a b"}, "LTAI5t", SECRET, now=NOW)
    assert "Policy=a%20b" in signed.query


def test_a_time_in_another_zone_is_sent_in_utc() -> None:
    beijing = NOW.astimezone(timezone(timedelta(hours=8)))
    signed = sign_rpc_v1("GET", ACTION, "LTAI5t", SECRET, now=beijing)
    assert "Timestamp=2026-11-27T17%3A31%3A38Z" in signed.query


def test_default_nonce_is_fresh_32_hex_characters() -> None:
    first = parse_request("GET", sign_rpc_v1("GET", ACTION, "a", SECRET).query, (), b"")
    second = parse_request("GET", sign_rpc_v1("GET", ACTION, "a", SECRET).query, (), b"")
    assert first.nonce is not None and second.nonce is not None
    assert len(first.nonce) == 32 and int(first.nonce, 16) >= 0
    assert first.nonce != second.nonce


def test_v3_signs_every_header_it_sets() -> None:
    signed = sign_v3(
        "POST", "http://127.0.0.1:9", "AssumeRole", "2015-04-01", {}, "LTAI5t", SECRET, now=NOW
    )
    headers = dict(signed.headers)
    authorization = headers.pop("Authorization")
    assert headers == {
        "host": "http://127.0.0.1:9",
        "x-acs-action": "AssumeRole",
        "x-acs-version": "2015-04-01",
        "x-acs-date": "2026-11-27T17:31:38Z",
        "x-acs-signature-nonce": headers["x-acs-signature-nonce"],
        "accept": "application/json",
        "x-acs-content-sha256": hashed_payload(b""),
    }
    assert authorization == (
        "ACS3-HMAC-SHA256 Credential=LTAI5t,SignedHeaders=accept;host;x-acs-action;"
        "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        f"Signature={signed.signature}"
    )
    assert len(signed.signature) == 64
    assert signed.string_to_sign.startswith("ACS3-HMAC-SHA256\n")


def test_v3_with_temporary_credentials_and_a_body() -> None:
    signed = sign_v3(
        "POST",
        "127.0.0.1:9",
        "GetCallerIdentity",
        "2015-04-01",
        {},
        "STS.x",
        SECRET,
        "CAIS-token",
        b"Marker=m",
        now=NOW,
    )
    headers = dict(signed.headers)
    assert headers["x-acs-accesskey-id"] == "STS.x"
    assert headers["x-acs-security-token"] == "CAIS-token"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["x-acs-content-sha256"] == hashed_payload(b"Marker=m")
    assert "content-type;host" in headers["Authorization"]
    assert "x-acs-security-token" in headers["Authorization"]
