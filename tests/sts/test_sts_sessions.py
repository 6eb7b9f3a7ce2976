"""Using the credentials AssumeRole returns: what authentication accepts, what it refuses, and
how rotation, revocation, role deletion and detached policies reach live sessions."""

from __future__ import annotations

import base64
import json
from typing import Any

from sts_support import Directory, Sts, allow, user_caller

from ramsts.policy import parse_policy
from ramsts.services import StoredKeyRing
from ramsts.sts.assume_role import KEY_RING_REFRESH_INTERVAL, AssumeRole
from ramsts.sts.keys import list_token_keys, rotate_token_key
from ramsts.sts.revocation import revoke_role_sessions
from ramsts.sts.wire.sessions import assume_role_action


def assume(sts: Sts, directory: Directory, **params: str) -> dict[str, Any]:
    arn = f"acs:ram::{directory.acme.account_id}:role/reader"
    body = sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1", **params)
    credentials: dict[str, Any] = body["Credentials"]
    return credentials


def refused(sts: Sts, credentials: dict[str, Any], *, token: str | None = None) -> str:
    return sts.refusal(lambda: sts.use(credentials, token=token)).code


def test_a_fresh_session_authenticates(sts: Sts, directory: Directory) -> None:
    caller = sts.use(assume(sts, directory))
    assert caller.role_id == directory.reader.role_id
    assert caller.session_name == "s1"


def test_a_tampered_token_is_malformed(sts: Sts, directory: Directory) -> None:
    credentials = assume(sts, directory)
    token = credentials["SecurityToken"]
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert refused(sts, credentials, token=flipped) == "InvalidSecurityToken.Malformed"
    assert refused(sts, credentials, token=token[:-4]) == "InvalidSecurityToken.Malformed"


def test_a_token_of_another_session_is_a_mismatch(sts: Sts, directory: Directory) -> None:
    mine, theirs = assume(sts, directory), assume(sts, directory)
    code = refused(sts, mine, token=theirs["SecurityToken"])
    assert code == "InvalidSecurityToken.MismatchWithAccessKey"


def test_a_session_expires_at_its_expiration(sts: Sts, directory: Directory) -> None:
    credentials = assume(sts, directory, DurationSeconds="900")
    sts.clock.advance(899)
    assert sts.use(credentials)
    sts.clock.advance(1)
    assert refused(sts, credentials) == "InvalidSecurityToken.Expired"


def minted_by(token: str) -> str:
    """The key id a SecurityToken names in its header (``CAIS`` + base64 of version, length,
    key id, …)."""
    raw = base64.urlsafe_b64decode(token[4:])
    return raw[2 : 2 + raw[1]].decode("ascii")


def test_a_rotation_keeps_old_sessions_working_and_mints_with_the_new_key(
    sts: Sts, directory: Directory
) -> None:
    before = assume(sts, directory)
    old_key = minted_by(before["SecurityToken"])
    new_key = rotate_token_key(sts.store, sts.master_key, now=sts.clock())
    keys = list_token_keys(sts.store)
    assert [key.key_id for key in keys if key.is_current] == [new_key.key_id]
    assert {key.key_id for key in keys} == {old_key, new_key.key_id}
    sts.clock.advance(KEY_RING_REFRESH_INTERVAL)
    after = assume(sts, directory)
    assert minted_by(after["SecurityToken"]) == new_key.key_id
    assert sts.use(before).session_name == "s1"
    assert sts.use(after).session_name == "s1"


def test_a_token_of_a_key_rotated_in_another_process_is_accepted(
    sts: Sts, directory: Directory
) -> None:
    rotate_token_key(sts.store, sts.master_key, now=sts.clock())
    # Another process, started after the rotation, mints with the new key; this process's
    # ring has not seen it and reloads it when a token names it.
    elsewhere = StoredKeyRing(sts.store, sts.master_key, clock=sts.clock)
    other = assume_role_action(
        AssumeRole(sts.store, sts.authorizer, elsewhere, clock=sts.clock, role_cache_ttl=0)
    ).handler()
    arn = f"acs:ram::{directory.acme.account_id}:role/reader"
    body = other(user_caller(directory.alice), {"RoleArn": arn, "RoleSessionName": "s9"})
    sts.clock.advance(2)  # past the ring's minimum interval between two reloads
    assert sts.use(body["Credentials"]).session_name == "s9"


def test_revoking_refuses_every_earlier_session_but_not_later_ones(
    sts: Sts, directory: Directory
) -> None:
    earlier = assume(sts, directory)
    role = revoke_role_sessions(sts.store, directory.acme.account_id, "reader", now=sts.clock())
    assert role.sessions_not_before is not None
    assert refused(sts, earlier) == "InvalidSecurityToken.Expired"
    later = assume(sts, directory)  # in the same second as the revocation
    assert sts.use(later).session_name == "s1"


def test_deleting_the_role_ends_its_sessions(sts: Sts, directory: Directory) -> None:
    credentials = assume(sts, directory)
    with sts.store.transaction() as tx:
        tx.roles.delete(directory.reader.role_id)
    assert refused(sts, credentials) == "InvalidSecurityToken.Expired"


def test_detaching_a_policy_takes_effect_at_the_next_request(
    sts: Sts, directory: Directory
) -> None:
    session = sts.use(assume(sts, directory))
    account = directory.acme.account_id
    assert sts.authorizer.decide(session, "ram:ListUsers", f"acs:ram::{account}:user/*").allowed
    with sts.store.transaction() as tx:
        for attached in tx.attachments.list_for(
            "Role", directory.reader.role_id, account_id=account
        ):
            tx.attachments.detach("Role", directory.reader.role_id, attached.policy.policy_id)
    sts.authorizer.invalidate(account)
    assert not sts.authorizer.decide(session, "ram:ListUsers", f"acs:ram::{account}:user/*").allowed


def test_the_session_policy_travels_in_the_token(sts: Sts, directory: Directory) -> None:
    policy = json.dumps({"Version": "1", "Statement": [allow("ram:ListUsers")]}, indent=2)
    session = sts.use(assume(sts, directory, Policy=policy))
    assert session.session_policy is not None
    assert "\n" not in session.session_policy
    assert parse_policy(session.session_policy, "session") == parse_policy(policy, "session")
