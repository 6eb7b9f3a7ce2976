"""CreateLoginProfile, GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile: shapes, the
password policy, password history, codes, and that a failed call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import verify_password
from ramsts.errors import RamstsError
from ramsts.ram.service import RamService
from ramsts.ram.wire import login_profiles, passwords
from ramsts.store import User
from ramsts.types import Secret

PASSWORD = "Correct-Horse-7"


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    for module in (login_profiles, passwords):
        module.register(ram_actions, ram)
    return ram_actions


def stored_hash(ram: RamService, user: User) -> str:
    with ram.store.read() as tx:
        profile = tx.login_profiles.get(user.user_id)
    assert profile is not None
    return profile.password_hash


def test_create_login_profile_answers_the_profile_and_stores_an_argon2id_hash(
    actions: Any, ram: RamService, root: Caller, alice: User
) -> None:
    body = actions.call(
        root,
        "CreateLoginProfile",
        UserName="alice",
        Password=PASSWORD,
        PasswordResetRequired="true",
        MFABindRequired="false",
    )
    assert body == {
        "LoginProfile": {
            "UserName": "alice",
            "PasswordResetRequired": True,
            "MFABindRequired": False,
            "CreateDate": "2025-03-01T12:00:00Z",
        }
    }
    password_hash = stored_hash(ram, alice)
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert verify_password(password_hash, Secret(PASSWORD))


def test_get_login_profile_answers_what_was_created_with_false_flags_by_default(
    actions: Any, root: Caller, alice: User
) -> None:
    actions.call(root, "CreateLoginProfile", UserName="ALICE", Password=PASSWORD)
    assert actions.call(root, "GetLoginProfile", UserName="alice")["LoginProfile"] == {
        "UserName": "alice",
        "PasswordResetRequired": False,
        "MFABindRequired": False,
        "CreateDate": "2025-03-01T12:00:00Z",
    }


@pytest.mark.parametrize(
    ("policy", "password", "rule"),
    [
        ({}, "short7!", "at least 8 characters"),
        ({"MinimumPasswordLength": "12"}, "Eleven-char", "at least 12 characters"),
        ({"RequireLowercaseCharacters": "true"}, "UPPER-CASE-1", "lower-case letter"),
        ({"RequireUppercaseCharacters": "true"}, "lower-case-1", "upper-case letter"),
        ({"RequireNumbers": "true"}, "No-Digits-Here", "digit"),
        ({"RequireSymbols": "true"}, "NoSymbols123", "symbol"),
    ],
)
def test_a_password_the_policy_refuses_is_too_weak_and_creates_nothing(
    actions: Any, root: Caller, alice: User, policy: dict[str, str], password: str, rule: str
) -> None:
    actions.call(root, "SetPasswordPolicy", **policy)
    with pytest.raises(RamstsError) as excinfo:
        actions.call(root, "CreateLoginProfile", UserName="alice", Password=password)
    assert excinfo.value.code == "InvalidParameter.Password.TooWeak"
    assert rule in excinfo.value.message
    assert password not in excinfo.value.message
    assert actions.error(root, "GetLoginProfile", UserName="alice") == (
        "EntityNotExist.User.LoginProfile"
    )


def test_a_password_meeting_every_rule_is_accepted(actions: Any, root: Caller, alice: User) -> None:
    actions.call(
        root,
        "SetPasswordPolicy",
        MinimumPasswordLength="14",
        RequireLowercaseCharacters="true",
        RequireUppercaseCharacters="true",
        RequireNumbers="true",
        RequireSymbols="true",
    )
    actions.call(root, "CreateLoginProfile", UserName="alice", Password="Aa1!aaaaaaaaaa")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Password": PASSWORD}, "MissingParameter"),
        ({"UserName": "alice"}, "MissingParameter"),
        ({"UserName": "al ice", "Password": PASSWORD}, "InvalidParameter.UserName.InvalidChars"),
        ({"UserName": "alice", "Password": "x" * 129}, "InvalidParameter.Password.Length"),
        (
            {"UserName": "alice", "Password": PASSWORD, "MFABindRequired": "maybe"},
            "InvalidParameter.MFABindRequired",
        ),
        ({"UserName": "bob", "Password": PASSWORD}, "EntityNotExist.User"),
    ],
)
def test_create_login_profile_refuses_bad_parameters(
    actions: Any, root: Caller, alice: User, params: dict[str, str], code: str
) -> None:
    assert actions.error(root, "CreateLoginProfile", **params) == code


def test_a_user_has_at_most_one_login_profile(actions: Any, root: Caller, alice: User) -> None:
    actions.call(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD)
    assert actions.error(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD) == (
        "EntityAlreadyExists.User.LoginProfile"
    )


def test_update_login_profile_changes_only_what_it_names(
    actions: Any, ram: RamService, root: Caller, alice: User
) -> None:
    actions.call(
        root, "CreateLoginProfile", UserName="alice", Password=PASSWORD, MFABindRequired="true"
    )
    assert (
        actions.call(root, "UpdateLoginProfile", UserName="alice", PasswordResetRequired="true")
        == {}
    )
    profile = actions.call(root, "GetLoginProfile", UserName="alice")["LoginProfile"]
    assert (profile["PasswordResetRequired"], profile["MFABindRequired"]) == (True, True)
    assert verify_password(stored_hash(ram, alice), Secret(PASSWORD))

    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="Another-Pass-8")
    assert verify_password(stored_hash(ram, alice), Secret("Another-Pass-8"))


def test_update_login_profile_checks_the_policy_and_the_password_history(
    actions: Any, ram: RamService, root: Caller, alice: User
) -> None:
    actions.call(root, "SetPasswordPolicy", PasswordReusePrevention="2", RequireNumbers="true")
    actions.call(root, "CreateLoginProfile", UserName="alice", Password="First-Pass-1")
    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="Second-Pass-2")
    for reused in ("First-Pass-1", "Second-Pass-2", "No-Digits-Pass"):
        assert actions.error(root, "UpdateLoginProfile", UserName="alice", Password=reused) == (
            "InvalidParameter.Password.TooWeak"
        )
    assert verify_password(stored_hash(ram, alice), Secret("Second-Pass-2"))
    # Two passwords later, the first one is out of the window again.
    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="Third-Pass-3")
    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="First-Pass-1")


def test_delete_login_profile_removes_it_and_a_second_delete_finds_nothing(
    actions: Any, root: Caller, alice: User
) -> None:
    actions.call(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD)
    assert actions.call(root, "DeleteLoginProfile", UserName="alice") == {}
    for action in ("GetLoginProfile", "DeleteLoginProfile", "UpdateLoginProfile"):
        assert actions.error(root, action, UserName="alice") == "EntityNotExist.User.LoginProfile"


def test_a_user_with_a_login_profile_cannot_be_deleted(
    actions: Any, root: Caller, alice: User
) -> None:
    actions.call(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD)
    assert actions.error(root, "DeleteUser", UserName="alice") == "DeleteConflict.User.LoginProfile"


def test_login_profile_actions_are_authorized_on_the_users_arn(
    actions: Any,
    root: Caller,
    alice: User,
    alice_caller: Caller,
    make_user: Any,
    grant: Any,
) -> None:
    bob = make_user("bob")
    assert actions.error(alice_caller, "CreateLoginProfile", UserName="bob", Password=PASSWORD) == (
        "NoPermission"
    )
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": "ram:*LoginProfile", "Resource": bob.arn},
    )
    actions.call(alice_caller, "CreateLoginProfile", UserName="bob", Password=PASSWORD)
    assert actions.error(alice_caller, "GetLoginProfile", UserName="alice") == "NoPermission"
    assert actions.call(alice_caller, "GetLoginProfile", UserName="bob")["LoginProfile"]
