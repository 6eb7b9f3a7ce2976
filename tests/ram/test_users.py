"""CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers: shapes, rules and codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.ram.quotas import Quotas
from ramsts.ram.service import RamService
from ramsts.store import Account, User


def test_create_user_answers_the_user_with_its_fields(ram_actions: Any, root: Caller) -> None:
    body = ram_actions.call(
        root,
        "CreateUser",
        UserName="Alice.B-1_x",
        DisplayName="Alice B",
        MobilePhone="86-18600008888",
        Email="alice@example.com",
        Comments="first",
    )
    user = body["User"]
    assert user["UserName"] == "Alice.B-1_x"
    assert user["UserId"].isdigit()
    assert (user["DisplayName"], user["MobilePhone"], user["Email"], user["Comments"]) == (
        "Alice B",
        "86-18600008888",
        "alice@example.com",
        "first",
    )
    assert user["CreateDate"] == "2025-03-01T12:00:00Z"
    assert "UpdateDate" not in user


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"UserName": "a" * 65}, "InvalidParameter.UserName.Length"),
        ({"UserName": "al ice"}, "InvalidParameter.UserName.InvalidChars"),
        ({"UserName": "bob", "DisplayName": "d" * 129}, "InvalidParameter.DisplayName.Length"),
        ({"UserName": "bob", "Comments": "c" * 129}, "InvalidParameter.Comments.Length"),
        ({"UserName": "bob", "MobilePhone": "18600008888"}, "InvalidParameter.MobilePhone.Format"),
        ({"UserName": "bob", "Email": "bob-at-example"}, "InvalidParameter.Email.Format"),
    ],
)
def test_create_user_refuses_bad_parameters(
    ram_actions: Any, root: Caller, params: dict[str, str], code: str
) -> None:
    assert ram_actions.error(root, "CreateUser", **params) == code
    assert ram_actions.call(root, "ListUsers")["Users"] == {"User": []}


def test_user_names_are_unique_regardless_of_case(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(root, "CreateUser", UserName="alice")
    assert ram_actions.error(root, "CreateUser", UserName="ALICE") == ("EntityAlreadyExists.User")


def test_the_number_of_users_is_limited(
    ram: RamService, root: Caller, actions_for: Callable[[RamService], Any]
) -> None:
    actions = actions_for(replace(ram, quotas=Quotas(users=2)))
    actions.call(root, "CreateUser", UserName="u1")
    actions.call(root, "CreateUser", UserName="u2")
    assert actions.error(root, "CreateUser", UserName="u3") == ("LimitExceeded.User")


def test_get_user_adds_update_and_last_login_dates(
    ram_actions: Any, root: Caller, alice: User
) -> None:
    user = ram_actions.call(root, "GetUser", UserName="ALICE")["User"]
    assert user["UserName"] == "alice"
    assert user["UserId"] == alice.user_id
    assert user["UpdateDate"] == "2025-03-01T12:00:00Z"
    assert user["LastLoginDate"] == ""


def test_get_user_of_an_unknown_name_is_entity_not_exist(ram_actions: Any, root: Caller) -> None:
    assert ram_actions.error(root, "GetUser", UserName="nobody") == ("EntityNotExist.User")


def test_update_user_renames_and_changes_only_what_is_given(
    ram_actions: Any, root: Caller, clock: Any
) -> None:
    ram_actions.call(root, "CreateUser", UserName="alice", DisplayName="A", Comments="keep")
    clock.advance(60)
    user = ram_actions.call(
        root, "UpdateUser", UserName="alice", NewUserName="alicia", NewDisplayName="Alicia"
    )["User"]
    assert (user["UserName"], user["DisplayName"], user["Comments"]) == ("alicia", "Alicia", "keep")
    assert user["UpdateDate"] == "2025-03-01T12:01:00Z"
    assert ram_actions.call(root, "GetUser", UserName="alicia")["User"]["UserId"] == user["UserId"]


def test_renaming_onto_a_taken_name_changes_nothing(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(root, "CreateUser", UserName="alice")
    ram_actions.call(root, "CreateUser", UserName="bob")
    assert (
        ram_actions.error(root, "UpdateUser", UserName="bob", NewUserName="Alice")
        == "EntityAlreadyExists.User"
    )
    assert ram_actions.call(root, "GetUser", UserName="bob")["User"]["UserName"] == "bob"


def test_delete_user_removes_it(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(root, "CreateUser", UserName="alice")
    assert ram_actions.call(root, "DeleteUser", UserName="alice") == {}
    assert ram_actions.error(root, "GetUser", UserName="alice") == ("EntityNotExist.User")


def test_a_user_with_an_access_key_or_a_group_cannot_be_deleted(
    ram_actions: Any, root: Caller, alice: User
) -> None:
    key = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]
    assert (
        ram_actions.error(root, "DeleteUser", UserName="alice") == "DeleteConflict.User.AccessKey"
    )
    ram_actions.call(root, "DeleteAccessKey", UserName="alice", UserAccessKeyId=key["AccessKeyId"])
    ram_actions.call(root, "CreateGroup", GroupName="devs")
    ram_actions.call(root, "AddUserToGroup", GroupName="devs", UserName="alice")
    assert ram_actions.error(root, "DeleteUser", UserName="alice") == "DeleteConflict.User.Group"
    ram_actions.call(root, "RemoveUserFromGroup", GroupName="devs", UserName="alice")
    assert ram_actions.call(root, "DeleteUser", UserName="alice") == {}


def test_a_user_with_a_policy_attached_cannot_be_deleted(
    ram_actions: Any, root: Caller, alice: User, grant: Callable[..., None]
) -> None:
    grant(
        "User", alice.user_id, alice.account_id, {"Effect": "Allow", "Action": "*", "Resource": "*"}
    )
    assert ram_actions.error(root, "DeleteUser", UserName="alice") == ("DeleteConflict.User.Policy")


def test_list_users_pages_by_name_with_a_marker_only_when_truncated(
    ram_actions: Any, root: Caller
) -> None:
    for name in ("carol", "alice", "bob"):
        ram_actions.call(root, "CreateUser", UserName=name)
    first = ram_actions.call(root, "ListUsers", MaxItems="2")
    assert [u["UserName"] for u in first["Users"]["User"]] == ["alice", "bob"]
    assert first["IsTruncated"] is True
    rest = ram_actions.call(root, "ListUsers", MaxItems="2", Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]["User"]] == ["carol"]
    assert rest["IsTruncated"] is False
    assert "Marker" not in rest


def test_list_users_refuses_a_foreign_marker_and_a_bad_max_items(
    ram_actions: Any, root: Caller
) -> None:
    assert ram_actions.error(root, "ListUsers", Marker="bogus!") == ("InvalidParameter.Marker")
    assert ram_actions.error(root, "ListUsers", MaxItems="1001") == ("InvalidParameter.MaxItems")


def test_one_accounts_users_are_invisible_to_another(
    ram_actions: Any,
    root: Caller,
    other_account: Account,
    caller_for_root: Callable[[Account], Caller],
) -> None:
    ram_actions.call(root, "CreateUser", UserName="alice")
    stranger = caller_for_root(other_account)
    assert ram_actions.call(stranger, "ListUsers")["Users"]["User"] == []
    assert ram_actions.error(stranger, "GetUser", UserName="alice") == ("EntityNotExist.User")
    ram_actions.call(stranger, "CreateUser", UserName="alice")


def test_a_ram_user_needs_a_policy_for_each_action(
    ram_actions: Any,
    alice: User,
    alice_caller: Caller,
    grant: Callable[..., None],
) -> None:
    assert ram_actions.error(alice_caller, "ListUsers") == "NoPermission"
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"},
    )
    assert [
        u["UserName"] for u in ram_actions.call(alice_caller, "ListUsers")["Users"]["User"]
    ] == ["alice"]
    assert ram_actions.error(alice_caller, "CreateUser", UserName="x") == ("NoPermission")


def test_permission_is_checked_on_the_users_arn(
    ram_actions: Any,
    alice: User,
    alice_caller: Caller,
    grant: Callable[..., None],
) -> None:
    own = f"acs:ram::{alice.account_id}:user/alice"
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": "ram:GetUser", "Resource": own},
    )
    assert (
        ram_actions.call(alice_caller, "GetUser", UserName="alice")["User"]["UserName"] == "alice"
    )
    assert ram_actions.error(alice_caller, "GetUser", UserName="bob") == ("NoPermission")
