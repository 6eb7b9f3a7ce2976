"""A user's and a role's last use (the console's "last used"), read from the audit trail and
authorized as reading the user (``ram:GetUser``) or the role (``ram:GetRole``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.last_use import UserActivity, get_role_last_used, get_user_activity
from ramsts.ram.service import RamService
from ramsts.store import Account, LastUse, Role, User
from trail_calls import assumed, call_event, on_trail, signed_in
from trail_calls import user_caller as caller_of


@pytest.fixture
def deployer(ram: RamService, account: Account) -> Role:
    with ram.store.transaction() as tx:
        return tx.roles.create(
            account.account_id,
            role_name="Deployer",
            assume_role_policy_document="{}",
            now=ram.now(),
        )


def test_a_users_activity_is_its_last_sign_in_and_its_last_call(
    ram: RamService, root: Caller, alice: User
) -> None:
    later = alice.created_at + timedelta(hours=1)
    on_trail(
        ram.store,
        signed_in(alice, at=later),
        call_event(caller_of(alice, "LTAIalice"), "ListUsers", at=later + timedelta(minutes=5)),
    )

    assert get_user_activity(ram, root, "alice") == UserActivity(
        last_console_sign_in=LastUse(later, "AasSub", "cn-hangzhou"),
        last_api_call=LastUse(later + timedelta(minutes=5), "Ram", "cn-hangzhou"),
    )


def test_a_roles_last_use_is_its_last_assume_role(
    ram: RamService, root: Caller, alice: User, deployer: Role
) -> None:
    assert get_role_last_used(ram, root, "Deployer") is None
    later = deployer.created_at + timedelta(hours=1)
    on_trail(ram.store, assumed(caller_of(alice, "LTAIalice"), deployer, at=later))

    assert get_role_last_used(ram, root, "deployer") == LastUse(later, "Sts", "cn-hangzhou")


def test_reading_them_needs_get_user_and_get_role(
    ram: RamService,
    alice_caller: Caller,
    make_user: Callable[[str], User],
    deployer: Role,
) -> None:
    make_user("bob")
    for read in (
        lambda: get_user_activity(ram, alice_caller, "bob"),
        lambda: get_role_last_used(ram, alice_caller, "Deployer"),
    ):
        with pytest.raises(RamstsError) as refused:
            read()
        assert refused.value.code == "NoPermission"
