"""Checking a parsed request's signature against the secret of its AccessKeyId.

Both schemes end the same way: recompute, compare in constant time, and on failure answer
``SignatureDoesNotMatch`` (HTTP 400) with the server's StringToSign after the message's one colon
(api.md §0.8). The classic SDK splits that message on ``:`` and compares the second part with its
own StringToSign, reporting ``InvalidAccessKeySecret`` when they agree. An RPC v1 StringToSign
holds every parameter; the one shown has each secret's value (a SecurityToken, a Password…)
replaced by ``***``, so the error never echoes a credential.
"""

from __future__ import annotations

import hmac

from ramsts.errors import AuthenticationError
from ramsts.parameters import is_secret_parameter
from ramsts.signing import acs3, rpc_v1
from ramsts.signing.request import SignedRequest
from ramsts.types import Secret

MISMATCH_MESSAGE = (
    "Specified signature is not matched with our calculation. server string to sign is:"
)


def verify_signature(request: SignedRequest, secret: Secret) -> None:
    """Accept the request's signature or raise ``SignatureDoesNotMatch``.

    RPC v1 first tries the standard StringToSign, then the alibabacloud-credentials variant that
    signed spaces as ``+`` (api.md §2.4 step 4, §3.6). V3 additionally requires
    ``x-acs-content-sha256`` to be the SHA-256 of the body actually received. An anonymous request
    has nothing to verify: ``MissingSignature``.
    """
    claimed = request.signature
    if request.scheme == "anonymous" or claimed is None:
        raise AuthenticationError("MissingSignature", "Signature is mandatory for this action.")
    if request.scheme == "v1":
        _verify_rpc_v1(request, claimed, secret)
    else:
        _verify_acs3(request, claimed, secret)


def _verify_rpc_v1(request: SignedRequest, claimed: str, secret: Secret) -> None:
    text = rpc_v1.string_to_sign(request.method, request.params)
    if _same(rpc_v1.compute_signature(text, secret), claimed):
        return
    if rpc_v1.has_space(request.params):
        variant = rpc_v1.string_to_sign(request.method, request.params, plus_for_space=True)
        if _same(rpc_v1.compute_signature(variant, secret), claimed):
            return
    shown = {
        name: "***" if is_secret_parameter(name) else value
        for name, value in request.params.items()
    }
    raise signature_does_not_match(rpc_v1.string_to_sign(request.method, shown))


def _verify_acs3(request: SignedRequest, claimed: str, secret: Secret) -> None:
    # HashedPayload is our own hash of the body: a body changed in transit, or a header that
    # does not describe it, can then never match what the client signed.
    payload_hash = acs3.hashed_payload(request.body)
    canonical = acs3.canonical_request(
        request.method, request.query, request.headers, request.signed_headers, payload_hash
    )
    text = acs3.string_to_sign(canonical)
    body_described = _same(request.headers.get("x-acs-content-sha256", ""), payload_hash)
    signature_matches = _same(acs3.compute_signature(text, secret), claimed.lower())
    if not (body_described and signature_matches):
        raise signature_does_not_match(text)


def signature_does_not_match(server_string_to_sign: str) -> AuthenticationError:
    """The ``SignatureDoesNotMatch`` error, exactly one colon, right before the StringToSign."""
    return AuthenticationError("SignatureDoesNotMatch", MISMATCH_MESSAGE + server_string_to_sign)


def _same(expected: str, claimed: str) -> bool:
    # Encoded first: compare_digest refuses non-ASCII str, and a client controls `claimed`.
    return hmac.compare_digest(expected.encode(), claimed.encode())
