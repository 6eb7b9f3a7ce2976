"""While PostgreSQL cannot be reached, every call is answered ``ServiceUnavailable`` (503) in the
real envelope — RAM, STS, ``VerifyRequest``, a service guarded in local mode, the console and
``/health`` — within the store's bounds, and the same calls succeed again, without a restart,
as soon as it is back.

The outage is made by a TCP forwarder between the server and the shared PostgreSQL (never by
stopping it: other tests use it). Cut, it refuses new connections and resets the open ones, as a
stopped or crashed server does; stalled, it accepts connections and never answers, as a server
lost on the network does. The server is the testing server (``ramsts.testing``: the API, the
console, the guard) over a fresh schema, with a resource service embedding the guard beside it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ServerException
from alibabacloud_tea_openapi.models import Config, OpenApiRequest, Params
from alibabacloud_tea_util.models import RuntimeOptions
from aliyunsdkcore.acs_exception.exceptions import ServerException as ClassicServerException
from aliyunsdkram.request.v20150501.ListUsersRequest import ListUsersRequest
from sqlalchemy.engine import make_url

from ramsts.cli.demo import serving
from ramsts.guard import Guard, GuardMiddleware, LocalVerifier, Target
from ramsts.services import Services
from ramsts.signing import sign_rpc_v1
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret
from tcp_forwarder import TcpForwarder

pytestmark = [pytest.mark.sdk, pytest.mark.postgres]

RAM, RAMSTS, IOT = "2015-05-01", "2026-11-01", "2018-01-20"
SDK_READ_TIMEOUT = 10.0
"""The SDKs' default: an answer later than this is a timeout to the caller, not a 503."""
HOLD_SECONDS = 1.0
PROBE_INTERVAL = 1.0
"""How often /health asks the database at most."""
CONNECT_TIMEOUT = 3.0
"""How long ramsts waits for a PostgreSQL connection."""
"""How long a database found unreachable only after a timeout is not tried again."""
UNAVAILABLE_MESSAGE = "The request has failed due to a temporary failure of the server."
ROOT_PASSWORD = "Outage-Root-Passw0rd!"


@dataclass(frozen=True)
class Deployment:
    forwarder: TcpForwarder
    server: RamstsServer
    guarded: str
    """A resource service embedding the guard in local mode, on the same database."""
    alice: AccessKey
    role_arn: str


@pytest.fixture
def deployment(postgres_url: str) -> Iterator[Deployment]:
    target = make_url(postgres_url)
    forwarder = TcpForwarder((target.host or "", target.port or 5432))
    # Through the forwarder, with ramsts's own bounds (none in the URL).
    url = target.set(port=forwarder.port).render_as_string(hide_password=False)
    try:
        with ramsts_server(db_url=url) as server, serving(_guarded(server.services)) as port:
            yield Deployment(
                forwarder,
                server,
                f"127.0.0.1:{port}",
                server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"]),
                server.create_role("reader"),
            )
    finally:
        forwarder.cut()


def _guarded(services: Services) -> GuardMiddleware:
    guard = Guard(LocalVerifier(services.authenticator, services.authorizer))
    return GuardMiddleware(
        _product_list,
        guard,
        lambda signed: Target("iot:QueryProductList", "*"),
        host_id="iot.cn-shanghai.aliyuncs.com",
        product_code="Iot",
    )


async def _product_list(scope: Any, receive: Any, send: Any) -> None:
    """The guarded service: answers whoever the guard lets through."""
    body = json.dumps({"RequestId": scope["state"]["request_id"], "ProductList": []}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- the calls, each through a real SDK ---------------------------------------------------------


def get_user(deployment: Deployment) -> object:
    """RAM, alibabacloud-ram20150501 (V3)."""
    client = deployment.server.ram_client()
    return client.get_user(ram_models.GetUserRequest(user_name="alice")).body.user.user_name


def assume_role(deployment: Deployment) -> object:
    """STS, alibabacloud-sts20150401 (V3)."""
    client = deployment.server.sts_client(deployment.alice)
    request = sts_models.AssumeRoleRequest(role_arn=deployment.role_arn, role_session_name="outage")
    return client.assume_role(request).body.assumed_role_user.arn


def verify_request(deployment: Deployment) -> object:
    """ramsts's VerifyRequest, through alibabacloud-tea-openapi's call_api, as a resource
    service calls it about a request alice signed."""
    signed = sign_rpc_v1(
        "GET",
        {"Action": "QueryProductList", "Version": IOT},
        deployment.alice.access_key_id,
        Secret(deployment.alice.access_key_secret),
    )
    asked = {
        "HttpMethod": "GET",
        "Path": "/",
        "Query": signed.query,
        "Headers": json.dumps([list(pair) for pair in signed.headers]),
    }
    server = deployment.server
    body = call_api(server.tea_config(), "VerifyRequest", RAMSTS, asked)
    return body["Principal"]["Arn"]


def guarded_call(deployment: Deployment) -> object:
    """A resource service that embeds the guard in local mode, through call_api."""
    config = deployment.server.tea_config()
    config.endpoint = deployment.guarded
    return call_api(config, "QueryProductList", IOT, {})["ProductList"]


RPC_API = {
    "protocol": "HTTP",
    "pathname": "/",
    "method": "POST",
    "authType": "AK",
    "style": "RPC",
    "reqBodyType": "formData",
    "bodyType": "json",
}
"""call_api's description of an RPC action, but for its name and version."""


def call_api(config: Config, action: str, version: str, query: dict[str, str]) -> dict[str, Any]:
    api = Params().from_map({**RPC_API, "action": action, "version": version})
    answer = OpenApiClient(config).call_api(api, OpenApiRequest(query=query), RuntimeOptions())
    return dict(answer["body"])


CALLS: dict[str, tuple[Callable[[Deployment], object], str]] = {
    "RAM GetUser": (get_user, "ram.aliyuncs.com"),
    "STS AssumeRole": (assume_role, "sts.aliyuncs.com"),
    "VerifyRequest": (verify_request, "ramsts"),
    "guard, local mode": (guarded_call, "iot.cn-shanghai.aliyuncs.com"),
}


def unavailable(call: Callable[[], object]) -> ServerException:
    with pytest.raises(ServerException) as refused:
        call()
    return refused.value


def once_back(call: Callable[[], object]) -> object:
    """The call's answer once the database is back: at once, unless the cut was found only
    after SLOW_FAILURE_SECONDS (a loaded machine), when the store holds that outage for at most
    HOLD_SECONDS more (``ramsts.store.errors.OutageHold``)."""
    restored = time.monotonic()
    try:
        return call()
    except ServerException as held:
        assert held.code == "ServiceUnavailable"
    time.sleep(max(0.0, restored + HOLD_SECONDS - time.monotonic()))
    return call()


# -- the calls ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CALLS)
def test_while_the_database_is_cut_off_each_call_is_answered_503_and_succeeds_once_it_is_back(
    deployment: Deployment, name: str
) -> None:
    call, host_id = CALLS[name]
    served = call(deployment)

    deployment.forwarder.cut()
    refused = unavailable(lambda: call(deployment))
    assert (refused.status_code, refused.code) == (503, "ServiceUnavailable")
    assert refused.data["Message"] == UNAVAILABLE_MESSAGE
    assert refused.data["HostId"] == host_id
    assert refused.request_id == refused.data["RequestId"]

    deployment.forwarder.restore()
    # No restart, and nothing to wait for beyond the store's bounded hold.
    assert once_back(lambda: call(deployment)) == served


def test_the_503_is_the_real_envelope_in_the_format_asked(deployment: Deployment) -> None:
    deployment.forwarder.cut()
    for fmt, parse in (("JSON", json.loads), ("XML", _xml_fields)):
        signed = sign_rpc_v1(
            "GET",
            {"Action": "ListUsers", "Version": RAM, "Format": fmt},
            deployment.server.root.access_key_id,
            Secret(deployment.server.root.access_key_secret),
        )
        response = httpx.get(
            f"{deployment.server.url}/?{signed.query}",
            headers=list(signed.headers),
            trust_env=False,
            timeout=SDK_READ_TIMEOUT,
        )
        body = parse(response.text)
        assert response.status_code == 503
        assert body == {
            "RequestId": response.headers["x-acs-request-id"],
            "HostId": "ram.aliyuncs.com",
            "Code": "ServiceUnavailable",
            "Message": UNAVAILABLE_MESSAGE,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=ServiceUnavailable&product=Ram",
        }


def _xml_fields(text: str) -> dict[str, str]:
    return dict(re.findall(r"<(\w+)>([^<]*)</\1>", text.replace("&amp;", "&")))


def test_the_classic_sdk_sees_a_server_error_503_and_then_its_answer(
    deployment: Deployment,
) -> None:
    client = deployment.server.acs_client()
    request = ListUsersRequest()
    deployment.forwarder.cut()
    with pytest.raises(ClassicServerException) as refused:
        client.do_action_with_exception(request)
    assert (refused.value.get_http_status(), refused.value.get_error_code()) == (
        503,
        "ServiceUnavailable",
    )
    deployment.forwarder.restore()
    users = json.loads(client.do_action_with_exception(request))["Users"]["User"]
    assert [user["UserName"] for user in users] == ["alice"]


def test_a_write_refused_during_the_outage_left_nothing_behind(deployment: Deployment) -> None:
    client = deployment.server.ram_client()
    deployment.forwarder.cut()
    refused = unavailable(lambda: client.create_user(ram_models.CreateUserRequest(user_name="bob")))
    assert refused.code == "ServiceUnavailable"
    deployment.forwarder.restore()
    users = client.list_users(ram_models.ListUsersRequest()).body.users.user
    assert [user.user_name for user in users] == ["alice"]
    assert client.create_user(ram_models.CreateUserRequest(user_name="bob")).body.user


# -- bounded waits ------------------------------------------------------------------------------


def test_a_database_that_never_answers_is_given_up_on_within_the_connect_timeout(
    deployment: Deployment,
) -> None:
    deployment.forwarder.cut()  # the pooled connections die
    deployment.forwarder.stall()  # and new ones are accepted, never answered
    started = time.monotonic()
    refused = unavailable(lambda: get_user(deployment))
    assert (refused.status_code, refused.code) == (503, "ServiceUnavailable")
    assert time.monotonic() - started < SDK_READ_TIMEOUT - 2

    # Found unreachable that slowly, it is not tried again for a second: answered at once.
    started = time.monotonic()
    assert unavailable(lambda: assume_role(deployment)).code == "ServiceUnavailable"
    assert time.monotonic() - started < 1

    deployment.forwarder.cut()
    deployment.forwarder.restore()
    time.sleep(HOLD_SECONDS)
    assert get_user(deployment) == "alice"


def test_many_calls_at_once_while_the_database_never_answers_all_hear_503_in_time(
    deployment: Deployment,
) -> None:
    """More calls than the server has threads: none waits for the others' timeouts in turn."""
    deployment.forwarder.cut()
    deployment.forwarder.stall()
    calls = [get_user, assume_role] * 12

    def timed(call: Callable[[Deployment], object]) -> tuple[str, float]:
        started = time.monotonic()
        return unavailable(lambda: call(deployment)).code, time.monotonic() - started

    with ThreadPoolExecutor(len(calls)) as callers:
        answers = list(callers.map(timed, calls))
    assert {code for code, _ in answers} == {"ServiceUnavailable"}
    assert max(waited for _, waited in answers) < SDK_READ_TIMEOUT


# -- /health and the console --------------------------------------------------------------------


def health(deployment: Deployment) -> httpx.Response:
    return httpx.get(f"{deployment.server.url}/health", trust_env=False, timeout=SDK_READ_TIMEOUT)


def health_once_it_says(deployment: Deployment, status: int) -> httpx.Response:
    """``/health`` asks the database at most once a second: it may tell a change that late."""
    deadline = time.monotonic() + PROBE_INTERVAL + 5
    while (answer := health(deployment)).status_code != status:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.1)
    return answer


def test_health_says_whether_the_database_answers(deployment: Deployment) -> None:
    assert health(deployment).json() == {"Status": "OK"}

    deployment.forwarder.cut()
    down = health_once_it_says(deployment, 503)
    assert down.json()["Code"] == "ServiceUnavailable"
    assert down.json()["Message"] == UNAVAILABLE_MESSAGE
    assert down.json()["RequestId"] == down.headers["x-acs-request-id"]

    deployment.forwarder.restore()
    assert health_once_it_says(deployment, 200).json() == {"Status": "OK"}


def test_a_flood_of_health_checks_asks_the_database_once_at_a_time(
    deployment: Deployment,
) -> None:
    """Anyone may ask /health: while the database hangs, a flood of checks costs the server
    one connection attempt at a time (each waits out the connect timeout), not one each."""
    listener = deployment.server.services.invalidations
    if listener is not None:
        listener.close()  # its own reconnections are not health checks, and would be counted
    deployment.forwarder.cut()
    deployment.forwarder.stall()
    health_once_it_says(deployment, 503)
    attempts = deployment.forwarder.accepted
    started = time.monotonic()
    with ThreadPoolExecutor(8) as askers:
        answers = list(askers.map(lambda _: health(deployment).status_code, range(32)))
    took = time.monotonic() - started
    assert set(answers) == {503}
    assert deployment.forwarder.accepted - attempts <= took / CONNECT_TIMEOUT + 1


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_a_console_page_says_the_service_is_unavailable_and_shows_again_once_it_is_back(
    deployment: Deployment,
) -> None:
    console = deployment.server.services.accounts.create_account(
        "console", password=Secret(ROOT_PASSWORD)
    )
    with httpx.Client(
        base_url=f"{deployment.server.url}/console",
        follow_redirects=True,
        trust_env=False,
        timeout=SDK_READ_TIMEOUT,
    ) as browser:
        form = browser.get("/signin")
        token = CSRF_FIELD.search(form.text)
        assert token is not None
        signed_in = browser.post(
            "/signin",
            data={
                "csrf_token": token.group(1),
                "login_name": console.account_id,
                "password": ROOT_PASSWORD,
            },
        )
        assert signed_in.status_code == 200

        deployment.forwarder.cut()
        page = browser.get("/users")
        assert page.status_code == 503
        assert "text/html" in page.headers["content-type"]
        assert "ServiceUnavailable" in page.text
        assert UNAVAILABLE_MESSAGE in page.text
        assert "try again in a moment" in page.text

        deployment.forwarder.restore()
        page = browser.get("/users")
        assert page.status_code == 200
        assert "data-problem-code" not in page.text
