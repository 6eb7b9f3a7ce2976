"""Two ``ramsts serve`` processes on one PostgreSQL database, their caches kept for a minute
(``RAMSTS_CACHE_MAX_AGE=60``): a policy attached or detached through one is in force at the
other at once — only the store's notification can explain it, the cached entry being far from
its age limit — and still so once the other's listener has had its connection killed and has
connected again (issue #15).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from test_two_servers_postgres import (
    Server,
    _create_account,
    _server_env,
    _serving,
    tea_ram,
)

from fresh_databases import PostgresSchemas
from ramsts.store.invalidations import APPLICATION_NAME

pytestmark = [pytest.mark.sdk, pytest.mark.postgres, pytest.mark.xdist_group("two-servers")]

CACHE_MAX_AGE = 60.0
SOON = 10.0
"""Seconds within which a notified change must apply: far below the cache's age limit, which is
the only other way it could."""

READ_USERS = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "ram:GetUser", "Resource": "*"}],
    }
)


@dataclass(frozen=True)
class Pair:
    first: Server
    second: Server
    root: RamClient
    postgres_url: str


@pytest.fixture(scope="module")
def pair(
    postgres_databases: PostgresSchemas, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    data_dir = tmp_path_factory.mktemp("invalidation")
    with postgres_databases.empty() as postgres_url:
        env = {**_server_env(postgres_url, data_dir), "RAMSTS_CACHE_MAX_AGE": str(CACHE_MAX_AGE)}
        account = _create_account(env)
        logs = [data_dir / "first.log", data_dir / "second.log"]
        with _serving(env, logs, together=False) as (first, second):
            root = tea_ram(first, account["AccessKeyId"], account["AccessKeySecret"])
            yield Pair(first, second, root, postgres_url)


def user_with_keys(root: RamClient, name: str) -> tuple[str, str]:
    root.create_user(ram.CreateUserRequest(user_name=name))
    key = root.create_access_key(ram.CreateAccessKeyRequest(user_name=name)).body.access_key
    return key.access_key_id, key.access_key_secret


def may_get_user(server: Server, key: tuple[str, str], name: str) -> bool:
    try:
        tea_ram(server, *key).get_user(ram.GetUserRequest(user_name=name))
    except ClientException as refused:
        assert refused.code == "NoPermission"
        return False
    return True


def soon(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within :data:`SOON` seconds."""
    deadline = time.monotonic() + SOON
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def attach(root: RamClient, policy: str, user: str) -> None:
    root.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(policy_type="Custom", policy_name=policy, user_name=user)
    )


def detach(root: RamClient, policy: str, user: str) -> None:
    root.detach_policy_from_user(
        ram.DetachPolicyFromUserRequest(policy_type="Custom", policy_name=policy, user_name=user)
    )


def listener_backends(postgres_url: str, pid: int) -> list[int]:
    """The database backends of the listener of server process ``pid``."""
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": f"{APPLICATION_NAME} {pid}"},
                ).scalars()
            )
    finally:
        engine.dispose()


def terminate(postgres_url: str, backend: int) -> None:
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    finally:
        engine.dispose()


def test_a_policy_attached_or_detached_through_one_server_applies_at_the_other_at_once(
    pair: Pair,
) -> None:
    alice = user_with_keys(pair.root, "alice")
    pair.root.create_policy(
        ram.CreatePolicyRequest(policy_name="read-users", policy_document=READ_USERS)
    )
    assert not may_get_user(pair.second, alice, "alice")  # her (empty) policies now cached

    attach(pair.root, "read-users", "alice")
    assert soon(lambda: may_get_user(pair.second, alice, "alice"))

    detach(pair.root, "read-users", "alice")
    assert soon(lambda: not may_get_user(pair.second, alice, "alice"))


def test_a_listener_whose_connection_is_killed_connects_again_and_changes_apply_at_once(
    pair: Pair,
) -> None:
    bob = user_with_keys(pair.root, "bob")
    pair.root.create_policy(
        ram.CreatePolicyRequest(policy_name="bob-reads-users", policy_document=READ_USERS)
    )
    (backend,) = listener_backends(pair.postgres_url, pair.second.pid)

    terminate(pair.postgres_url, backend)
    assert soon(
        lambda: listener_backends(pair.postgres_url, pair.second.pid) not in ([], [backend])
    )

    assert not may_get_user(pair.second, bob, "bob")  # cached after the reconnection
    attach(pair.root, "bob-reads-users", "bob")
    assert soon(lambda: may_get_user(pair.second, bob, "bob"))
