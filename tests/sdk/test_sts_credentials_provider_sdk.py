"""alibabacloud-credentials against a live server (api.md §6.1, §6.4): the RAM-role-ARN provider
obtains credentials with a session Policy holding spaces (signed with ``+``, §3.6), refreshes
them before expiry, and feeds a Tea client through ``credentials.client.Client``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alibabacloud_credentials.client import Client as CredentialsClient
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.models import Config as CredentialsConfig
from alibabacloud_credentials.provider.ram_role_arn import RamRoleArnCredentialsProvider
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

LIST_USERS_ONLY = json.dumps(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"}]}
)


@pytest.fixture
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as running:
        yield running


@pytest.fixture
def alice(server: RamstsServer) -> AccessKey:
    return server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])


@pytest.fixture
def admin_arn(server: RamstsServer) -> str:
    return server.create_role(
        "admin", statements=[{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]
    )


def provider(
    server: RamstsServer, key: AccessKey, arn: str, **options: object
) -> RamRoleArnCredentialsProvider:
    return RamRoleArnCredentialsProvider(
        access_key_id=key.access_key_id,
        access_key_secret=key.access_key_secret,
        role_arn=arn,
        role_session_name="provider",
        sts_endpoint=server.url,
        **options,
    )


def test_a_policy_with_spaces_is_accepted_and_narrows_the_session(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    assert " " in LIST_USERS_ONLY
    credentials = provider(server, alice, admin_arn, policy=LIST_USERS_ONLY).get_credentials()
    session = AccessKey(
        credentials.get_access_key_id(),
        credentials.get_access_key_secret(),
        credentials.get_security_token(),
    )
    assert session.access_key_id.startswith("STS.")
    server.ram_client(session).list_users(ram_models.ListUsersRequest())
    with pytest.raises(ClientException) as caught:
        server.ram_client(session).list_roles(ram_models.ListRolesRequest())
    assert caught.value.code == "NoPermission"


def test_a_900_second_session_is_refreshed_on_every_call(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    # Credentials within 15 minutes of expiry are stale to the provider (§6.1): each call
    # assumes the role again and gets a new temporary AccessKey.
    refreshing = provider(server, alice, admin_arn, duration_seconds=900)
    seen = {refreshing.get_credentials().get_access_key_id() for _ in range(3)}
    assert len(seen) == 3


def test_an_hour_long_session_is_cached(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    cached = provider(server, alice, admin_arn, external_id="abcd1234")
    first = cached.get_credentials().get_access_key_id()
    assert cached.get_credentials().get_access_key_id() == first


def test_the_credentials_client_feeds_a_tea_client(
    server: RamstsServer, alice: AccessKey, admin_arn: str
) -> None:
    credential = CredentialsClient(
        CredentialsConfig(
            type="ram_role_arn",
            access_key_id=alice.access_key_id,
            access_key_secret=alice.access_key_secret,
            role_arn=admin_arn,
            role_session_name="fed",
            sts_endpoint=server.url,
        )
    )
    client = StsClient(Config(credential=credential, endpoint=server.endpoint, protocol="http"))
    body = client.get_caller_identity().body
    assert body.arn == f"acs:ram::{server.account_id}:assumed-role/admin/fed"
    assert body.identity_type == "AssumedRoleUser"


def test_a_refused_assume_role_surfaces_as_a_credential_exception(
    server: RamstsServer, admin_arn: str
) -> None:
    nobody = server.create_user("nobody")
    with pytest.raises(CredentialException) as caught:
        provider(server, nobody, admin_arn).get_credentials()
    assert "NoPermission" in str(caught.value)
