"""Every request captured from Alibaba's own SDKs (``sdk_vectors/``, alibaba-api.md §7) verifies
with the vector's secret, and fails once the secret, a parameter, a header or the body changes."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ramsts.errors import AuthenticationError, InvalidParameter
from ramsts.parameters import is_secret_parameter
from ramsts.signing import (
    check_timestamp,
    parse_request,
    sign_rpc_v1,
    verify_signature,
)
from ramsts.signing.encoding import encode_query, percent_encode
from ramsts.signing.verification import MISMATCH_MESSAGE
from ramsts.types import Secret

VECTORS = Path(__file__).resolve().parent / "sdk_vectors"
SCHEMES = {
    "RPC v1 HMAC-SHA1": "v1",
    "ACS3-HMAC-SHA256": "v3",
    "none (unsigned request)": "anonymous",
}


@dataclass(frozen=True)
class Captured:
    name: str
    method: str
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    check: dict[str, Any]
    secret: str | None
    captured_at: datetime

    @property
    def scheme(self) -> str:
        return SCHEMES[self.check["scheme"]]

    def parse(self, **changes: Any) -> Any:
        fields = {
            "method": self.method,
            "raw_query": self.raw_query,
            "headers": self.headers,
            "body": self.body,
            **changes,
        }
        return parse_request(
            fields["method"], fields["raw_query"], fields["headers"], fields["body"]
        )


def _captured() -> list[Any]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        if path.name.startswith(("_", "doc-")):
            continue
        document = json.loads(path.read_text())
        captured_at = datetime.fromisoformat(document["captured_at_utc"])
        for index, entry in enumerate(document["requests"]):
            request = entry["request"]
            credentials = document["credentials_used"]
            secret = credentials[index]["access_key_secret"] if index < len(credentials) else None
            case = Captured(
                name=f"{path.stem}[{index}]",
                method=request["method"],
                raw_query=request["raw_query"],
                headers=[(name, value) for name, value in request["headers"]],
                body=base64.b64decode(request["body_base64"]),
                check=entry["reference_check"],
                secret=secret,
                captured_at=captured_at,
            )
            cases.append(pytest.param(case, id=case.name))
    return cases


CAPTURED = _captured()
SIGNED = [case for case in CAPTURED if case.values[0].scheme != "anonymous"]
UNSIGNED = [case for case in CAPTURED if case.values[0].scheme == "anonymous"]
V1 = [case for case in SIGNED if case.values[0].scheme == "v1"]
V3 = [case for case in SIGNED if case.values[0].scheme == "v3"]


def _mismatch(request: Any, secret: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(request, Secret(secret))
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.http_status == 400
    return caught.value


def test_the_vector_directory_holds_every_scheme() -> None:
    schemes = {case.values[0].scheme for case in CAPTURED}
    assert schemes == {"v1", "v3", "anonymous"}
    assert len(SIGNED) >= 15


@pytest.mark.parametrize("case", SIGNED)
def test_captured_request_verifies_with_its_secret(case: Captured) -> None:
    request = case.parse()
    assert request.scheme == case.scheme
    assert request.access_key_id == case.check["access_key_id"]
    assert case.secret is not None
    verify_signature(request, Secret(case.secret))
    check_timestamp(request, case.captured_at)


@pytest.mark.parametrize("case", SIGNED)
def test_captured_request_fails_with_a_wrong_secret_and_echoes_the_string_to_sign(
    case: Captured,
) -> None:
    assert case.secret is not None
    error = _mismatch(case.parse(), case.secret + "x")
    # The server's StringToSign is the standard one, also for the "+"-for-space vector, with the
    # value of each secret parameter (a SecurityToken) shown as *** rather than echoed.
    expected = case.check["string_to_sign"]
    for name, value in case.check.get("signed_params", {}).items():
        if is_secret_parameter(name):
            expected = expected.replace(
                percent_encode(f"{name}={percent_encode(value)}"),
                percent_encode(f"{name}={percent_encode('***')}"),
            )
            assert percent_encode(percent_encode(value)) not in error.message
    assert error.message == MISMATCH_MESSAGE + expected
    assert error.message.count(":") == 1


@pytest.mark.parametrize("case", V1)
def test_v1_parameters_match_the_reference_and_any_changed_value_fails(case: Captured) -> None:
    request = case.parse()
    assert request.params == case.check["signed_params"]
    assert case.secret is not None
    signature = case.parse().signature
    # Re-encoding the same parameters differently on the wire changes nothing …
    reencoded = encode_query({**request.params, "Signature": signature})
    verify_signature(case.parse(raw_query=reencoded, body=b""), Secret(case.secret))
    # … while any change to any signed value, or an extra parameter, breaks the signature.
    for name in request.params:
        tampered = encode_query({**request.params, name: request.params[name] + "0"})
        raw_query = f"{tampered}&Signature={signature}"
        if name in ("SignatureMethod", "SignatureVersion"):
            with pytest.raises(InvalidParameter):
                case.parse(raw_query=raw_query, body=b"")
            continue
        _mismatch(case.parse(raw_query=raw_query, body=b""), case.secret)
    _mismatch(case.parse(raw_query=case.raw_query + "&Injected=1"), case.secret)


@pytest.mark.parametrize("case", V3)
def test_v3_changed_query_header_or_body_fails(case: Captured) -> None:
    request = case.parse()
    assert list(request.signed_headers) == case.check["signed_headers"]
    assert case.secret is not None
    _mismatch(case.parse(raw_query=case.raw_query + "&Injected=1"), case.secret)
    for index, (name, value) in enumerate(case.headers):
        if name.lower() not in request.signed_headers:
            continue
        headers = list(case.headers)
        headers[index] = (name, value + "0")
        _mismatch(case.parse(headers=headers), case.secret)
    form = [*case.headers, ("Content-Type", "application/x-www-form-urlencoded")]
    _mismatch(case.parse(headers=form, body=b"Injected=1"), case.secret)


def test_v3_host_with_a_scheme_is_signed_as_received() -> None:
    (case,) = [c.values[0] for c in V3 if "endpoint-with-scheme" in c.values[0].name]
    assert case.secret is not None
    request = case.parse()
    assert request.headers["host"] == "http://127.0.0.1:37125"
    verify_signature(request, Secret(case.secret))
    normalised = [(n, "127.0.0.1:37125" if n == "host" else v) for n, v in case.headers]
    _mismatch(case.parse(headers=normalised), case.secret)


def test_v1_form_body_is_signed_with_the_query() -> None:
    (case,) = [c.values[0] for c in V1 if "formbody" in c.values[0].name]
    assert case.secret is not None
    assert case.parse().params["Marker"] == "EXAMPLE marker+/="
    _mismatch(case.parse(body=case.body.replace(b"EXAMPLE", b"EXAMPLF")), case.secret)


def test_policy_with_spaces_verifies_only_through_the_plus_for_space_variant() -> None:
    (case,) = [c.values[0] for c in V1 if "policy-with-spaces" in c.values[0].name]
    assert case.secret is not None
    assert case.check["match"] is False
    assert case.check["alt_match"] is True
    verify_signature(case.parse(), Secret(case.secret))


@pytest.mark.parametrize("case", UNSIGNED)
def test_unsigned_oidc_requests_parse_as_anonymous(case: Captured) -> None:
    request = case.parse()
    assert request.scheme == "anonymous"
    assert request.action == "AssumeRoleWithOIDC"
    assert request.version == "2015-04-01"
    assert request.access_key_id is None
    assert request.params == case.check["params"]
    check_timestamp(request, case.captured_at)
    with pytest.raises(AuthenticationError) as caught:
        verify_signature(request, Secret("anything"))
    assert caught.value.code == "MissingSignature"


@pytest.mark.parametrize("case", SIGNED)
def test_captured_request_is_too_old_sixteen_minutes_later(case: Captured) -> None:
    request = case.parse()
    with pytest.raises(AuthenticationError) as caught:
        check_timestamp(request, case.captured_at + timedelta(minutes=16))
    assert caught.value.code == "InvalidTimeStamp.Expired"


def test_documented_known_answer() -> None:
    """Alibaba's worked example (api.md §2.3): CreateUser signed kRA2cnpJVacIhDMzXnoNZG9tDCI=."""
    example = json.loads((VECTORS / "doc-example-rpc-v1-CreateUser-known-answer.json").read_text())
    params = example["params"]
    signed = sign_rpc_v1(
        example["method"],
        {"Action": params["Action"], "Version": params["Version"], "UserName": "test"},
        example["access_key_id"],
        Secret(example["access_key_secret"]),
        now=datetime.fromisoformat(params["Timestamp"]),
        nonce=params["SignatureNonce"],
    )
    assert signed.string_to_sign == example["expected_string_to_sign"]
    assert signed.signature == "kRA2cnpJVacIhDMzXnoNZG9tDCI=" == example["expected_signature"]
    assert signed.query.endswith("Signature=" + example["expected_signature_url_encoded"])

    request = parse_request("GET", signed.query, [("Host", "ram.aliyuncs.com")], b"")
    assert request.params == params
    verify_signature(request, Secret("testsecret"))
    _mismatch(request, "testsecreT")
