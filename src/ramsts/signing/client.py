"""The signing side: requests as the real SDKs build them, for ``ramsts call``, guard tests and
benchmarks. Both our verifier and Alibaba's gateway accept what these produce.

A signed request is a value to send, not a sent request (this package does no I/O); with
:data:`ramsts.products.STS`::

    signed = sign_v3("POST", "127.0.0.1:8080", "GetCallerIdentity", STS.version, {}, ak, secret)
    httpx.request(signed.method, f"http://127.0.0.1:8080/?{signed.query}",
                  headers=list(signed.headers), content=signed.body)

``now`` and ``nonce`` default to the system clock and 16 random bytes in hex (as the Tea SDK
does); tests pass both to get reproducible signatures.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ramsts.signing import acs3, rpc_v1
from ramsts.signing.encoding import FORM_MEDIA_TYPE, encode_query
from ramsts.signing.request import (
    ACS3_ALGORITHM,
    RPC_V1_SIGNATURE_METHOD,
    RPC_V1_SIGNATURE_VERSION,
)
from ramsts.signing.timestamps import format_timestamp
from ramsts.types import Secret, system_clock

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SignedRpcV1Request:
    """An RPC v1 request ready to send as ``{method} /?{query}`` with ``headers`` and ``body``.

    ``query`` holds every query parameter and ``Signature``, RFC-3986-encoded; ``body`` the
    form-encoded body parameters, if any (``headers`` then names their Content-Type).
    """

    method: str
    query: str
    headers: Headers
    body: bytes
    string_to_sign: str
    signature: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SignedV3Request:
    """A V3 request ready to send as ``{method} /?{query}`` with ``headers`` (``Authorization``
    last) and ``body``."""

    method: str
    query: str
    headers: Headers
    body: bytes
    canonical_request: str
    string_to_sign: str
    signature: str = field(repr=False)


def sign_rpc_v1(
    method: str,
    params: Mapping[str, str],
    access_key_id: str,
    secret: Secret,
    security_token: str | None = None,
    *,
    now: datetime | None = None,
    nonce: str | None = None,
    form: Mapping[str, str] | None = None,
) -> SignedRpcV1Request:
    """Sign an RPC v1 (HMAC-SHA1) request, api.md §2.

    ``params`` are the query parameters, ``Action`` and ``Version`` included; ``Format`` defaults
    to ``JSON``. The common parameters (``Timestamp``, ``SignatureMethod``, ``SignatureVersion``,
    ``SignatureNonce``, ``AccessKeyId``, ``SecurityToken``) are set here. ``form`` parameters go
    in an ``application/x-www-form-urlencoded`` body and are signed together with the query.
    """
    query = {"Format": "JSON", **params}
    query.update(
        Timestamp=format_timestamp(now or system_clock()),
        SignatureMethod=RPC_V1_SIGNATURE_METHOD,
        SignatureVersion=RPC_V1_SIGNATURE_VERSION,
        SignatureNonce=nonce or secrets.token_hex(16),
        AccessKeyId=access_key_id,
    )
    if security_token is not None:
        query["SecurityToken"] = security_token
    body_params = dict(form or {})
    text = rpc_v1.string_to_sign(method, {**query, **body_params})
    signature = rpc_v1.compute_signature(text, secret)
    headers: Headers = (("Content-Type", FORM_MEDIA_TYPE),) if body_params else ()
    return SignedRpcV1Request(
        method=method,
        query=encode_query({**query, "Signature": signature}),
        headers=headers,
        body=encode_query(body_params).encode("ascii"),
        string_to_sign=text,
        signature=signature,
    )


def sign_v3(  # noqa: PLR0917 -- positional order is the package contract (architecture.md)
    method: str,
    host: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    access_key_id: str,
    secret: Secret,
    security_token: str | None = None,
    body: bytes = b"",
    *,
    now: datetime | None = None,
    nonce: str | None = None,
    content_type: str = FORM_MEDIA_TYPE,
) -> SignedV3Request:
    """Sign a V3 (ACS3-HMAC-SHA256) request, api.md §3.

    ``host`` is the literal Host header and is signed (it may carry a scheme, §3.5). ``params``
    go in the query; ``body``, when not empty, is sent with ``content_type`` and covered by
    ``x-acs-content-sha256``. Temporary credentials add ``x-acs-accesskey-id`` and
    ``x-acs-security-token`` (§10). Every header set here is signed, as the Tea SDK does.
    """
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": format_timestamp(now or system_clock()),
        "x-acs-signature-nonce": nonce or secrets.token_hex(16),
        "accept": "application/json",
        "x-acs-content-sha256": acs3.hashed_payload(body),
    }
    if body:
        headers["content-type"] = content_type
    if security_token is not None:
        headers["x-acs-accesskey-id"] = access_key_id
        headers["x-acs-security-token"] = security_token
    signed_headers = sorted(headers)
    query = dict(params)
    canonical = acs3.canonical_request(
        method, query, headers, signed_headers, headers["x-acs-content-sha256"]
    )
    text = acs3.string_to_sign(canonical)
    signature = acs3.compute_signature(text, secret)
    authorization = (
        f"{ACS3_ALGORITHM} Credential={access_key_id},"
        f"SignedHeaders={';'.join(signed_headers)},Signature={signature}"
    )
    return SignedV3Request(
        method=method,
        query=encode_query(query),
        headers=(*headers.items(), ("Authorization", authorization)),
        body=body,
        canonical_request=canonical,
        string_to_sign=text,
        signature=signature,
    )
