"""Request signatures of Alibaba Cloud's RPC APIs: RPC v1 (HMAC-SHA1) and V3 (ACS3-HMAC-SHA256).

Server side, in two steps so that the secret is looked up only for a well-formed request::

    request = parse_request(method, raw_query, headers, body)   # scheme, action, AccessKeyId…
    verify_signature(request, secret_of(request.access_key_id))
    check_timestamp(request, clock())

Client side: :func:`sign_rpc_v1` and :func:`sign_v3` build what the real SDKs send.
How each scheme is verified, and the SDK quirks accepted, is described in ``docs/signing.md``.
"""

from ramsts.signing.client import SignedRpcV1Request, SignedV3Request, sign_rpc_v1, sign_v3
from ramsts.signing.request import Scheme, SignedRequest, parse_request
from ramsts.signing.timestamps import TIMESTAMP_WINDOW, check_timestamp
from ramsts.signing.verification import verify_signature

__all__ = [
    "TIMESTAMP_WINDOW",
    "Scheme",
    "SignedRequest",
    "SignedRpcV1Request",
    "SignedV3Request",
    "check_timestamp",
    "parse_request",
    "sign_rpc_v1",
    "sign_v3",
    "verify_signature",
]
