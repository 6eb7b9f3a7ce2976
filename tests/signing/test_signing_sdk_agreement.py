"""Our verifier accepts what Alibaba's own SDK signers produce, and our client signs exactly as
Tea does — for any parameters, not only the captured ones. Offline: the SDKs' signing functions
are called directly, no server involved."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from hypothesis import given
from signing_strategies import api_params, hosts, methods, params

from ramsts.signing import parse_request, sign_v3, verify_signature
from ramsts.types import Secret

rpc_signature_composer = pytest.importorskip("aliyunsdkcore.auth.composer.rpc_signature_composer")
credentials_helper = pytest.importorskip("alibabacloud_credentials.utils.parameter_helper")
tea_utils = pytest.importorskip("alibabacloud_tea_openapi.utils")

AK = "LTAI5tFAKEexampleKEY1234"
SECRET = "FakeSecretForTestVectors0123456789abcd"
ACTION = {"Action": "AssumeRole", "Version": "2015-04-01"}


@given(method=methods, query=params, form=params)
def test_classic_core_signatures_verify(
    method: str, query: dict[str, str], form: dict[str, str]
) -> None:
    url, _ = rpc_signature_composer.get_signed_url(
        {**query, **ACTION}, AK, SECRET, "JSON", method, form
    )
    headers = [("Content-Type", "application/x-www-form-urlencoded")] if form else []
    request = parse_request(method, url.removeprefix("/?"), headers, urlencode(form).encode())
    assert request.params["SignatureType"] == ""
    verify_signature(request, Secret(SECRET))


@given(method=methods, query=params)
def test_credentials_provider_signatures_verify(method: str, query: dict[str, str]) -> None:
    """Its quote_plus StringToSign (api.md §3.6) is accepted as the second candidate."""
    signed = {
        **query,
        **ACTION,
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Timestamp": "2026-11-27T17:31:38Z",
        "SignatureNonce": "9bc0cebf-8968-57a6-804e-8668323d340e",
        "AccessKeyId": AK,
    }
    text = credentials_helper.compose_string_to_sign(method, signed)
    signature = credentials_helper.sign_string(text, SECRET + "&")
    raw_query = urlencode({**signed, "Signature": signature})
    verify_signature(parse_request(method, raw_query, [], b""), Secret(SECRET))


@given(method=methods, host=hosts, query=api_params)
def test_our_v3_authorization_equals_tea_openapis(
    method: str, host: str, query: dict[str, str]
) -> None:
    """Tea leaves names unencoded where we encode them (docs/signing.md): the same for the names
    these APIs use."""
    ours = sign_v3(
        method,
        host,
        "AssumeRole",
        "2015-04-01",
        query,
        AK,
        Secret(SECRET),
        "CAISFAKETOKEN+with/special=chars",
        now=datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC),
        nonce="f52e5f7e74bd42f1bbe3daedb913e4eb",
    )
    headers = dict(ours.headers)
    authorization = headers.pop("Authorization")
    tea_request = SimpleNamespace(pathname="/", method=method, query=query, headers=headers)
    theirs = tea_utils.Utils.get_authorization(
        tea_request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], AK, SECRET
    )
    assert authorization == theirs
