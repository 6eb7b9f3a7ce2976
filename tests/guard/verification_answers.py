"""What the remote-verifier tests send and get: a client's signed request, and the answer of a
ramsts server allowing it."""

from __future__ import annotations

from ramsts.guard import GuardRequest
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret

ALLOWED = {
    "Verified": True,
    "Principal": {
        "AccountId": "1234567890123456",
        "Arn": "acs:ram::1234567890123456:user/alice",
        "IdentityType": "RAMUser",
        "PrincipalId": "200000000000000001",
        "AccessKeyId": "LTAI5tCLIENTKEY",
    },
    "Decision": {"Effect": "Allow", "Statements": {"Statement": []}, "MissingPolicySets": []},
}


def guarded_request() -> GuardRequest:
    signed = sign_rpc_v1(
        "GET",
        {"Action": "QueryProduct", "Version": "2018-01-20", "ProductKey": "a1B"},
        "LTAI5tCLIENTKEY",
        Secret("client-secret"),
    )
    return GuardRequest.of("GET", "/", signed.query, signed.headers)
