"""Last use from the audit trail (``tx.audit_events``): the newest event of a key, a role
assumed, a user's console sign-in and API call — only events that are a use of that thing,
since it was created."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, LastUse, Role, Store, User, new_access_key_id
from trail_calls import (
    RAM,
    STS,
    assumed,
    call_event,
    on_trail,
    root_caller,
    signed_in,
    user_caller,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
LATEST = NOW + timedelta(hours=2)


@pytest.fixture
def user(store: Store, account: Account) -> User:
    with store.transaction() as tx:
        return tx.users.create(account.account_id, user_name="alice", now=NOW)


@pytest.fixture
def role(store: Store, account: Account) -> Role:
    with store.transaction() as tx:
        return tx.roles.create(
            account.account_id, role_name="Deployer", assume_role_policy_document="{}", now=NOW
        )


def key_of(store: Store, user: User) -> str:
    key_id = new_access_key_id()
    with store.transaction() as tx:
        tx.access_keys.create(
            user.account_id, user_id=user.user_id, access_key_id=key_id, sealed_secret="s", now=NOW
        )
    return key_id


def last_use_of_key(store: Store, key_id: str) -> LastUse | None:
    with store.read() as tx:
        key = tx.access_keys.get(key_id)
        assert key is not None
        return tx.audit_events.access_key_last_used(key)


def test_a_key_never_used_has_no_last_use(store: Store, user: User) -> None:
    assert last_use_of_key(store, key_of(store, user)) is None


@pytest.mark.parametrize("newest_first", [True, False])
def test_a_keys_last_use_is_its_newest_request_whatever_the_order_written(
    store: Store, user: User, newest_first: bool
) -> None:
    key_id = key_of(store, user)
    alice = user_caller(user, key_id)
    events = [
        call_event(alice, "GetUser", at=LATER, source=RAM),
        call_event(alice, "AssumeRole", at=LATEST, source=STS),
    ]
    on_trail(store, *(reversed(events) if newest_first else events))

    assert last_use_of_key(store, key_id) == LastUse(LATEST, "Sts", "cn-hangzhou")


def test_a_refused_call_is_a_use_of_the_key_a_failed_authentication_is_not(
    store: Store, user: User
) -> None:
    key_id = key_of(store, user)
    on_trail(
        store,
        call_event(user_caller(user, key_id), "DeleteUser", at=LATER, error_code="NoPermission"),
        call_event(
            None,
            "GetUser",
            at=LATEST,
            error_code="SignatureDoesNotMatch",
            access_key_id=key_id,
            account_id=user.account_id,
        ),
    )

    assert last_use_of_key(store, key_id) == LastUse(LATER, "Ram", "cn-hangzhou")


def test_another_keys_requests_are_not_this_keys(
    store: Store, account: Account, user: User
) -> None:
    key_id, other = key_of(store, user), key_of(store, user)
    on_trail(store, call_event(root_caller(account, other), "GetUser", at=LATER))

    assert last_use_of_key(store, key_id) is None


def last_assumed(store: Store, role: Role) -> LastUse | None:
    with store.read() as tx:
        return tx.audit_events.role_last_assumed(role)


def test_a_roles_last_use_is_its_last_successful_assume_role(
    store: Store, account: Account, role: Role, user: User
) -> None:
    alice = user_caller(user, "LTAIalice")
    on_trail(
        store,
        assumed(alice, role, at=LATER),
        assumed(alice, role, at=LATEST, error_code="NoPermission"),
    )

    assert last_assumed(store, role) == LastUse(LATER, "Sts", "cn-hangzhou")


def test_a_role_never_assumed_has_no_last_use_whatever_else_names_it(
    store: Store, account: Account, role: Role, user: User
) -> None:
    alice = user_caller(user, "LTAIalice")
    on_trail(
        store,
        call_event(alice, "GetRole", at=LATER, parameters={"RoleName": role.role_name}),
        # This account's user assuming another account's role of the same name.
        assumed(alice, "acs:ram::9999999999999999:role/Deployer", at=LATEST),
    )

    assert last_assumed(store, role) is None


def test_an_assume_role_of_an_earlier_role_of_the_name_is_not_this_roles(
    store: Store, account: Account, user: User
) -> None:
    alice = user_caller(user, "LTAIalice")
    with store.transaction() as tx:
        earlier = tx.roles.create(
            account.account_id, role_name="Deployer", assume_role_policy_document="{}", now=NOW
        )
    on_trail(store, assumed(alice, earlier, at=LATER))
    with store.transaction() as tx:
        tx.roles.delete(earlier.role_id)
        again = tx.roles.create(
            account.account_id,
            role_name="Deployer",
            assume_role_policy_document="{}",
            now=LATEST,
        )

    assert last_assumed(store, again) is None


def activity(store: Store, user: User) -> tuple[LastUse | None, LastUse | None]:
    with store.read() as tx:
        return tx.audit_events.user_last_signed_in(user), tx.audit_events.user_last_called(user)


def test_a_users_last_sign_in_and_last_call_are_told_apart(store: Store, user: User) -> None:
    alice = user_caller(user, "LTAIalice")
    on_trail(
        store,
        signed_in(user, at=LATER),
        signed_in(user, at=LATEST, error_code="InvalidPassword"),
        call_event(alice, "ListUsers", at=NOW + timedelta(minutes=30)),
    )

    sign_in, call = activity(store, user)

    assert sign_in == LastUse(LATER, "AasSub", "cn-hangzhou")
    assert call == LastUse(NOW + timedelta(minutes=30), "Ram", "cn-hangzhou")


def test_an_earlier_user_of_the_name_is_not_this_user(
    store: Store, account: Account, user: User
) -> None:
    on_trail(store, signed_in(user, at=LATER), call_event(user_caller(user), "GetUser", at=LATER))
    with store.transaction() as tx:
        tx.users.delete(user.user_id)
        again = tx.users.create(account.account_id, user_name="alice", now=LATEST)

    assert activity(store, again) == (None, None)
