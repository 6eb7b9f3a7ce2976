"""Per-account request quotas through Alibaba's own SDKs (``--throttle``): a call past its
account's quota is refused as the real STS refuses it — ``Throttling.User``, HTTP 400, "Request
was denied due to user flow control." — until the next window; other accounts are not held up;
and two servers on one database count against one quota. On SQLite and PostgreSQL; the
throttle's clock is injected, and its merges are made by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

from ramsts.crypto import MasterKey
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.throttling import THROTTLED_MESSAGE

pytestmark = pytest.mark.sdk

QUOTAS = "AssumeRole=2/s,GetCallerIdentity=3/min"


class WallClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # a whole minute

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def servers(db_url: str, wall_clock: WallClock) -> Iterator[tuple[RamstsServer, RamstsServer]]:
    """Two servers on one database (and one master key), as two nodes behind a balancer."""
    key = MasterKey.generate()
    with (
        ramsts_server(db_url=db_url, master_key=key, throttle=QUOTAS, wall_clock=wall_clock) as a,
        ramsts_server(db_url=db_url, master_key=key, throttle=QUOTAS, wall_clock=wall_clock) as b,
    ):
        yield a, b


def assume(server: RamstsServer, key: AccessKey, arn: str) -> str:
    request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="throttled")
    return str(server.sts_client(key).assume_role(request).body.credentials.access_key_id)


def caller_identity(server: RamstsServer, key: AccessKey) -> str:
    request = GetCallerIdentityRequest()
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    return str(json.loads(server.acs_client(key).do_action_with_exception(request))["Arn"])


def merge(*servers: RamstsServer) -> None:
    for server in servers:
        throttle = server.services.throttle
        assert throttle is not None
        throttle.merge()


def test_assume_role_past_the_quota_is_refused_as_the_real_service_refuses_it(
    servers: tuple[RamstsServer, RamstsServer], wall_clock: WallClock
) -> None:
    server, _ = servers
    alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    arn = server.create_role("reader", policies=["AliyunRAMReadOnlyAccess"])
    for _ in range(2):
        assert assume(server, alice, arn).startswith("STS.")

    with pytest.raises(ClientException) as refused:
        assume(server, alice, arn)
    assert (refused.value.code, refused.value.status_code) == ("Throttling.User", 400)
    assert THROTTLED_MESSAGE in refused.value.message

    wall_clock.now += 1  # the next second: a new window
    assert assume(server, alice, arn).startswith("STS.")


def test_get_caller_identity_counts_per_account_and_the_classic_sdk_sees_the_code(
    servers: tuple[RamstsServer, RamstsServer],
) -> None:
    server, _ = servers
    for _ in range(3):
        caller_identity(server, server.root)
    with pytest.raises(ServerException) as refused:
        caller_identity(server, server.root)
    assert (refused.value.get_error_code(), refused.value.get_http_status()) == (
        "Throttling.User",
        400,
    )
    assert refused.value.get_error_msg() == THROTTLED_MESSAGE

    # A user of the same account shares its quota; the other server's account has its own.
    bob = server.create_user("bob")
    with pytest.raises(ServerException):
        caller_identity(server, bob)
    _, other = servers
    assert caller_identity(server, other.root).startswith(f"acs:ram::{other.account_id}:")


def test_two_servers_on_one_database_count_against_one_quota(
    servers: tuple[RamstsServer, RamstsServer], wall_clock: WallClock
) -> None:
    first, second = servers
    key = first.root  # one account, whichever server it calls
    for _ in range(2):
        caller_identity(first, key)
    merge(first)
    caller_identity(second, key)  # the third call of the minute, at the other server
    merge(second, first)

    for server in servers:
        with pytest.raises(ServerException) as refused:
            caller_identity(server, key)
        assert refused.value.get_error_code() == "Throttling.User"

    wall_clock.now += 60
    assert caller_identity(second, key) == f"acs:ram::{first.account_id}:root"
