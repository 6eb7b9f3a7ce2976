"""``VerifyRequest``, the verification API a resource service in any language calls, over HTTP.

The service signs its own call and sends what its client sent. A refusal of the *service* is an
error envelope with its status; a refusal of the *client's request* is HTTP 200 with
``Verified: false`` and the error to relay. The endpoint awaits the action on its event loop; the
plain handler, which in-process callers use, answers every case the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from loop_support import on_the_loop
from ramsts.caller import Caller
from ramsts.signing import sign_rpc_v1
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret

pytestmark = pytest.mark.xdist_group("verify-request")

RAMSTS = "2026-11-01"
IOT = "2018-01-20"
MAY_VERIFY = [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}]
MAY_QUERY = [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}]


@pytest.fixture(scope="module")
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as started:
        yield started


@pytest.fixture(scope="module")
def service(server: RamstsServer) -> AccessKey:
    return server.create_user("iot-service", statements=MAY_VERIFY)


@pytest.fixture(scope="module")
def client(server: RamstsServer) -> AccessKey:
    return server.create_user("alice", statements=MAY_QUERY)


def received(client: AccessKey, action: str = "QueryProduct") -> dict[str, str]:
    """What a resource service forwards of a request its client signed."""
    signed = sign_rpc_v1(
        "GET",
        {"Action": action, "Version": IOT, "ProductKey": "a1B"},
        client.access_key_id,
        Secret(client.access_key_secret),
    )
    return {
        "HttpMethod": "GET",
        "Path": "/",
        "Query": signed.query,
        "Headers": json.dumps([list(pair) for pair in signed.headers]),
        "SourceIp": "192.0.2.7",
        "SecureTransport": "true",
    }


def verify(server: RamstsServer, service: AccessKey, params: dict[str, str]) -> httpx.Response:
    signed = sign_rpc_v1(
        "POST",
        {"Action": "VerifyRequest", "Version": RAMSTS},
        service.access_key_id,
        Secret(service.access_key_secret),
        form=params,
    )
    return httpx.post(
        f"{server.url}/?{signed.query}",
        headers=list(signed.headers),
        content=signed.body,
        trust_env=False,
    )


def authorizing(params: dict[str, str], account_id: str) -> dict[str, str]:
    return {
        **params,
        "AuthAction": "iot:QueryProduct",
        "AuthResource": f"acs:iot:cn-shanghai:{account_id}:product/a1B",
    }


def test_an_allowed_request_is_verified_with_its_principal_and_decision(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    response = verify(server, service, authorizing(received(client), server.account_id))
    body = response.json()
    assert response.status_code == 200
    assert body["Verified"] is True
    assert body["Principal"]["Arn"] == f"acs:ram::{server.account_id}:user/alice"
    assert body["Principal"]["AccessKeyId"] == client.access_key_id
    assert body["Decision"]["Effect"] == "Allow"
    assert body["AuthResource"] == f"acs:iot:cn-shanghai:{server.account_id}:product/a1B"


def test_without_an_action_only_the_principal_is_answered(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    body = verify(server, service, received(client)).json()
    assert body["Verified"] is True
    assert "Decision" not in body


def test_a_denied_request_is_verified_and_denied_with_the_denial_detail(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    params = {**authorizing(received(client), server.account_id), "AuthAction": "iot:CreateProduct"}
    body = verify(server, service, params).json()
    assert body["Verified"] is True
    assert body["Decision"]["Effect"] != "Allow"
    assert body["AccessDeniedDetail"]["AuthAction"] == "iot:CreateProduct"


def test_a_replayed_client_request_is_refused_as_a_used_nonce(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    params = received(client)
    assert verify(server, service, params).json()["Verified"] is True
    replayed = verify(server, service, params)
    assert replayed.status_code == 200
    assert replayed.json()["Verified"] is False
    assert replayed.json()["Error"]["Code"] == "SignatureNonceUsed"


def test_a_tampered_client_request_is_refused_with_the_status_to_relay(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    params = received(client)
    params["Query"] = params["Query"].replace("ProductKey=a1B", "ProductKey=a1C")
    error = verify(server, service, params).json()["Error"]
    assert (error["Code"], error["HttpStatus"]) == ("SignatureDoesNotMatch", 400)


def test_a_key_of_another_account_is_answered_as_unknown(
    server: RamstsServer, service: AccessKey
) -> None:
    with ramsts_server() as other:
        stranger = other.create_user("mallory", statements=MAY_QUERY)
        error = verify(server, service, received(stranger)).json()["Error"]
    assert (error["Code"], error["HttpStatus"]) == ("InvalidAccessKeyId.NotFound", 404)


def test_a_service_without_the_permission_is_refused_itself(
    server: RamstsServer, client: AccessKey
) -> None:
    response = verify(server, client, received(client))
    assert response.status_code == 403
    assert response.json()["Code"] == "NoPermission"


def test_malformed_headers_are_the_services_own_error(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    response = verify(server, service, {**received(client), "Headers": '{"host": "x"}'})
    assert response.status_code == 400
    assert response.json()["Code"] == "InvalidParameter.Headers"


@pytest.mark.parametrize("case", ["allowed", "denied", "replayed", "tampered"])
def test_the_handler_answers_on_the_event_loop_as_in_a_thread(
    server: RamstsServer, service: AccessKey, client: AccessKey, case: str
) -> None:
    action = server.services.actions.resolve(RAMSTS, "VerifyRequest")
    assert action.cached  # run on the loop, the client's nonce spent with the loop's batch
    service_caller = _caller_of(server, service)

    def ask() -> dict[str, str]:
        params = authorizing(received(client), server.account_id)
        if case == "denied":
            params["AuthAction"] = "iot:CreateProduct"
        if case == "tampered":
            params["Query"] += "&Extra=1"
        return params

    def answer_of(body: dict[str, Any]) -> tuple[Any, ...]:
        decision = body.get("Decision", {}).get("Effect")
        return body["Verified"], decision, body.get("Error", {}).get("Code")

    in_thread_params, on_loop_params = ask(), ask()
    in_thread = action.handler(service_caller, in_thread_params)
    on_loop = on_the_loop(lambda: action.handler(service_caller, on_loop_params))
    if case == "replayed":
        in_thread = action.handler(service_caller, in_thread_params)
        on_loop = on_the_loop(lambda: action.handler(service_caller, on_loop_params))
    assert answer_of(in_thread) == answer_of(on_loop.result)
    assert on_loop.blocked == 0


def _caller_of(server: RamstsServer, key: AccessKey) -> Caller:
    """The service as the endpoint authenticates it."""
    user = server.call("2015-05-01", "GetUser", UserName="iot-service")["User"]
    return Caller(
        account_id=server.account_id,
        identity_type="RAMUser",
        arn=f"acs:ram::{server.account_id}:user/iot-service",
        principal_id=user["UserId"],
        access_key_id=key.access_key_id,
        display_name="iot-service",
        user_id=user["UserId"],
        user_name="iot-service",
    )


# -- resources of other accounts, several resources ---------------------------------------------

OTHER_ACCOUNT = "1999999999999999"


def product(account_id: str, product_key: str) -> str:
    return f"acs:iot:cn-shanghai:{account_id}:product/{product_key}"


def asking(client: AccessKey, *, resource: str | None = None, **more: str) -> dict[str, str]:
    params = {**received(client), "AuthAction": "iot:QueryProduct", **more}
    if resource is not None:
        params["AuthResource"] = resource
    return params


def test_resource_star_allows_the_clients_own_account_and_no_other(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    own = verify(server, service, asking(client, resource=product("${AccountId}", "a1B"))).json()
    assert own["Decision"]["Effect"] == "Allow"
    foreign = product(OTHER_ACCOUNT, "a1B")
    body = verify(server, service, asking(client, resource=foreign)).json()
    assert body["Verified"] is True
    assert body["AuthResource"] == foreign
    assert body["Decision"]["Effect"] == "ImplicitDeny"
    assert body["Decision"]["MissingPolicySets"] == ["resource"]
    detail = body["AccessDeniedDetail"]
    assert (detail["NoPermissionType"], detail["PolicyType"]) == (
        "ImplicitDeny",
        "ResourceBasedPolicy",
    )


def test_several_resources_are_allowed_only_when_each_one_is(
    server: RamstsServer, service: AccessKey, client: AccessKey
) -> None:
    both = [product("${AccountId}", "a1B"), product("${AccountId}", "a1C")]
    body = verify(server, service, asking(client, AuthResources=json.dumps(both))).json()
    assert body["Decision"]["Effect"] == "Allow"
    assert body["AuthResources"] == [r.replace("${AccountId}", server.account_id) for r in both]
    mixed = [both[0], product(OTHER_ACCOUNT, "a1C")]
    body = verify(server, service, asking(client, AuthResources=json.dumps(mixed))).json()
    assert body["Decision"]["Effect"] == "ImplicitDeny"
    assert body["AuthResource"] == mixed[1]
    assert body["AccessDeniedDetail"]["AuthAction"] == "iot:QueryProduct"


def test_a_resource_the_client_may_not_touch_refuses_the_whole_request(
    server: RamstsServer, service: AccessKey
) -> None:
    narrow = [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": product("*", "a1B")}]
    bob = server.create_user("bob", statements=narrow)
    listed = json.dumps([product("${AccountId}", "a1B"), product("${AccountId}", "a1C")])
    body = verify(server, service, asking(bob, AuthResources=listed)).json()
    assert body["Decision"]["Effect"] == "ImplicitDeny"
    assert body["AuthResource"] == product(server.account_id, "a1C")


@pytest.mark.parametrize(
    "more",
    [
        {"AuthResources": "[]"},
        {"AuthResources": "[1]"},
        {"AuthResources": '[""]'},
        {"AuthResources": "acs:iot:*:*:product/a1B"},
        {"AuthResources": json.dumps(["*"] * 101)},
        {"AuthResources": '["*"]', "AuthResource": "*"},
        {"AuthResources": '["acs:iot:*:*:product/a\\u0000"]'},
    ],
    ids=["empty", "not-strings", "empty-string", "not-json", "too-many", "both", "control"],
)
def test_malformed_auth_resources_are_the_services_own_error(
    server: RamstsServer, service: AccessKey, client: AccessKey, more: dict[str, str]
) -> None:
    response = verify(server, service, asking(client, **more))
    assert response.status_code == 400
    # A control character is the .InvalidChars of any parameter.
    assert response.json()["Code"].startswith("InvalidParameter.AuthResources")
