"""What tests of every way of assuming a role do with the session they obtained: take its key
from an SDK answer, sign a resource service's request with it for the guard, and wait for its
revocation to be in force."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException

from ramsts.guard import Guard, GuardRequest, LocalVerifier
from ramsts.signing import sign_rpc_v1
from ramsts.testing import AccessKey, RamstsServer
from ramsts.types import Secret


def session_key(body: Any) -> AccessKey:
    """The credentials of an AssumeRole* answer of the Tea SDK."""
    credentials = body.credentials
    return AccessKey(
        credentials.access_key_id, credentials.access_key_secret, credentials.security_token
    )


def guard_request(key: AccessKey) -> GuardRequest:
    """An ECS DescribeInstances request signed with ``key`` (a nonce of its own each time)."""
    assert key.security_token is not None
    signed = sign_rpc_v1(
        "POST",
        {"Action": "DescribeInstances", "Version": "2014-05-26"},
        key.access_key_id,
        Secret(key.access_key_secret),
        key.security_token,
    )
    return GuardRequest("POST", signed.query, signed.headers, signed.body)


def assert_the_guard_serves_it_as_a_role_session(
    server: RamstsServer, key: AccessKey, assumed_role: str
) -> None:
    """The local guard verifies requests signed with ``key`` as made by
    ``acs:ram::<account>:assumed-role/<assumed_role>`` (``<role>/<session>``) and authorizes
    them by the role's policies: RAM listing allowed, ECS not."""
    services = server.services
    guard = Guard(LocalVerifier(services.authenticator, services.authorizer))
    allowed = guard.decide(guard_request(key), "ram:ListRoles", "acs:ram::${AccountId}:role/*")
    assert allowed.allowed
    assert allowed.principal.arn == f"acs:ram::{server.account_id}:assumed-role/{assumed_role}"
    assert not guard.decide(guard_request(key), "ecs:DescribeInstances", "*").allowed


def refused_within_a_second(call: Callable[[], object]) -> ClientException:
    """The error ``call()`` raises once a change has reached the server's caches (a revocation
    reaches the authenticator within a second, docs/sts.md)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            call()
        except ClientException as error:
            return error
        if time.monotonic() > deadline:
            pytest.fail("still accepted 5 s after the change")
        time.sleep(0.1)
