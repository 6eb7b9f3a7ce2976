"""A small API over fake services: two products, a few handlers, an authenticator that records
what it was asked and answers with a fixed caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest

from ramsts.api import ActionTable, create_app
from ramsts.audit import AuditRecorder
from ramsts.authentication import Connection, Verified
from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, NoPermission
from ramsts.loop_work import in_loop_work
from ramsts.metrics import Metrics
from ramsts.signing import SignedRequest
from ramsts.throttling import Throttle

ROOT = Caller(
    account_id="1234567890123456",
    identity_type="Account",
    arn="acs:ram::1234567890123456:root",
    principal_id="1234567890123456",
    access_key_id="LTAI5tEXAMPLE",
    display_name="1234567890123456",
)


@dataclass
class RecordingAuthenticator:
    caller: Caller | None = ROOT
    calls: list[tuple[SignedRequest, Connection, bool]] = field(default_factory=list)
    spent_on_the_loop: list[str | None] = field(default_factory=list)

    def authenticate(
        self, request: SignedRequest, connection: Connection, *, anonymous_allowed: bool
    ) -> Caller | None:
        verified = self.verify(request, connection, anonymous_allowed=anonymous_allowed)
        if in_loop_work():  # where the real one spends the nonce with the loop's batch
            self.spent_on_the_loop.append(verified.nonce_key)
        return verified.caller

    def verify(
        self, request: SignedRequest, connection: Connection, *, anonymous_allowed: bool
    ) -> Verified:
        self.calls.append((request, connection, anonymous_allowed))
        caller = None if request.scheme == "anonymous" else self.caller
        return Verified(caller, request.nonce, datetime.now(UTC))


@dataclass
class FakeServices:
    actions: ActionTable
    authenticator: RecordingAuthenticator
    metrics: Metrics | None = None
    throttle: Throttle | None = None
    audit: AuditRecorder | None = None


def whoami(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    return {"Arn": caller.arn if caller else None, "Echo": params.get("Echo", "")}


def list_things(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    return {
        "Things": {"Thing": [{"Name": "a&b", "Enabled": True}, {"Name": "<c>", "Enabled": False}]},
        "IsTruncated": False,
    }


def missing_role(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    raise EntityNotExist("Role", "The role does not exist: ghost.")


def denied(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    raise NoPermission(
        None,
        "You are not authorized to do this action.",
        detail={"AuthAction": "ram:GetRole", "NoPermissionType": "ImplicitDeny"},
    )


def broken(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    raise RuntimeError("database password is hunter2 at /srv/app.py line 7")


@pytest.fixture
def services() -> FakeServices:
    table = ActionTable()
    table.add_product(code="Sts", version="2015-04-01", host_id="sts.aliyuncs.com")
    table.add_product(code="Ram", version="2015-05-01", host_id="ram.aliyuncs.com")
    table.add("2015-04-01", "WhoAmI", whoami)
    table.add("2015-04-01", "OpenDoor", whoami, anonymous=True)
    table.add("2015-05-01", "ListThings", list_things)
    table.add("2015-05-01", "GetRole", missing_role)
    table.add("2015-05-01", "GetPolicy", denied)
    table.add("2015-05-01", "Explode", broken)
    return FakeServices(actions=table, authenticator=RecordingAuthenticator())


class ApiClient:
    """A synchronous client over the ASGI app, without a server (httpx's ASGI transport).

    Starlette's own TestClient warns on this httpx version; this is all the tests need of it.
    """

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 50000))

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=self._transport, base_url="http://testserver"
            ) as client:
                return await client.request(method, url, **kwargs)

        return anyio.run(send)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def client(services: FakeServices) -> ApiClient:
    return ApiClient(create_app(services))


@pytest.fixture
def client_of() -> Callable[[FakeServices], ApiClient]:
    """A client over the API of services a test changed (an audit recorder of its own…)."""
    return lambda changed: ApiClient(create_app(changed))
