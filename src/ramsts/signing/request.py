"""Reading a received request: which signature scheme it uses and what it claims (api.md §3.4).

:func:`parse_request` needs no secret. It tells the scheme, collects the parameters and the
claimed identity, and refuses requests that are malformed for their scheme. Verification
(:func:`ramsts.signing.verify_signature`) comes after the caller has looked up the secret of
:attr:`SignedRequest.access_key_id`.

Dispatch, in this order:

1. ``Authorization: ACS3-…`` → V3 (``ACS3-HMAC-SHA256``, §3);
2. ``Signature``, ``SignatureMethod`` or ``AccessKeyId`` among the parameters → RPC v1 (§2);
3. otherwise → anonymous; whether the action may be called so is the caller's decision.

An ``Authorization: acs …`` header (ROA, §11) is refused: STS and RAM have no ROA operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ramsts.errors import (
    AuthenticationError,
    GatewayError,
    InvalidParameter,
    MissingParameter,
    not_supplied,
)
from ramsts.signing.encoding import FORM_MEDIA_TYPE, decode_form, wire_text
from ramsts.signing.timestamps import parse_timestamp

Scheme = Literal["v1", "v3", "anonymous"]

RPC_V1_SIGNATURE_METHOD = "HMAC-SHA1"
RPC_V1_SIGNATURE_VERSION = "1.0"
ACS3_ALGORITHM = "ACS3-HMAC-SHA256"

ACS3_REQUIRED_SIGNED_HEADERS = (
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
)
"""Headers a V3 request must sign; it may sign more, and the verifier follows its list (§3.2)."""

_V1_REQUIRED = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "Timestamp",
    "SignatureNonce",
)
_JSON_MEDIA_TYPE = "application/json"
_INCOMPLETE_SIGNATURE = "The request signature does not conform to Aliyun standards."


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a received request claims, read without any secret.

    ``params`` holds the form-decoded query and ``application/x-www-form-urlencoded`` body
    parameters (the body's win on a repeated name), without ``Signature``. For V3 the action and
    version come from the ``x-acs-action`` / ``x-acs-version`` headers, the AccessKeyId from the
    ``Credential`` of the ``Authorization`` header and the SecurityToken from
    ``x-acs-security-token``.

    Bearer material (tokens, signatures, parameters such as ``OIDCToken``) stays out of the repr.
    """

    scheme: Scheme
    method: str
    action: str
    version: str
    params: dict[str, str] = field(repr=False)
    access_key_id: str | None
    security_token: str | None = field(repr=False)
    nonce: str | None
    timestamp: datetime | None
    """The request time (``Timestamp`` or ``x-acs-date``); None when absent or malformed."""
    timestamp_text: str | None
    """The request time as received, for :func:`check_timestamp`'s format error."""
    signature: str | None = field(default=None, repr=False)
    query: dict[str, str] = field(default_factory=dict, repr=False)
    """V3: the query parameters alone, the source of the CanonicalQueryString."""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Lower-cased header names; values trimmed, repeated headers joined with ``,``."""
    signed_headers: tuple[str, ...] = field(default=(), repr=False)
    """V3: the client's SignedHeaders list, in its order."""
    body: bytes = field(default=b"", repr=False)


def parse_request(
    method: str,
    raw_query: str | bytes,
    headers: Sequence[tuple[str, str]],
    body: bytes,
) -> SignedRequest:
    """Read one request as received: method, undecoded query, header pairs in order, raw body.

    Raises the gateway's errors for a request malformed for its scheme: ``Missing<Name>`` for an
    absent signature parameter, ``MissingParameter`` for an absent Action or Version,
    ``InvalidParameter.SignatureMethod`` / ``.SignatureVersion``, ``IncompleteSignature`` for a bad
    ``Authorization`` header, ``InvalidParameter.ContentType`` for a body that is neither a form
    nor JSON, and ``UnsupportedHTTPMethod`` for anything but GET and POST.
    """
    if method not in ("GET", "POST"):
        raise GatewayError(
            "UnsupportedHTTPMethod", "This HTTP method is not supported.", http_status=403
        )
    header_index = index_headers(headers)
    query = decode_form(wire_text(raw_query))
    params = {**query, **_body_params(header_index, body)}

    authorization = header_index.get("authorization", "")
    if authorization.startswith("ACS3-"):
        return _parse_acs3(method, header_index, params, query, body)
    if authorization.startswith("acs "):
        raise AuthenticationError(
            "IncompleteSignature", f"{_INCOMPLETE_SIGNATURE} ROA signatures are not accepted."
        )
    if "Signature" in params or "SignatureMethod" in params or "AccessKeyId" in params:
        return _parse_rpc_v1(method, params, header_index)
    return _parse_anonymous(method, params, header_index)


def index_headers(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Header values by lower-cased name, trimmed; a repeated header's values joined by ``,``."""
    index: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        previous = index.get(key)
        index[key] = value.strip() if previous is None else f"{previous},{value.strip()}"
    return index


def _body_params(header_index: Mapping[str, str], body: bytes) -> dict[str, str]:
    if not body:
        return {}
    media_type = header_index.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == FORM_MEDIA_TYPE:
        return decode_form(wire_text(body))
    if media_type == _JSON_MEDIA_TYPE:
        # A JSON body carries no RPC parameters; V3 still covers it by x-acs-content-sha256.
        return {}
    raise InvalidParameter(
        "ContentType",
        "ContentType header must be application/json or application/x-www-form-urlencoded, "
        f"not {media_type or '(none)'!r}.",
    )


def _parse_rpc_v1(
    method: str, params: dict[str, str], header_index: Mapping[str, str]
) -> SignedRequest:
    """RPC v1 (HMAC-SHA1): every credential travels as a parameter (api.md §2.1, §2.4)."""
    for name in _V1_REQUIRED:
        if not params.get(name):
            raise AuthenticationError(f"Missing{name}", f"{name} is mandatory for this action.")
    signature = params.pop("Signature")
    if params["SignatureMethod"] != RPC_V1_SIGNATURE_METHOD:
        raise _unsupported("SignatureMethod", params["SignatureMethod"], RPC_V1_SIGNATURE_METHOD)
    if params["SignatureVersion"] != RPC_V1_SIGNATURE_VERSION:
        raise _unsupported("SignatureVersion", params["SignatureVersion"], RPC_V1_SIGNATURE_VERSION)
    timestamp_text = params["Timestamp"]
    return SignedRequest(
        scheme="v1",
        method=method,
        action=_required(params.get("Action"), "Action"),
        version=_required(params.get("Version"), "Version"),
        params=params,
        access_key_id=params["AccessKeyId"],
        security_token=params.get("SecurityToken") or None,
        nonce=params["SignatureNonce"],
        timestamp=parse_timestamp(timestamp_text),
        timestamp_text=timestamp_text,
        signature=signature,
        headers=header_index,
    )


def _parse_acs3(
    method: str,
    header_index: Mapping[str, str],
    params: dict[str, str],
    query: dict[str, str],
    body: bytes,
) -> SignedRequest:
    """V3 (ACS3-HMAC-SHA256): credentials in ``Authorization`` and ``x-acs-*`` headers (§3)."""
    algorithm, _, credentials = header_index["authorization"].partition(" ")
    if algorithm != ACS3_ALGORITHM:
        raise AuthenticationError(
            "IncompleteSignature",
            f"{_INCOMPLETE_SIGNATURE} Unsupported signature algorithm {algorithm!r}; "
            f"use {ACS3_ALGORITHM}.",
        )
    fields = _authorization_fields(credentials)
    signed_headers = tuple(fields["SignedHeaders"].lower().split(";"))
    _check_signed_headers(signed_headers, header_index)
    timestamp_text = header_index["x-acs-date"]
    return SignedRequest(
        scheme="v3",
        method=method,
        action=_required(header_index["x-acs-action"], "Action"),
        version=_required(header_index["x-acs-version"], "Version"),
        params=params,
        access_key_id=fields["Credential"],
        security_token=header_index.get("x-acs-security-token") or None,
        nonce=header_index["x-acs-signature-nonce"],
        timestamp=parse_timestamp(timestamp_text),
        timestamp_text=timestamp_text,
        signature=fields["Signature"],
        query=query,
        headers=header_index,
        signed_headers=signed_headers,
        body=body,
    )


def _authorization_fields(credentials: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in credentials.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip()
    for key in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(key):
            raise AuthenticationError(
                "IncompleteSignature",
                f"{_INCOMPLETE_SIGNATURE} The Authorization header has no {key}.",
            )
    return fields


def _check_signed_headers(signed: tuple[str, ...], header_index: Mapping[str, str]) -> None:
    listed = set(signed)
    missing = [name for name in ACS3_REQUIRED_SIGNED_HEADERS if name not in listed]
    if missing:
        raise AuthenticationError(
            "IncompleteSignature",
            f"{_INCOMPLETE_SIGNATURE} SignedHeaders must include {', '.join(missing)}.",
        )
    absent = [name for name in signed if name not in header_index or name == "authorization"]
    if absent:
        raise AuthenticationError(
            "IncompleteSignature",
            f"{_INCOMPLETE_SIGNATURE} SignedHeaders lists headers the request does not carry: "
            f"{', '.join(absent)}.",
        )
    # A token outside the signature could be swapped in transit; the SDKs always sign it (§10).
    if "x-acs-security-token" in header_index and "x-acs-security-token" not in listed:
        raise AuthenticationError(
            "IncompleteSignature",
            f"{_INCOMPLETE_SIGNATURE} SignedHeaders must include x-acs-security-token.",
        )


def _parse_anonymous(
    method: str, params: dict[str, str], header_index: Mapping[str, str]
) -> SignedRequest:
    """No credentials at all (AssumeRoleWithOIDC / AssumeRoleWithSAML clients, §8.2, §8.3)."""
    timestamp_text = params.get("Timestamp")
    return SignedRequest(
        scheme="anonymous",
        method=method,
        action=_required(params.get("Action") or header_index.get("x-acs-action"), "Action"),
        version=_required(params.get("Version") or header_index.get("x-acs-version"), "Version"),
        params=params,
        access_key_id=None,
        security_token=None,
        nonce=params.get("SignatureNonce") or None,
        timestamp=None if timestamp_text is None else parse_timestamp(timestamp_text),
        timestamp_text=timestamp_text,
        headers=header_index,
    )


def _required(value: str | None, name: str) -> str:
    if not value:
        raise MissingParameter(
            None,
            not_supplied(name),
        )
    return value


def _unsupported(name: str, value: str, supported: str) -> InvalidParameter:
    return InvalidParameter(
        name, f"The specified parameter {name} {value!r} is not supported; use {supported}."
    )
