"""AssumeRole through Alibaba's own SDKs against a live server (api.md §1, §6, §8.1): both SDK
generations and both signatures obtain credentials, which then work through both generations;
bad, expired, mismatched, revoked and orphaned tokens are refused with the gateway's codes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest
from aliyunsdkram.request.v20150501.ListRolesRequest import ListRolesRequest
from aliyunsdkram.request.v20150501.ListUsersRequest import ListUsersRequest
from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

from ramsts.caller import Caller
from ramsts.services import StoredKeyRing
from ramsts.sts.assume_role import AssumeRole
from ramsts.sts.keys import rotate_token_key
from ramsts.sts.wire.sessions import assume_role_action
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

ADMIN_STATEMENT = {"Effect": "Allow", "Action": "ram:*", "Resource": "*"}
POLL_SECONDS = 3.0
"""Longer than any per-process cache (1 s): how long a change may take to reach a session."""


@pytest.fixture
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as running:
        yield running


@pytest.fixture
def alice(server: RamstsServer) -> AccessKey:
    return server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])


@pytest.fixture
def admin_arn(server: RamstsServer) -> str:
    return server.create_role("admin", statements=[ADMIN_STATEMENT])


# -- obtaining credentials, four ways ----------------------------------------------------------


def assume_classic(server: RamstsServer, key: AccessKey, arn: str, **params: str) -> AccessKey:
    request = AssumeRoleRequest()
    request.set_RoleArn(arn)
    request.set_RoleSessionName(params.pop("RoleSessionName", "classic"))
    for name, value in params.items():
        request.add_query_param(name, value)
    body = json.loads(server.acs_client(key).do_action_with_exception(request))
    return AccessKey.from_credentials(body["Credentials"])


def assume_tea(
    server: RamstsServer, key: AccessKey, arn: str, signature: str = "v3", **params: Any
) -> AccessKey:
    request = sts_models.AssumeRoleRequest(
        role_arn=arn, role_session_name=params.pop("role_session_name", "tea"), **params
    )
    body = server.sts_client(key, signature=signature).assume_role(request).body
    return AccessKey.from_credentials(body.credentials.to_map())


def tea_error(call: Callable[[], object]) -> ClientException:
    with pytest.raises(ClientException) as caught:
        call()
    return caught.value


def classic_error(call: Callable[[], object]) -> ServerException:
    with pytest.raises(ServerException) as caught:
        call()
    return caught.value


def identities(server: RamstsServer, key: AccessKey) -> tuple[str, str]:
    """The caller's Arn as GetCallerIdentity answers it through each SDK generation."""
    classic = json.loads(
        server.acs_client(key).do_action_with_exception(GetCallerIdentityRequest())
    )
    tea = server.sts_client(key).get_caller_identity().body
    return classic["Arn"], tea.arn


def list_users_both(server: RamstsServer, key: AccessKey) -> None:
    server.acs_client(key).do_action_with_exception(ListUsersRequest())
    server.ram_client(key).list_users(ram_models.ListUsersRequest())


@pytest.mark.parametrize("how", ["classic-v1", "tea-v3", "tea-v1"])
def test_credentials_from_each_sdk_work_through_both_generations(
    server: RamstsServer, alice: AccessKey, admin_arn: str, how: str
) -> None:
    if how == "classic-v1":
        session = assume_classic(server, alice, admin_arn, RoleSessionName="s1")
    else:
        session = assume_tea(
            server, alice, admin_arn, "v1" if how == "tea-v1" else "v3", role_session_name="s1"
        )
    assert session.access_key_id.startswith("STS.")
    expected = f"acs:ram::{server.account_id}:assumed-role/admin/s1"
    assert identities(server, session) == (expected, expected)
    list_users_both(server, session)


def test_the_response_as_the_tea_model_sees_it(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    request = sts_models.AssumeRoleRequest(
        role_arn=admin_arn,
        role_session_name="s1",
        duration_seconds=900,
        source_identity="alice",
    )
    body = server.sts_client(alice).assume_role(request).body
    assert body.assumed_role_user.arn == f"{admin_arn}/s1"
    assert body.assumed_role_user.assumed_role_id.endswith(":s1")
    assert body.source_identity == "alice"
    assert body.credentials.expiration.endswith("Z")
    assert body.request_id


# -- refusals ----------------------------------------------------------------------------------


def test_an_accounts_root_is_refused(server: RamstsServer, admin_arn: str) -> None:
    error = tea_error(lambda: assume_tea(server, server.root, admin_arn))
    assert (error.code, error.status_code) == ("NoPermission", 403)


def test_a_role_not_trusting_the_user_is_refused(server: RamstsServer, alice: AccessKey) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{server.account_id}:user/bob"]},
            }
        ],
    }
    arn = server.create_role("bobs", trust_policy=trust)
    error = classic_error(lambda: assume_classic(server, alice, arn))
    assert (error.get_error_code(), error.get_http_status()) == ("NoPermission", 403)


def test_the_external_id_condition_is_enforced(server: RamstsServer, alice: AccessKey) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
                "Condition": {"StringEquals": {"sts:ExternalId": "abcd1234"}},
            }
        ],
    }
    arn = server.create_role("partner", trust_policy=trust)
    assert tea_error(lambda: assume_tea(server, alice, arn)).code == "NoPermission"
    wrong = tea_error(lambda: assume_tea(server, alice, arn, external_id="wrong-id"))
    assert wrong.code == "NoPermission"
    assert assume_tea(server, alice, arn, external_id="abcd1234").security_token


def test_a_session_policy_narrows_the_role(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    policy = json.dumps(
        {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"}],
        }
    )
    session = assume_classic(server, alice, admin_arn, Policy=policy)
    list_users_both(server, session)
    error = tea_error(lambda: server.ram_client(session).list_roles(ram_models.ListRolesRequest()))
    assert (error.code, error.status_code) == ("NoPermission", 403)
    assert (
        classic_error(
            lambda: server.acs_client(session).do_action_with_exception(ListRolesRequest())
        ).get_error_code()
        == "NoPermission"
    )


def test_a_chained_session_lasts_at_most_an_hour(server: RamstsServer, alice: AccessKey) -> None:
    first_arn = server.create_role(
        "first", statements=[{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]
    )
    second_arn = server.create_role("second", max_session_duration=43200)
    first = assume_tea(server, alice, first_arn)
    error = tea_error(lambda: assume_tea(server, first, second_arn, duration_seconds=3601))
    assert error.code == "InvalidParameter.DurationSeconds"
    chained = assume_tea(
        server, first, second_arn, duration_seconds=3600, role_session_name="chained"
    )
    assert identities(server, chained)[1].endswith(":assumed-role/second/chained")
    assert assume_tea(server, alice, second_arn, duration_seconds=43200).security_token


@pytest.mark.parametrize("duration", [1, 899, 7201])
def test_a_duration_out_of_range_is_refused_with_the_roles_real_range(
    server: RamstsServer, alice: AccessKey, duration: int
) -> None:
    role_arn = server.create_role("two-hours", max_session_duration=7200)
    error = tea_error(lambda: assume_tea(server, alice, role_arn, duration_seconds=duration))
    assert error.code == "InvalidParameter.DurationSeconds"
    assert "900/7200 seconds" in error.message
    assert str(duration) in error.message


# -- tokens in use -----------------------------------------------------------------------------


def test_a_tampered_token_is_malformed(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    session = assume_tea(server, alice, admin_arn)
    token = session.security_token or ""
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    error = tea_error(
        lambda: server.sts_client(replace(session, security_token=flipped)).get_caller_identity()
    )
    assert error.code == "InvalidSecurityToken.Malformed"


def test_a_token_with_another_sessions_key_is_a_mismatch(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    mine, theirs = assume_tea(server, alice, admin_arn), assume_tea(server, alice, admin_arn)
    mixed = replace(mine, security_token=theirs.security_token)
    error = classic_error(
        lambda: server.acs_client(mixed).do_action_with_exception(GetCallerIdentityRequest())
    )
    assert error.get_error_code() == "InvalidSecurityToken.MismatchWithAccessKey"


def test_an_expired_token_is_refused(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    session = assume_tea(server, alice, admin_arn)
    ring = server.services.key_ring.current()
    claims = ring.open(session.security_token or "")
    # The same session, as if it had been issued two hours ago for one hour.
    past = claims.issued_at - timedelta(hours=2)
    expired = ring.mint(replace(claims, issued_at=past, expires_at=past + timedelta(hours=1)))
    error = tea_error(
        lambda: server.sts_client(replace(session, security_token=expired)).get_caller_identity()
    )
    assert error.code == "InvalidSecurityToken.Expired"


def test_revoked_sessions_are_refused_and_new_ones_work(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    session = assume_tea(server, alice, admin_arn)
    request = CommonRequest(
        domain=server.endpoint, version="2015-05-01", action_name="RevokeRoleSessions"
    )
    request.set_protocol_type("http")
    request.add_query_param("RoleName", "admin")
    answer = json.loads(server.acs_client().do_action_with_exception(request))
    assert answer["Role"]["Arn"] == admin_arn
    error = wait_for_refusal(lambda: server.sts_client(session).get_caller_identity())
    assert error.code == "InvalidSecurityToken.Expired"
    fresh = assume_tea(server, alice, admin_arn)
    assert identities(server, fresh)[1].endswith(":assumed-role/admin/tea")


def test_deleting_the_role_ends_its_sessions(server: RamstsServer, alice: AccessKey) -> None:
    arn = server.create_role("short-lived")
    session = assume_tea(server, alice, arn)
    assert identities(server, session)
    server.ram_client().delete_role(ram_models.DeleteRoleRequest(role_name="short-lived"))
    error = wait_for_refusal(lambda: server.sts_client(session).get_caller_identity())
    assert error.code == "InvalidSecurityToken.Expired"


def test_detaching_a_policy_takes_effect_at_the_next_request(
    server: RamstsServer, alice: AccessKey
) -> None:
    arn = server.create_role("reader", policies=["AliyunRAMReadOnlyAccess"])
    session = assume_tea(server, alice, arn)
    list_users_both(server, session)
    server.ram_client().detach_policy_from_role(
        ram_models.DetachPolicyFromRoleRequest(
            policy_name="AliyunRAMReadOnlyAccess", policy_type="System", role_name="reader"
        )
    )
    error = tea_error(lambda: server.ram_client(session).list_users(ram_models.ListUsersRequest()))
    assert error.code == "NoPermission"


def test_a_key_rotation_keeps_old_sessions_and_accepts_new_ones(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    before = assume_tea(server, alice, admin_arn, role_session_name="before")
    services = server.services
    rotate_token_key(services.store, services.master_key, now=services.clock())
    # A process that started after the rotation mints with the new key; this server has not
    # loaded it yet and must accept its tokens all the same.
    elsewhere = assume_role_action(
        AssumeRole(
            services.store, services.authorizer, StoredKeyRing(services.store, services.master_key)
        )
    ).handler()
    minted = elsewhere(
        server_caller(server, "alice"), {"RoleArn": admin_arn, "RoleSessionName": "after"}
    )
    after = AccessKey.from_credentials(minted["Credentials"])
    assert identities(server, before)[1].endswith("/before")
    arn = wait_for(lambda: server.sts_client(after).get_caller_identity().body.arn)
    assert arn.endswith(":assumed-role/admin/after")


# -- helpers -----------------------------------------------------------------------------------


def server_caller(server: RamstsServer, user_name: str) -> Caller:
    user = server.call("2015-05-01", "GetUser", UserName=user_name)["User"]
    return Caller(
        account_id=server.account_id,
        identity_type="RAMUser",
        arn=f"acs:ram::{server.account_id}:user/{user_name}",
        principal_id=user["UserId"],
        access_key_id="LTAI5tNotUsedForSigning",
        display_name=user_name,
        user_id=user["UserId"],
        user_name=user_name,
    )


def wait_for(call: Callable[[], Any]) -> Any:
    """``call()``'s answer, retried while it fails, for up to POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        try:
            return call()
        except ClientException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_for_refusal(call: Callable[[], object]) -> ClientException:
    """The error ``call()`` raises once a change has reached the server's caches."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        try:
            call()
        except ClientException as error:
            return error
        if time.monotonic() > deadline:
            pytest.fail(f"still accepted after {POLL_SECONDS} s")
        time.sleep(0.1)
