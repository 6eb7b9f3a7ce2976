"""SourceIdentity through a role chain, driven by Alibaba's own SDKs against a live server on each
store: set by the RAM user who starts the chain, it persists in every session assumed from it
(A → B → C → D), and a chained AssumeRole that names another value is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

MAY_ASSUME = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as running:
        yield running


@pytest.fixture
def alice(server: RamstsServer) -> AccessKey:
    return server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])


@pytest.fixture
def arns(server: RamstsServer) -> dict[str, str]:
    """Roles b and c may assume roles; d may not. All trust the account."""
    return {
        "b": server.create_role("b", statements=[MAY_ASSUME]),
        "c": server.create_role("c", statements=[MAY_ASSUME]),
        "d": server.create_role("d"),
    }


def assume_tea(
    server: RamstsServer, key: AccessKey, arn: str, source_identity: str | None = None
) -> tuple[AccessKey, str | None]:
    """The session's credentials and the SourceIdentity the Tea SDK read from the answer."""
    request = sts_models.AssumeRoleRequest(
        role_arn=arn, role_session_name="tea", source_identity=source_identity
    )
    body = server.sts_client(key).assume_role(request).body
    return AccessKey.from_credentials(body.credentials.to_map()), body.source_identity


def assume_classic(
    server: RamstsServer, key: AccessKey, arn: str, source_identity: str | None = None
) -> dict[str, Any]:
    request = AssumeRoleRequest()
    request.set_RoleArn(arn)
    request.set_RoleSessionName("classic")
    if source_identity is not None:
        request.add_query_param("SourceIdentity", source_identity)
    return dict(json.loads(server.acs_client(key).do_action_with_exception(request)))


def caller_identity(server: RamstsServer, key: AccessKey) -> dict[str, Any]:
    answer = server.acs_client(key).do_action_with_exception(GetCallerIdentityRequest())
    return dict(json.loads(answer))


def test_the_source_identity_set_by_the_user_persists_through_the_chain(
    server: RamstsServer, alice: AccessKey, arns: dict[str, str]
) -> None:
    b, answered = assume_tea(server, alice, arns["b"], source_identity="alice")
    assert answered == "alice"
    c, answered = assume_tea(server, b, arns["c"])
    assert answered == "alice"
    d = assume_classic(server, c, arns["d"], source_identity="alice")
    assert d["SourceIdentity"] == "alice"

    identity = caller_identity(server, AccessKey.from_credentials(d["Credentials"]))
    assert identity["Arn"].endswith(":assumed-role/d/classic")
    assert identity["SourceIdentity"] == "alice"


def test_a_chained_session_cannot_change_its_source_identity(
    server: RamstsServer, alice: AccessKey, arns: dict[str, str]
) -> None:
    b, _ = assume_tea(server, alice, arns["b"], source_identity="alice")

    with pytest.raises(ClientException) as tea:
        assume_tea(server, b, arns["c"], source_identity="mallory")
    assert (tea.value.code, tea.value.status_code) == ("NoPermission", 403)
    assert "SourceIdentity" in tea.value.message and "mallory" in tea.value.message

    c, _ = assume_tea(server, b, arns["c"])
    with pytest.raises(ServerException) as classic:
        assume_classic(server, c, arns["d"], source_identity="mallory")
    assert (classic.value.get_error_code(), classic.value.get_http_status()) == (
        "NoPermission",
        403,
    )


def test_a_trust_policy_condition_sees_the_inherited_source_identity(
    server: RamstsServer, alice: AccessKey, arns: dict[str, str]
) -> None:
    guarded = server.create_role(
        "guarded",
        trust_policy={
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
                    "Condition": {"StringEquals": {"sts:SourceIdentity": "alice"}},
                }
            ],
        },
    )
    with_identity, _ = assume_tea(server, alice, arns["b"], source_identity="alice")
    without, _ = assume_tea(server, alice, arns["b"])

    assert assume_tea(server, with_identity, guarded)[1] == "alice"
    with pytest.raises(ClientException) as refused:
        assume_tea(server, without, guarded)
    assert refused.value.code == "NoPermission"
