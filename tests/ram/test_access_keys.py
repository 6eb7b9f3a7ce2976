"""CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ramsts.authentication import unseal_access_key_secret
from ramsts.caller import Caller
from ramsts.ram.service import RamService
from ramsts.store import Account, User
from trail_calls import call_event, on_trail, user_caller


def test_create_access_key_returns_the_secret_once_and_seals_it_at_rest(
    ram: RamService, ram_actions: Any, root: Caller, alice: User
) -> None:
    key = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]
    assert key["AccessKeyId"].startswith("LTAI")
    assert len(key["AccessKeySecret"]) == 30
    assert key["Status"] == "Active"
    assert key["CreateDate"] == "2025-03-01T12:00:00Z"
    stored = ram.store.resolve_access_key(key["AccessKeyId"])
    assert stored is not None and stored.user == alice
    assert key["AccessKeySecret"] not in stored.key.sealed_secret
    assert unseal_access_key_secret(ram.master_key, stored.key).equals(key["AccessKeySecret"])
    assert key["AccessKeySecret"] not in repr(stored)


def test_list_access_keys_never_shows_a_secret(ram_actions: Any, root: Caller, alice: User) -> None:
    created = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]
    listed = ram_actions.call(root, "ListAccessKeys", UserName="alice")
    assert listed == {
        "AccessKeys": {
            "AccessKey": [
                {
                    "AccessKeyId": created["AccessKeyId"],
                    "Status": "Active",
                    "CreateDate": "2025-03-01T12:00:00Z",
                }
            ]
        }
    }


def test_a_user_may_have_two_keys(ram_actions: Any, root: Caller, alice: User) -> None:
    ram_actions.call(root, "CreateAccessKey", UserName="alice")
    ram_actions.call(root, "CreateAccessKey", UserName="alice")
    assert ram_actions.error(root, "CreateAccessKey", UserName="alice") == (
        "LimitExceeded.User.AccessKey"
    )
    assert (
        len(ram_actions.call(root, "ListAccessKeys", UserName="alice")["AccessKeys"]["AccessKey"])
        == 2
    )


def test_without_user_name_a_ram_user_manages_its_own_keys_and_a_root_the_roots(
    ram_actions: Any,
    root: Caller,
    alice: User,
    alice_caller: Caller,
    grant: Callable[..., None],
) -> None:
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {
            "Effect": "Allow",
            "Action": "ram:*AccessKey*",
            "Resource": f"acs:ram::{alice.account_id}:user/alice",
        },
    )
    own = ram_actions.call(alice_caller, "CreateAccessKey")["AccessKey"]
    roots = ram_actions.call(root, "CreateAccessKey")["AccessKey"]
    assert [
        k["AccessKeyId"]
        for k in ram_actions.call(alice_caller, "ListAccessKeys")["AccessKeys"]["AccessKey"]
    ] == [own["AccessKeyId"]]
    assert [
        k["AccessKeyId"]
        for k in ram_actions.call(root, "ListAccessKeys")["AccessKeys"]["AccessKey"]
    ] == [roots["AccessKeyId"]]


def test_update_access_key_switches_its_status(
    ram: RamService, ram_actions: Any, root: Caller, alice: User
) -> None:
    key_id = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    ram_actions.call(
        root, "UpdateAccessKey", UserName="alice", UserAccessKeyId=key_id, Status="Inactive"
    )
    [listed] = ram_actions.call(root, "ListAccessKeys", UserName="alice")["AccessKeys"]["AccessKey"]
    assert listed["Status"] == "Inactive"
    assert (
        ram_actions.error(
            root, "UpdateAccessKey", UserName="alice", UserAccessKeyId=key_id, Status="Off"
        )
        == "InvalidParameter.Status"
    )


def test_a_key_is_found_only_under_its_owner(
    ram_actions: Any, root: Caller, make_user: Callable[[str], User]
) -> None:
    make_user("alice")
    make_user("bob")
    key_id = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    for action in ("DeleteAccessKey", "GetAccessKeyLastUsed"):
        assert (
            ram_actions.error(root, action, UserName="bob", UserAccessKeyId=key_id)
            == "EntityNotExist.User.AccessKey"
        )
    assert ram_actions.error(root, "DeleteAccessKey", UserAccessKeyId=key_id) == (
        "EntityNotExist.User.AccessKey"
    )


def test_a_key_of_another_account_does_not_exist_here(
    ram_actions: Any,
    root: Caller,
    alice: User,
    other_account: Account,
    caller_for_root: Callable[[Account], Caller],
) -> None:
    key_id = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    stranger = caller_for_root(other_account)
    assert ram_actions.error(stranger, "DeleteAccessKey", UserAccessKeyId=key_id) == (
        "EntityNotExist.User.AccessKey"
    )


def test_delete_access_key_removes_it(
    ram: RamService, ram_actions: Any, root: Caller, alice: User
) -> None:
    key_id = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    assert ram_actions.call(root, "DeleteAccessKey", UserName="alice", UserAccessKeyId=key_id) == {}
    assert ram.store.resolve_access_key(key_id) is None


def test_get_access_key_last_used_reports_the_last_use(
    ram: RamService, ram_actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    key_id = ram_actions.call(root, "CreateAccessKey", UserName="alice")["AccessKey"]["AccessKeyId"]
    never = ram_actions.call(root, "GetAccessKeyLastUsed", UserName="alice", UserAccessKeyId=key_id)
    assert never == {"AccessKeyLastUsed": {"LastUsedDate": ""}}
    clock.advance(3600)
    on_trail(ram.store, call_event(user_caller(alice, key_id), "ListUsers", at=clock()))
    used = ram_actions.call(root, "GetAccessKeyLastUsed", UserName="alice", UserAccessKeyId=key_id)
    assert used == {"AccessKeyLastUsed": {"LastUsedDate": "2025-03-01T13:00:00Z"}}


def test_keys_of_an_unknown_user_are_entity_not_exist_user(ram_actions: Any, root: Caller) -> None:
    assert ram_actions.error(root, "CreateAccessKey", UserName="ghost") == ("EntityNotExist.User")


def test_a_ram_user_needs_permission_on_the_owning_users_arn(
    ram_actions: Any, alice_caller: Caller, make_user: Callable[[str], User]
) -> None:
    make_user("bob")
    assert ram_actions.error(alice_caller, "CreateAccessKey", UserName="bob") == ("NoPermission")
    assert ram_actions.error(alice_caller, "CreateAccessKey") == "NoPermission"
