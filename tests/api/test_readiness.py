"""Liveness and readiness, for load balancers: ``/health/live`` says the process answers;
``/health/ready`` (and ``/health``, its older name) says calls sent here can succeed — not while
the database takes no writes (a server whose connections reached a standby, as a Patroni primary
demoted under them), nor while the server is stopping. Calls meanwhile are answered
``ServiceUnavailable`` (503) in the API's envelope, never a 500.

The standby is PostgreSQL with ``default_transaction_read_only`` on for the server's sessions
(``fresh_databases.standby_url``), which refuses writes as a hot standby does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from fresh_databases import standby_url
from ramsts.api.health import Readiness
from ramsts.cli.demo import serving
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.errors import ServiceUnavailable
from ramsts.iot.client import Credentials, RpcClient
from ramsts.services import build_services, create_server_app
from ramsts.testing import ramsts_server
from ramsts.types import Secret

RAM, STS = "2015-05-01", "2015-04-01"


@dataclass(frozen=True)
class StandbyServer:
    endpoint: str
    root: Credentials


@pytest.fixture
def on_a_standby(postgres_url: str) -> Iterator[StandbyServer]:
    """A server whose database takes no writes, with an account made while it still did."""
    env = {MASTER_KEY_ENV: MasterKey.generate().encoded()}
    # Every product registered while the database takes writes: RAM's seeds the system
    # policies, which a server starting on the standby then finds in place.
    writable = build_services(Settings(db_url=postgres_url), env=env)
    try:
        created = writable.accounts.create_account("standby")
    finally:
        writable.close()
    services = build_services(Settings(db_url=standby_url(postgres_url)), env=env)
    try:
        with serving(create_server_app(services)) as port:
            yield StandbyServer(
                f"127.0.0.1:{port}",
                Credentials(created.access_key_id, Secret(created.access_key_secret.reveal())),
            )
    finally:
        services.close()


@pytest.mark.postgres
def test_on_a_database_that_takes_no_writes_calls_answer_503_and_the_server_is_not_ready(
    on_a_standby: StandbyServer,
) -> None:
    client = RpcClient(on_a_standby.endpoint)
    try:
        for version, action, params in (
            (RAM, "CreateUser", {"UserName": "nowhere"}),  # a write transaction
            (STS, "GetCallerIdentity", {}),  # only its signature nonce is written
        ):
            reply = client.call(version, action, on_a_standby.root, **params)
            assert (reply.status, reply.code) == (503, "ServiceUnavailable"), (action, reply.body)
            assert reply.body["Message"] == ServiceUnavailable.GENERIC_MESSAGE
            assert "RequestId" in reply.body
    finally:
        client.close()
    with httpx.Client(base_url=f"http://{on_a_standby.endpoint}", trust_env=False) as http:
        assert http.get("/health/live").json() == {"Status": "OK"}
        for path in ("/health/ready", "/health"):
            answer = http.get(path)
            code = answer.json().get("Code")
            assert (answer.status_code, code) == (503, "ServiceUnavailable"), (path, answer.text)


def test_a_server_that_is_stopping_is_not_ready_whatever_its_database_says() -> None:
    readiness = Readiness(lambda: None)
    assert asyncio.run(readiness.failure()) is None
    readiness.stop()
    failure = asyncio.run(readiness.failure())
    assert isinstance(failure, ServiceUnavailable)
    assert failure.reason == "the server is stopping"


def test_a_server_over_a_working_database_is_live_and_ready() -> None:
    with (
        ramsts_server() as server,
        httpx.Client(base_url=server.url, trust_env=False) as http,
    ):
        for path in ("/health/live", "/health/ready", "/health"):
            answer = http.get(path)
            assert (answer.status_code, answer.json()) == (200, {"Status": "OK"}), path
