"""Groups and membership: CreateGroup … ListUsersForGroup, their limits and conflicts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ramsts.caller import Caller
from ramsts.ram.quotas import Quotas
from ramsts.ram.service import RamService
from ramsts.store import Account, User


def test_create_and_get_a_group(ram_actions: Any, root: Caller, clock: Any) -> None:
    created = ram_actions.call(root, "CreateGroup", GroupName="Devs", Comments="developers")
    assert created["Group"]["GroupName"] == "Devs"
    assert created["Group"]["GroupId"].isdigit()
    assert created["Group"]["CreateDate"] == "2025-03-01T12:00:00Z"
    assert "UpdateDate" not in created["Group"]
    got = ram_actions.call(root, "GetGroup", GroupName="devs")["Group"]
    assert got == {**created["Group"], "UpdateDate": "2025-03-01T12:00:00Z"}


def test_group_names_are_checked_and_unique(ram_actions: Any, root: Caller) -> None:
    assert ram_actions.error(root, "CreateGroup") == "MissingParameter"
    assert ram_actions.error(root, "CreateGroup", GroupName="a b") == (
        "InvalidParameter.GroupName.InvalidChars"
    )
    assert ram_actions.error(root, "CreateGroup", GroupName="g" * 65) == (
        "InvalidParameter.GroupName.Length"
    )
    ram_actions.call(root, "CreateGroup", GroupName="devs")
    assert ram_actions.error(root, "CreateGroup", GroupName="DEVS") == "EntityAlreadyExists.Group"


def test_the_number_of_groups_is_limited(
    ram: RamService, root: Caller, actions_for: Callable[[RamService], Any]
) -> None:
    actions = actions_for(replace(ram, quotas=Quotas(groups=1)))
    actions.call(root, "CreateGroup", GroupName="one")
    assert actions.error(root, "CreateGroup", GroupName="two") == "LimitExceeded.Group"


def test_update_group_renames_and_recomments(ram_actions: Any, root: Caller, clock: Any) -> None:
    ram_actions.call(root, "CreateGroup", GroupName="devs", Comments="old")
    clock.advance(5)
    group = ram_actions.call(
        root, "UpdateGroup", GroupName="devs", NewGroupName="builders", NewComments="new"
    )["Group"]
    assert (group["GroupName"], group["Comments"]) == ("builders", "new")
    assert group["UpdateDate"] == "2025-03-01T12:00:05Z"
    assert ram_actions.error(root, "GetGroup", GroupName="devs") == "EntityNotExist.Group"


def test_membership_is_listed_from_both_sides(
    ram_actions: Any, root: Caller, make_user: Callable[[str], User]
) -> None:
    alice = make_user("alice")
    make_user("bob")
    ram_actions.call(root, "CreateGroup", GroupName="devs", Comments="d")
    ram_actions.call(root, "CreateGroup", GroupName="ops")
    for user, group in (("alice", "devs"), ("alice", "ops"), ("bob", "devs")):
        assert ram_actions.call(root, "AddUserToGroup", UserName=user, GroupName=group) == {}
    groups = ram_actions.call(root, "ListGroupsForUser", UserName="alice")["Groups"]["Group"]
    assert [g["GroupName"] for g in groups] == ["devs", "ops"]
    assert groups[0]["Comments"] == "d"
    assert groups[0]["JoinDate"] == "2025-03-01T12:00:00Z"
    members = ram_actions.call(root, "ListUsersForGroup", GroupName="devs")
    assert [u["UserName"] for u in members["Users"]["User"]] == ["alice", "bob"]
    assert members["Users"]["User"][0]["UserId"] == alice.user_id
    assert members["IsTruncated"] is False


def test_list_users_for_group_is_paginated(
    ram_actions: Any, root: Caller, make_user: Callable[[str], User]
) -> None:
    ram_actions.call(root, "CreateGroup", GroupName="devs")
    for name in ("u1", "u2", "u3"):
        make_user(name)
        ram_actions.call(root, "AddUserToGroup", UserName=name, GroupName="devs")
    first = ram_actions.call(root, "ListUsersForGroup", GroupName="devs", MaxItems="2")
    assert first["IsTruncated"] is True
    rest = ram_actions.call(
        root, "ListUsersForGroup", GroupName="devs", MaxItems="2", Marker=first["Marker"]
    )
    names = [u["UserName"] for u in first["Users"]["User"] + rest["Users"]["User"]]
    assert names == ["u1", "u2", "u3"]
    assert "Marker" not in rest


def test_list_groups_is_paginated_up_to_100_items(ram_actions: Any, root: Caller) -> None:
    for name in ("c", "a", "b"):
        ram_actions.call(root, "CreateGroup", GroupName=name)
    first = ram_actions.call(root, "ListGroups", MaxItems="1")
    assert [g["GroupName"] for g in first["Groups"]["Group"]] == ["a"]
    rest = ram_actions.call(root, "ListGroups", Marker=first["Marker"])
    assert [g["GroupName"] for g in rest["Groups"]["Group"]] == ["b", "c"]
    assert ram_actions.error(root, "ListGroups", MaxItems="101") == "InvalidParameter.MaxItems"


def test_adding_twice_and_removing_a_non_member_are_refused(
    ram_actions: Any, root: Caller, alice: User
) -> None:
    ram_actions.call(root, "CreateGroup", GroupName="devs")
    ram_actions.call(root, "AddUserToGroup", UserName="alice", GroupName="devs")
    assert ram_actions.error(root, "AddUserToGroup", UserName="alice", GroupName="devs") == (
        "EntityAlreadyExists.User.Group"
    )
    ram_actions.call(root, "RemoveUserFromGroup", UserName="alice", GroupName="devs")
    assert ram_actions.error(root, "RemoveUserFromGroup", UserName="alice", GroupName="devs") == (
        "EntityNotExist.User.Group"
    )
    assert ram_actions.error(root, "AddUserToGroup", UserName="ghost", GroupName="devs") == (
        "EntityNotExist.User"
    )
    assert ram_actions.error(root, "AddUserToGroup", UserName="alice", GroupName="ghosts") == (
        "EntityNotExist.Group"
    )


def test_a_user_may_be_in_five_groups(ram_actions: Any, root: Caller, alice: User) -> None:
    for index in range(6):
        ram_actions.call(root, "CreateGroup", GroupName=f"g{index}")
    for index in range(5):
        ram_actions.call(root, "AddUserToGroup", UserName="alice", GroupName=f"g{index}")
    assert ram_actions.error(root, "AddUserToGroup", UserName="alice", GroupName="g5") == (
        "LimitExceeded.User.Group"
    )
    assert (
        len(ram_actions.call(root, "ListGroupsForUser", UserName="alice")["Groups"]["Group"]) == 5
    )


def test_a_group_with_members_or_policies_cannot_be_deleted(
    ram: RamService, ram_actions: Any, root: Caller, alice: User, grant: Callable[..., None]
) -> None:
    group_id = ram_actions.call(root, "CreateGroup", GroupName="devs")["Group"]["GroupId"]
    ram_actions.call(root, "AddUserToGroup", UserName="alice", GroupName="devs")
    assert ram_actions.error(root, "DeleteGroup", GroupName="devs") == "DeleteConflict.Group.User"
    ram_actions.call(root, "RemoveUserFromGroup", UserName="alice", GroupName="devs")
    grant("Group", group_id, root.account_id, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert ram_actions.error(root, "DeleteGroup", GroupName="devs") == "DeleteConflict.Group.Policy"
    with ram.store.transaction() as tx:
        for attached in tx.attachments.list_for("Group", group_id, account_id=root.account_id):
            tx.attachments.detach("Group", group_id, attached.policy.policy_id)
    assert ram_actions.call(root, "DeleteGroup", GroupName="devs") == {}
    assert ram_actions.call(root, "ListGroups")["Groups"] == {"Group": []}


def test_joining_a_group_grants_its_policies_at_once(
    ram_actions: Any, root: Caller, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    group_id = ram_actions.call(root, "CreateGroup", GroupName="readers")["Group"]["GroupId"]
    grant(
        "Group",
        group_id,
        root.account_id,
        {"Effect": "Allow", "Action": "ram:List*", "Resource": "*"},
    )
    assert ram_actions.error(alice_caller, "ListGroups") == "NoPermission"
    ram_actions.call(root, "AddUserToGroup", UserName="alice", GroupName="readers")
    assert len(ram_actions.call(alice_caller, "ListGroups")["Groups"]["Group"]) == 1
    ram_actions.call(root, "RemoveUserFromGroup", UserName="alice", GroupName="readers")
    assert ram_actions.error(alice_caller, "ListGroups") == "NoPermission"


def test_groups_of_another_account_are_invisible(
    ram_actions: Any,
    root: Caller,
    other_account: Account,
    caller_for_root: Callable[[Account], Caller],
) -> None:
    ram_actions.call(root, "CreateGroup", GroupName="devs")
    other = caller_for_root(other_account)
    assert ram_actions.call(other, "ListGroups")["Groups"]["Group"] == []
    assert ram_actions.error(other, "GetGroup", GroupName="devs") == "EntityNotExist.Group"
