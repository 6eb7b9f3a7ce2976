"""RemoteVerifier's calls to VerifyRequest: a call the server cannot have read is sent once more,
freshly signed; one it may have read is not, and the client is answered ServiceUnavailable."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest
from verification_answers import ALLOWED, guarded_request

from ramsts.errors import ServiceError
from ramsts.guard import RemoteVerifier
from ramsts.types import Secret


def verifier_failing_first_with(
    failure: Callable[[httpx.Request], Exception],
) -> tuple[RemoteVerifier, list[str]]:
    nonces: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        nonces.append(parse_qs(request.url.query.decode())["SignatureNonce"][0])
        if len(nonces) == 1:
            raise failure(request)
        return httpx.Response(200, json=ALLOWED)

    verifier = RemoteVerifier(
        "http://ramsts.test",
        "LTAI5tSERVICEKEY",
        Secret("service-secret"),
        transport=httpx.MockTransport(answer),
    )
    return verifier, nonces


@pytest.mark.parametrize(
    "failure",
    [
        lambda request: httpx.RemoteProtocolError("Server disconnected", request=request),
        lambda request: httpx.WriteError("[Errno 9] Bad file descriptor", request=request),
        lambda request: httpx.ConnectError("Connection refused", request=request),
    ],
    ids=["closed-as-sent", "closed-when-written", "refused"],
)
def test_a_call_the_server_never_read_is_sent_again_freshly_signed(
    failure: Callable[[httpx.Request], Exception],
) -> None:
    verifier, nonces = verifier_failing_first_with(failure)
    result = verifier.verify(guarded_request(), "iot:QueryProduct", "*", {})
    assert result.allowed
    assert len(nonces) == 2 and nonces[0] != nonces[1]


def test_a_call_the_server_may_have_read_is_not_sent_again() -> None:
    verifier, nonces = verifier_failing_first_with(
        lambda request: httpx.ReadError("Connection reset by peer", request=request)
    )
    with pytest.raises(ServiceError) as refused:
        verifier.verify(guarded_request(), "iot:QueryProduct", "*", {})
    assert (refused.value.code, refused.value.http_status) == ("ServiceUnavailable", 503)
    assert len(nonces) == 1


def test_several_resources_are_trusted_only_when_the_server_decided_each() -> None:
    """A server that does not read AuthResources would decide "*": its Allow means nothing."""
    verifier = RemoteVerifier(
        "http://ramsts.test",
        "LTAI5tSERVICEKEY",
        Secret("service-secret"),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=ALLOWED)),
    )
    with pytest.raises(ServiceError) as refused:
        verifier.verify(guarded_request(), "iot:QueryProduct", ("acs:a", "acs:b"), {})
    assert refused.value.code == "ServiceUnavailable"
