"""The hot paths never block the event loop, from cold caches or warm: AssumeRole,
GetCallerIdentity and GetUser through the server, and the local guard's verification. A cold
cache costs a hop to a worker thread, and the request's work runs once: its signature is
verified once, however many caches it found cold."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ramsts.guard import Guard, GuardRequest, LocalVerifier
from ramsts.loop_work import blocking_calls
from ramsts.signing import sign_rpc_v1
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret

RAM = "2015-05-01"
STS = "2015-04-01"
IOT = "2018-01-20"
MAY_QUERY = [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}]
MAY_GET_USERS = [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}]


@pytest.fixture(scope="module")
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as started:
        yield started


class CountedVerifications:
    """The server's authenticator, its signature checks counted."""

    def __init__(self, server: RamstsServer, monkeypatch: pytest.MonkeyPatch) -> None:
        authenticator = server.services.authenticator
        verify = authenticator.verify
        self.count = 0

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return verify(*args, **kwargs)

        monkeypatch.setattr(authenticator, "verify", counted)


def call(server: RamstsServer, key: AccessKey, action: str, version: str, **params: str) -> Any:
    signed = sign_rpc_v1(
        "GET",
        {"Action": action, "Version": version, "Format": "JSON", **params},
        key.access_key_id,
        Secret(key.access_key_secret),
    )
    response = httpx.get(f"{server.url}/?{signed.query}", headers=list(signed.headers))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("path", ["AssumeRole", "GetCallerIdentity", "GetUser"])
def test_a_request_from_cold_caches_is_verified_once_and_never_blocks_the_loop(
    server: RamstsServer, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    key = server.create_user(
        f"cold-{path.lower()}",
        policies=["AliyunSTSAssumeRoleAccess"],
        statements=MAY_GET_USERS,
    )
    role = server.create_role(f"role-{path.lower()}")
    requests = {
        "AssumeRole": ("AssumeRole", STS, {"RoleArn": role, "RoleSessionName": "session"}),
        "GetCallerIdentity": ("GetCallerIdentity", STS, {}),
        "GetUser": ("GetUser", RAM, {"UserName": f"cold-{path.lower()}"}),
    }
    action, version, params = requests[path]
    verifications = CountedVerifications(server, monkeypatch)
    blocked_before = blocking_calls()

    cold = call(server, key, action, version, **params)
    warm = call(server, key, action, version, **params)

    assert cold.keys() == warm.keys()
    assert verifications.count == 2  # once per request: the cold one was not run again
    assert blocking_calls() == blocked_before


def test_the_local_guard_never_blocks_the_loop_cold_or_warm(server: RamstsServer) -> None:
    client = server.create_user("guarded", statements=MAY_QUERY)
    services = server.services
    guard = Guard(LocalVerifier(services.authenticator, services.authorizer))

    def signed_request() -> GuardRequest:
        signed = sign_rpc_v1(
            "GET",
            {"Action": "QueryProduct", "Version": IOT, "ProductKey": "a1B"},
            client.access_key_id,
            Secret(client.access_key_secret),
        )
        return GuardRequest.of("GET", "/", signed.query, signed.headers, peer_ip="192.0.2.7")

    async def twice() -> list[bool]:
        return [
            (await guard.check_async(signed_request(), "iot:QueryProduct")).allowed
            for _ in range(2)
        ]

    blocked_before = blocking_calls()
    assert asyncio.run(twice()) == [True, True]
    assert blocking_calls() == blocked_before
