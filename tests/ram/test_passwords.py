"""SetPasswordPolicy, GetPasswordPolicy and ChangePassword: the real defaults, ranges and codes,
a policy per account, and a RAM user changing its own password."""

from __future__ import annotations

from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import verify_password
from ramsts.ram.service import RamService
from ramsts.ram.wire import login_profiles, passwords, security_preference
from ramsts.store import Account, User
from ramsts.types import Secret

DEFAULTS = {
    "MinimumPasswordLength": 8,
    "RequireLowercaseCharacters": False,
    "RequireUppercaseCharacters": False,
    "RequireNumbers": False,
    "RequireSymbols": False,
    "HardExpiry": False,
    "MaxPasswordAge": 0,
    "PasswordReusePrevention": 0,
    "MaxLoginAttemps": 5,
}
OLD = "Old-Password-1"
NEW = "New-Password-2"


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    for module in (login_profiles, passwords, security_preference):
        module.register(ram_actions, ram)
    return ram_actions


@pytest.fixture
def alice_with_password(actions: Any, root: Caller, alice: User) -> User:
    actions.call(
        root, "CreateLoginProfile", UserName="alice", Password=OLD, PasswordResetRequired="true"
    )
    return alice


def password_hash(ram: RamService, user: User) -> str:
    with ram.store.read() as tx:
        profile = tx.login_profiles.get(user.user_id)
    assert profile is not None
    return profile.password_hash


def test_an_account_that_never_set_a_policy_has_the_real_defaults(
    actions: Any, root: Caller
) -> None:
    assert actions.call(root, "GetPasswordPolicy") == {"PasswordPolicy": DEFAULTS}


def test_set_password_policy_answers_and_keeps_the_new_policy(actions: Any, root: Caller) -> None:
    requested = {
        "MinimumPasswordLength": "12",
        "RequireLowercaseCharacters": "true",
        "RequireUppercaseCharacters": "True",
        "RequireNumbers": "true",
        "RequireSymbols": "true",
        "HardExpiry": "true",
        "MaxPasswordAge": "90",
        "PasswordReusePrevention": "3",
        "MaxLoginAttemps": "10",
    }
    expected = {
        "MinimumPasswordLength": 12,
        "RequireLowercaseCharacters": True,
        "RequireUppercaseCharacters": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "HardExpiry": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 3,
        "MaxLoginAttemps": 10,
    }
    assert actions.call(root, "SetPasswordPolicy", **requested) == {"PasswordPolicy": expected}
    assert actions.call(root, "GetPasswordPolicy") == {"PasswordPolicy": expected}


def test_settings_a_call_does_not_name_keep_their_values(actions: Any, root: Caller) -> None:
    actions.call(root, "SetPasswordPolicy", MinimumPasswordLength="16", RequireSymbols="true")
    policy = actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="0")["PasswordPolicy"]
    assert policy == {**DEFAULTS, "MinimumPasswordLength": 16, "RequireSymbols": True,
                      "MaxLoginAttemps": 0}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"MinimumPasswordLength": "7"}, "InvalidParameter.MinimumPasswordLength.Range"),
        ({"MinimumPasswordLength": "33"}, "InvalidParameter.MinimumPasswordLength.Range"),
        ({"MinimumPasswordLength": "eight"}, "InvalidParameter.MinimumPasswordLength"),
        ({"MaxPasswordAge": "1096"}, "InvalidParameter.MaxPasswordAge"),
        ({"MaxPasswordAge": "-1"}, "InvalidParameter.MaxPasswordAge"),
        ({"PasswordReusePrevention": "25"}, "InvalidParameter.PasswordReusePrevention"),
        ({"MaxLoginAttemps": "33"}, "InvalidParameter.MaxLoginAttemps"),
        ({"RequireNumbers": "yes"}, "InvalidParameter.RequireNumbers"),
        ({"HardExpiry": "on"}, "InvalidParameter.HardExpiry"),
    ],
)
def test_set_password_policy_refuses_values_out_of_range_and_changes_nothing(
    actions: Any, root: Caller, params: dict[str, str], code: str
) -> None:
    assert actions.error(root, "SetPasswordPolicy", RequireSymbols="true", **params) == code
    assert actions.call(root, "GetPasswordPolicy") == {"PasswordPolicy": DEFAULTS}


def test_the_range_limits_themselves_are_accepted(actions: Any, root: Caller) -> None:
    highs = {"MinimumPasswordLength": "32", "MaxPasswordAge": "1095",
             "PasswordReusePrevention": "24", "MaxLoginAttemps": "32"}  # fmt: skip
    lows = {"MinimumPasswordLength": "8", "MaxPasswordAge": "0",
            "PasswordReusePrevention": "0", "MaxLoginAttemps": "0"}  # fmt: skip
    for limits in (highs, lows):
        policy = actions.call(root, "SetPasswordPolicy", **limits)["PasswordPolicy"]
        assert {name: str(policy[name]) for name in limits} == limits


def test_each_account_has_its_own_policy(
    actions: Any, root: Caller, other_account: Account, caller_for_root: Any
) -> None:
    actions.call(root, "SetPasswordPolicy", MinimumPasswordLength="20")
    other = caller_for_root(other_account)
    assert actions.call(other, "GetPasswordPolicy") == {"PasswordPolicy": DEFAULTS}


def test_a_user_needs_permission_to_read_or_set_the_policy(
    actions: Any, alice: User, alice_caller: Caller, grant: Any
) -> None:
    assert actions.error(alice_caller, "GetPasswordPolicy") == "NoPermission"
    assert actions.error(alice_caller, "SetPasswordPolicy", MaxPasswordAge="1") == "NoPermission"
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": "ram:GetPasswordPolicy", "Resource": "*"},
    )
    assert actions.call(alice_caller, "GetPasswordPolicy") == {"PasswordPolicy": DEFAULTS}


def test_a_user_changes_its_own_password_and_no_longer_must_reset_it(
    actions: Any, ram: RamService, root: Caller, alice_with_password: User, alice_caller: Caller
) -> None:
    assert actions.call(alice_caller, "ChangePassword", OldPassword=OLD, NewPassword=NEW) == {}
    assert verify_password(password_hash(ram, alice_with_password), Secret(NEW))
    profile = actions.call(root, "GetLoginProfile", UserName="alice")["LoginProfile"]
    assert profile["PasswordResetRequired"] is False


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"OldPassword": "Wrong-Password-1", "NewPassword": NEW}, "InvalidParameter.OldPassword"),
        ({"OldPassword": OLD, "NewPassword": "weak"}, "InvalidParameter.Password.TooWeak"),
        ({"OldPassword": OLD}, "MissingParameter"),
        ({"NewPassword": NEW}, "MissingParameter"),
    ],
)
def test_change_password_refuses_a_wrong_old_password_or_a_weak_new_one(
    actions: Any,
    ram: RamService,
    alice_with_password: User,
    alice_caller: Caller,
    params: dict[str, str],
    code: str,
) -> None:
    assert actions.error(alice_caller, "ChangePassword", **params) == code
    assert verify_password(password_hash(ram, alice_with_password), Secret(OLD))


def test_change_password_refuses_the_current_password_when_reuse_is_prevented(
    actions: Any, root: Caller, alice_with_password: User, alice_caller: Caller
) -> None:
    actions.call(root, "SetPasswordPolicy", PasswordReusePrevention="1")
    assert actions.error(alice_caller, "ChangePassword", OldPassword=OLD, NewPassword=OLD) == (
        "InvalidParameter.Password.TooWeak"
    )


def test_the_security_preference_can_forbid_users_changing_passwords(
    actions: Any, ram: RamService, root: Caller, alice_with_password: User, alice_caller: Caller
) -> None:
    actions.call(root, "SetSecurityPreference", AllowUserToChangePassword="false")
    assert actions.error(alice_caller, "ChangePassword", OldPassword=OLD, NewPassword=NEW) == (
        "NoPermission"
    )
    assert verify_password(password_hash(ram, alice_with_password), Secret(OLD))


def test_an_explicit_deny_on_change_password_is_honoured(
    actions: Any, alice_with_password: User, alice_caller: Caller, grant: Any
) -> None:
    user = alice_with_password
    grant(
        "User",
        user.user_id,
        user.account_id,
        {"Effect": "Deny", "Action": "ram:ChangePassword", "Resource": "*"},
    )
    assert actions.error(alice_caller, "ChangePassword", OldPassword=OLD, NewPassword=NEW) == (
        "NoPermission"
    )


def test_only_a_ram_user_with_a_login_profile_can_change_its_password(
    actions: Any, root: Caller, alice_caller: Caller
) -> None:
    assert actions.error(root, "ChangePassword", OldPassword=OLD, NewPassword=NEW) == (
        "NoPermission"
    )
    assert actions.error(alice_caller, "ChangePassword", OldPassword=OLD, NewPassword=NEW) == (
        "EntityNotExist.User.LoginProfile"
    )
