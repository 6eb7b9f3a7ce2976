"""AssumeRole's caches are bounded whatever callers ask for: refused calls for roles that do not
exist, four times as many as the cache keeps, leave the cache of missing roles at its bound (the
count past the bound changes nothing: each new name evicts the oldest), and the roles in use
stay cached."""

from __future__ import annotations

import json
import secrets

import pytest
from sts_support import Directory, FakeClock, Sts, user_caller

from loop_support import on_the_loop
from ramsts.errors import EntityNotExist
from ramsts.ram.authorization import Authorizer
from ramsts.sts import assume_role as assume_role_module
from ramsts.sts.assume_role import (
    MISSING_ROLES_KEPT,
    ROLE_CACHE_TTL,
    SESSION_POLICY_CACHED_CHARS,
    AssumeRole,
)
from ramsts.sts.wire.sessions import assume_role_action

REFUSED_CALLS = 2 * MISSING_ROLES_KEPT
"""The bound filled, then as many names again that would each have grown it."""


def cached_assume_role(sts: Sts) -> AssumeRole:
    """AssumeRole over the test's store, its caches in force while the test's clock stands still."""
    clock: FakeClock = sts.clock
    authorizer = Authorizer(sts.store, sts.master_key, monotonic=clock.monotonic)
    return AssumeRole(sts.store, authorizer, sts.key_ring, clock=clock, monotonic=clock.monotonic)


# The bound is the cache's alone: the store only answers "no such role", as both stores do in
# the other tests here and in tests/sdk/test_sts_bounded_caches_sdk.py. Thousands of round trips
# to PostgreSQL would add a minute on a busy machine and test nothing more.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_refused_calls_for_missing_roles_leave_the_cache_at_its_bound(
    sts: Sts, directory: Directory
) -> None:
    cached = cached_assume_role(sts)
    assume_role = assume_role_action(cached).handler()
    alice = user_caller(directory.alice)
    reader = f"acs:ram::{directory.acme.account_id}:role/reader"
    assume_role(alice, {"RoleArn": reader, "RoleSessionName": "warm"})

    for _ in range(REFUSED_CALLS):
        missing = f"acs:ram::{directory.acme.account_id}:role/no-{secrets.token_hex(8)}"
        with pytest.raises(EntityNotExist):
            assume_role(alice, {"RoleArn": missing, "RoleSessionName": "s1"})

    assert cached.cache_sizes() == {"roles": 1, "missing_roles": MISSING_ROLES_KEPT}
    # The role in use was not pushed out: assuming it again needs no database.
    again = on_the_loop(lambda: assume_role(alice, {"RoleArn": reader, "RoleSessionName": "again"}))
    assert again.result["Credentials"]
    assert (again.hops, again.blocked) == (0, 0)


def test_a_missing_role_that_is_created_is_found(sts: Sts, directory: Directory) -> None:
    cached = cached_assume_role(sts)
    assume_role = assume_role_action(cached).handler()
    alice = user_caller(directory.alice)
    arn = f"acs:ram::{directory.acme.account_id}:role/later"
    refused = sts.refusal(lambda: assume_role(alice, {"RoleArn": arn, "RoleSessionName": "s1"}))
    assert refused.code == "EntityNotExist.Role"
    assert cached.cache_sizes() == {"roles": 0, "missing_roles": 1}

    sts.role(directory.acme, "later", directory.reader.assume_role_policy_document)
    sts.clock.advance(ROLE_CACHE_TTL)
    assert assume_role(alice, {"RoleArn": arn, "RoleSessionName": "s1"})["Credentials"]
    assert cached.cache_sizes() == {"roles": 1, "missing_roles": 0}


def test_a_session_policy_padded_past_the_cached_length_is_checked_but_not_kept(
    sts: Sts, directory: Directory
) -> None:
    # The size limit counts no whitespace: a valid policy may be padded to the whole body.
    statement = {"Effect": "Allow", "Action": "ram:List*", "Resource": "*"}
    policy = {"Version": "1", "Statement": [statement]}
    padded = json.dumps(policy, indent=SESSION_POLICY_CACHED_CHARS)
    kept_before = assume_role_module._kept_session_policy.cache_info().currsize

    def session_policy(text: str) -> str | None:
        body = sts.assume(
            user_caller(directory.alice),
            RoleArn=f"acs:ram::{directory.acme.account_id}:role/reader",
            RoleSessionName="s1",
            Policy=text,
        )
        return sts.use(body["Credentials"]).session_policy

    assert session_policy(padded) is not None
    assert assume_role_module._kept_session_policy.cache_info().currsize == kept_before
    assert session_policy(padded) == session_policy(json.dumps(policy))
