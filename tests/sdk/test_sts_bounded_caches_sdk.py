"""What callers name costs bounded memory, over real HTTP with the Tea SDK: AssumeRole for roles
that do not exist fills the cache of missing roles to its bound and no further, and AccessKeyIds
that name no key are never kept by authentication (on each store)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException

from ramsts.sts.assume_role import MISSING_ROLES_KEPT, AssumeRole
from ramsts.sts.wire.declaration import SignedHandler
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

STS_VERSION = "2015-04-01"
PAST_THE_BOUND = 200


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as running:
        yield running


def served_assume_role(server: RamstsServer) -> AssumeRole:
    handler = server.services.actions.resolve(STS_VERSION, "AssumeRole").handler
    assert isinstance(handler, SignedHandler)
    assume_role = getattr(handler.run, "__self__", None)  # the bound AssumeRole.assume
    assert isinstance(assume_role, AssumeRole)
    return assume_role


# The bound is the cache's: the store only answers "no such role", as both stores do in
# test_access_key_ids_that_name_no_key_are_not_kept below and in tests/sts. A thousand more
# round trips to PostgreSQL would add half a minute and test nothing more.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_assume_role_for_missing_roles_fills_its_cache_to_the_bound_and_no_further(
    server: RamstsServer,
) -> None:
    alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    reader = server.create_role("reader")
    client = server.sts_client(alice)
    client.assume_role(sts_models.AssumeRoleRequest(role_arn=reader, role_session_name="warm"))

    for _ in range(MISSING_ROLES_KEPT + PAST_THE_BOUND):
        missing = f"acs:ram::{server.account_id}:role/no-{secrets.token_hex(8)}"
        request = sts_models.AssumeRoleRequest(role_arn=missing, role_session_name="s1")
        with pytest.raises(ClientException) as refused:
            client.assume_role(request)
        assert (refused.value.code, refused.value.status_code) == ("EntityNotExist.Role", 404)

    assert served_assume_role(server).cache_sizes() == {
        "roles": 1,
        "missing_roles": MISSING_ROLES_KEPT,
    }
    again = client.assume_role(
        sts_models.AssumeRoleRequest(role_arn=reader, role_session_name="s2")
    )
    assert again.body.credentials.security_token


def test_access_key_ids_that_name_no_key_are_not_kept(server: RamstsServer) -> None:
    server.sts_client().get_caller_identity()
    before = server.services.authenticator.cache_sizes()

    for _ in range(PAST_THE_BOUND):
        made_up = AccessKey(f"LTAI5t{secrets.token_hex(9)}", secrets.token_hex(15))
        with pytest.raises(ClientException) as refused:
            server.sts_client(made_up).get_caller_identity()
        assert refused.value.code == "InvalidAccessKeyId.NotFound"

    assert server.services.authenticator.cache_sizes() == before
    assert before["keys"] == 1
