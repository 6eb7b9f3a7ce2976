"""``VerifyRequest``: the verification API a resource service in any language calls
(the role Keystone's ``ec2tokens`` / ``s3tokens`` play for OpenStack services).

The service signs its own call with its own AccessKey and sends what its client sent: method,
path, raw query, headers (the signed ones at least), body, the peer address and whether TLS was
used, plus what to authorize. ramsts verifies the client's signature (timestamp, key or
SecurityToken, signature, nonce: the nonce is used up here, by the side that verifies), resolves
the principal and, when ``AuthAction`` is given, decides it on ``AuthResource``.

The answer separates the two failures a service must tell apart:

* the service's own call is wrong (bad signature, no ``ramsts:VerifyRequest`` permission,
  malformed ``Headers``): the usual error envelope, with its HTTP status;
* the client's request is refused: HTTP 200 with ``Verified: false`` and ``Error`` holding the
  code, message and HTTP status to relay to the client unchanged.

A service sees only its own account's principals: a request signed with another account's key is
answered as if the key did not exist (``InvalidAccessKeyId.NotFound``), so a service cannot learn
other tenants' identities. Full reference: ``docs/guard.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ramsts.caller import Caller
from ramsts.errors import (
    NOT_AUTHORIZED,
    AuthenticationError,
    InvalidParameter,
    NoPermission,
    RamstsError,
    ServiceUnavailable,
)
from ramsts.guard.local import LocalVerifier
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import (
    GuardResult,
    VerifiedPrincipal,
    decision_body,
    principal_body,
    resolve_resource,
)
from ramsts.parameters import Parameters
from ramsts.wire_json import decode_json

PERMISSION = "ramsts:VerifyRequest"
MAX_HEADERS = 200
MAX_RESOURCES = 100
"""Resources one call may ask to authorize (``AuthResources``): more than any batch action
reads at once (IoT's reach 50 or 100 devices)."""


def permission_resource(account_id: str) -> str:
    return f"acs:ramsts::{account_id}:*"


@dataclass(frozen=True, slots=True)
class _Asked:
    """What a service asks: the request its client sent, and what to authorize."""

    request: GuardRequest
    action: str | None
    resources: tuple[str, ...]
    several: bool
    """Asked as ``AuthResources``, and answered with them."""
    context: dict[str, str]


class VerifyRequest:
    """The action handler; thread-safe. Registered ``cached``: on the server's event loop, the
    client's nonce is spent with the loop's batch (:mod:`ramsts.loop_work`)."""

    def __init__(self, verifier: LocalVerifier) -> None:
        self._verifier = verifier

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        service = _service(caller)
        self._verifier.require(service, PERMISSION, permission_resource(service.account_id))
        asked = _asked(params)
        try:
            client = self._verifier.authenticate(asked.request, asked.request.parse())
            _check_same_account(client, service)
        except ServiceUnavailable:
            raise  # no refusal of the client's request: ramsts could not verify it now
        except RamstsError as refused:
            return _refusal(refused)
        if asked.action is None:
            return _verified(client)
        return _answer(
            self._verifier.authorize(client, asked.action, asked.resources, asked.context),
            asked,
            client,
        )


def _service(caller: Caller | None) -> Caller:
    if caller is None:
        raise NoPermission(None, NOT_AUTHORIZED)
    return caller


def _asked(params: Mapping[str, str]) -> _Asked:
    read = Parameters(params)
    request = _received_request(read)
    several = _auth_resources(read)
    resources = several or (read.optional("AuthResource") or "*",)
    return _Asked(request, read.optional("AuthAction"), resources, bool(several), _context(read))


def _check_same_account(client: Caller, service: Caller) -> None:
    if client.account_id != service.account_id:
        raise AuthenticationError(
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
            http_status=404,
        )


def _refusal(refused: RamstsError) -> dict[str, Any]:
    return {
        "Verified": False,
        "Error": {
            "Code": refused.code,
            "Message": refused.message,
            "HttpStatus": refused.http_status,
        },
    }


def _verified(client: Caller) -> dict[str, Any]:
    return {"Verified": True, "Principal": principal_body(VerifiedPrincipal.of(client))}


def _answer(result: GuardResult, asked: _Asked, client: Caller) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Verified": True,
        "Principal": principal_body(result.principal),
        "AuthResource": result.resource,
        "Decision": decision_body(result.decision),
    }
    if asked.several:
        # Echoed so that the service knows each was decided (a server that did not read
        # AuthResources would have decided "*").
        body["AuthResources"] = [resolve_resource(r, client.account_id) for r in asked.resources]
    if result.access_denied_detail:
        body["AccessDeniedDetail"] = dict(result.access_denied_detail)
    return body


def _received_request(read: Parameters) -> GuardRequest:
    method = read.choice("HttpMethod", ("GET", "POST"))
    path = read.optional("Path") or "/"
    if path != "/":
        raise InvalidParameter(
            "Path", f"The parameter Path {path!r} is not served: RPC requests are made to /."
        )
    return GuardRequest.of(
        method,
        path,
        read.optional("Query") or "",
        _headers(read.required("Headers")),
        _body(read.optional("Body")),
        peer_ip=read.optional("SourceIp") or "",
        secure=read.boolean("SecureTransport", default=False),
    )


def _headers(text: str) -> list[tuple[str, str]]:
    try:
        decoded = decode_json(text)
    except json.JSONDecodeError:
        decoded = None
    if (
        not isinstance(decoded, list)
        or len(decoded) > MAX_HEADERS
        or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(part, str) for part in pair)
            for pair in decoded
        )
    ):
        raise InvalidParameter(
            "Headers",
            f"The parameter Headers must be a JSON list of at most {MAX_HEADERS}"
            ' [name, value] pairs of strings, as received: [["host", "iot.example"], …].',
        )
    return [(name, value) for name, value in decoded]


def _body(text: str | None) -> bytes:
    if text is None:
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter("Body", "The parameter Body must be base64.") from None


def _auth_resources(read: Parameters) -> tuple[str, ...]:
    """``AuthResources``, a JSON list of resources each of which must be allowed; ``()`` when
    absent."""
    if "AuthResources" not in read:
        return ()
    if "AuthResource" in read:
        raise InvalidParameter(
            "AuthResources", "Give either AuthResource or AuthResources, not both."
        )
    listed = read.json_list("AuthResources")
    if not 1 <= len(listed) <= MAX_RESOURCES or not all(
        isinstance(item, str) and item for item in listed
    ):
        raise InvalidParameter(
            "AuthResources",
            f"The parameter AuthResources must be a JSON list of 1 to {MAX_RESOURCES} resources"
            ' (non-empty strings): ["acs:iot:cn-shanghai:${AccountId}:product/a1B2/device/d1", …].',
        )
    # Each resource is held to the rule of every parameter (no control characters).
    return tuple(Parameters({"AuthResources": item}).required("AuthResources") for item in listed)


def _context(read: Parameters) -> dict[str, str]:
    text = read.optional("Context")
    if text is None:
        return {}
    try:
        decoded = decode_json(text)
    except json.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        raise InvalidParameter("Context", "The parameter Context must be a JSON object.")
    return {str(key): value for key, value in decoded.items()}
