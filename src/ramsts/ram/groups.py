"""RAM groups and their members: create, read, change, delete and list groups, add users to
them and remove them, list a user's groups and a group's users (spec api.md §9.2).

A group's policies apply to each of its members, so every change of membership takes effect for
authorization as soon as it commits (``RamService.transaction`` invalidates the account's cache).

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given (``within``) or their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, EntityNotExist, LimitExceeded
from ramsts.parameters import optional_text, required_text
from ramsts.ram.arns import every, group_arn
from ramsts.ram.entities import GROUP, GROUP_NAME, USER, USER_NAME
from ramsts.ram.listing import Listing
from ramsts.ram.users import COMMENTS
from ramsts.store import Group, GroupMember, GroupMembership, Page, Transaction, User

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

LIST_GROUPS_MAX_ITEMS = 100
"""ListGroups documents MaxItems 1–100, unlike the other listings' 1–1000."""


@dataclass(frozen=True, slots=True)
class NewGroup:
    group_name: str
    comments: str = ""

    def __post_init__(self) -> None:
        required_text("GroupName", self.group_name, GROUP_NAME)
        optional_text("Comments", self.comments, COMMENTS)


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What to change of group ``group_name``; ``None`` keeps a field as it is."""

    group_name: str
    new_group_name: str | None = None
    new_comments: str | None = None

    def __post_init__(self) -> None:
        required_text("GroupName", self.group_name, GROUP_NAME)
        optional_text("NewGroupName", self.new_group_name, GROUP_NAME)
        optional_text("NewComments", self.new_comments, COMMENTS)


@dataclass(frozen=True, slots=True)
class Membership:
    """User ``user_name`` in group ``group_name``."""

    group_name: str
    user_name: str

    def __post_init__(self) -> None:
        required_text("GroupName", self.group_name, GROUP_NAME)
        required_text("UserName", self.user_name, USER_NAME)


@dataclass(frozen=True, slots=True)
class GroupListing:
    """A page of group ``group_name``'s members."""

    group_name: str
    listing: Listing = field(default_factory=Listing)

    def __post_init__(self) -> None:
        required_text("GroupName", self.group_name, GROUP_NAME)


def create_group(
    ram: RamService, caller: Caller, new: NewGroup, within: Transaction | None = None
) -> Group:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:CreateGroup", group_arn(account_id, new.group_name))
    with ram.transaction(account_id, within=within) as tx:
        if tx.groups.count(account_id) >= ram.quotas.groups:
            raise LimitExceeded(
                "Group", f"The account already has {ram.quotas.groups} groups, the most allowed."
            )
        return tx.groups.create(
            account_id, group_name=new.group_name, comments=new.comments, now=ram.now()
        )


def get_group(
    ram: RamService, caller: Caller, group_name: str, within: Transaction | None = None
) -> Group:
    required_text("GroupName", group_name, GROUP_NAME)
    with ram.read(within=within) as tx:
        return ram.authorized(tx, caller, "ram:GetGroup", GROUP, group_name)


def update_group(
    ram: RamService, caller: Caller, change: GroupChange, within: Transaction | None = None
) -> Group:
    """A rename needs ``ram:UpdateGroup`` on the old name and on the new one."""
    with ram.transaction(caller.account_id, within=within) as tx:
        group = ram.authorized(tx, caller, "ram:UpdateGroup", GROUP, change.group_name)
        new_name = change.new_group_name or None
        changed = replace(
            group,
            group_name=ram.renamed(caller, "ram:UpdateGroup", GROUP, group, new_name),
            comments=change.new_comments if change.new_comments is not None else group.comments,
        )
        return tx.groups.update(changed, now=ram.now())


def delete_group(
    ram: RamService, caller: Caller, group_name: str, within: Transaction | None = None
) -> None:
    required_text("GroupName", group_name, GROUP_NAME)
    with ram.transaction(caller.account_id, within=within) as tx:
        group = ram.authorized(tx, caller, "ram:DeleteGroup", GROUP, group_name)
        _check_deletable(tx, group)
        tx.groups.delete(group.group_id)


def list_groups(
    ram: RamService, caller: Caller, listing: Listing, within: Transaction | None = None
) -> Page[Group]:
    listing.check(LIST_GROUPS_MAX_ITEMS)
    ram.authorizer.require(caller, "ram:ListGroups", every(caller.account_id, "group"))
    with ram.read(within=within) as tx:
        return tx.groups.list(caller.account_id, marker=listing.marker, max_items=listing.max_items)


def add_user_to_group(
    ram: RamService, caller: Caller, membership: Membership, within: Transaction | None = None
) -> None:
    limit = ram.quotas.groups_per_user
    with ram.transaction(caller.account_id, within=within) as tx:
        group, user = _membership(ram, tx, caller, "ram:AddUserToGroup", membership)
        if tx.groups.count_for_user(user.user_id) >= limit:
            raise LimitExceeded(
                "User.Group", f"The user {user.user_name} is already in {limit} groups."
            )
        tx.groups.add_member(group, user.user_id, now=ram.now())


def remove_user_from_group(
    ram: RamService, caller: Caller, membership: Membership, within: Transaction | None = None
) -> None:
    with ram.transaction(caller.account_id, within=within) as tx:
        group, user = _membership(ram, tx, caller, "ram:RemoveUserFromGroup", membership)
        if not tx.groups.remove_member(group.group_id, user.user_id):
            raise EntityNotExist(
                "User.Group",
                f"The user {user.user_name} is not a member of the group {group.group_name}.",
            )


def list_groups_for_user(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> tuple[GroupMembership, ...]:
    required_text("UserName", user_name, USER_NAME)
    with ram.read(within=within) as tx:
        user = ram.authorized(tx, caller, "ram:ListGroupsForUser", USER, user_name)
        return tuple(tx.groups.list_for_user(user.user_id))


def list_users_for_group(
    ram: RamService, caller: Caller, asked: GroupListing, within: Transaction | None = None
) -> Page[GroupMember]:
    listing = asked.listing
    with ram.read(within=within) as tx:
        group = ram.authorized(tx, caller, "ram:ListUsersForGroup", GROUP, asked.group_name)
        return tx.groups.list_members(
            group.group_id, marker=listing.marker, max_items=listing.max_items
        )


def _membership(
    ram: RamService, tx: Transaction, caller: Caller, action: str, membership: Membership
) -> tuple[Group, User]:
    """The group and the user a change of membership touches; the action needs permission on
    both (the real service's AddUserToGroup and RemoveUserFromGroup name both)."""
    group = ram.authorized(tx, caller, action, GROUP, membership.group_name)
    return group, ram.authorized(tx, caller, action, USER, membership.user_name)


def _check_deletable(tx: Transaction, group: Group) -> None:
    if tx.groups.count_members(group.group_id):
        raise DeleteConflict("Group.User", f"The group {group.group_name} still has members.")
    if tx.groups.count_policies(group.group_id):
        raise DeleteConflict(
            "Group.Policy", f"The group {group.group_name} still has policies attached."
        )
