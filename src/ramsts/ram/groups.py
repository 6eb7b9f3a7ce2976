"""RAM groups and their members: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser, ListUsersForGroup (spec api.md §9.2).

A group's policies apply to each of its members, so every change of membership takes effect for
authorization as soon as it commits (``RamService.transaction`` invalidates the account's cache).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, EntityNotExist, LimitExceeded
from ramsts.parameters import Parameters
from ramsts.ram.arns import every, group_arn
from ramsts.ram.entities import GROUP, GROUP_NAME, USER, USER_NAME
from ramsts.ram.rendering import Body, iso8601, paged, wrapped
from ramsts.ram.users import COMMENTS
from ramsts.store import Group, GroupMember, GroupMembership, Transaction, User

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

LIST_GROUPS_MAX_ITEMS = 100
"""ListGroups documents MaxItems 1–100, unlike the other listings' 1–1000."""


def render_group(group: Group, *, created: bool = False) -> Body:
    """The Group object; CreateGroup's has no ``UpdateDate``."""
    body: Body = {
        "GroupId": group.group_id,
        "GroupName": group.group_name,
        "Comments": group.comments,
        "CreateDate": iso8601(group.created_at),
    }
    if not created:
        body["UpdateDate"] = iso8601(group.updated_at)
    return body


def _render_membership(membership: GroupMembership) -> Body:
    group = membership.group
    return {
        "GroupId": group.group_id,
        "GroupName": group.group_name,
        "Comments": group.comments,
        "JoinDate": iso8601(membership.joined_at),
    }


def _render_member(member: GroupMember) -> Body:
    return {
        "UserId": member.user.user_id,
        "UserName": member.user.user_name,
        "DisplayName": member.user.display_name,
        "JoinDate": iso8601(member.joined_at),
    }


def _check_deletable(tx: Transaction, group: Group) -> None:
    if tx.groups.count_members(group.group_id):
        raise DeleteConflict("Group.User", f"The group {group.group_name} still has members.")
    if tx.groups.count_policies(group.group_id):
        raise DeleteConflict(
            "Group.Policy", f"The group {group.group_name} still has policies attached."
        )


def register(table: ActionTable, ram: RamService) -> None:
    def create_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("GroupName", GROUP_NAME)
        comments = read.optional("Comments", COMMENTS) or ""
        account_id = principal.account_id
        ram.authorizer.require(principal, "ram:CreateGroup", group_arn(account_id, name))
        with ram.transaction(account_id) as tx:
            if tx.groups.count(account_id) >= ram.quotas.groups:
                raise LimitExceeded(
                    "Group",
                    f"The account already has {ram.quotas.groups} groups, the most allowed.",
                )
            group = tx.groups.create(account_id, group_name=name, comments=comments, now=ram.now())
        return {"Group": render_group(group, created=True)}

    def get_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("GroupName", GROUP_NAME)
        with ram.read() as tx:
            group = ram.authorized(tx, principal, "ram:GetGroup", GROUP, name)
        return {"Group": render_group(group)}

    def update_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        """A rename needs ``ram:UpdateGroup`` on the old name and on the new one."""
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("GroupName", GROUP_NAME)
        new_name = read.optional("NewGroupName", GROUP_NAME)
        new_comments = read.optional("NewComments", COMMENTS)
        with ram.transaction(principal.account_id) as tx:
            group = ram.authorized(tx, principal, "ram:UpdateGroup", GROUP, name)
            changed = replace(
                group,
                group_name=ram.renamed(principal, "ram:UpdateGroup", GROUP, group, new_name),
                comments=new_comments if new_comments is not None else group.comments,
            )
            group = tx.groups.update(changed, now=ram.now())
        return {"Group": render_group(group)}

    def delete_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("GroupName", GROUP_NAME)
        with ram.transaction(principal.account_id) as tx:
            group = ram.authorized(tx, principal, "ram:DeleteGroup", GROUP, name)
            _check_deletable(tx, group)
            tx.groups.delete(group.group_id)
        return {}

    def list_groups(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        marker = read.raw("Marker")
        max_items = read.max_items(maximum=LIST_GROUPS_MAX_ITEMS)
        ram.authorizer.require(principal, "ram:ListGroups", every(principal.account_id, "group"))
        with ram.read() as tx:
            page = tx.groups.list(principal.account_id, marker=marker, max_items=max_items)
        return paged("Groups", "Group", page, render_group)

    def membership(
        tx: Transaction, principal: Caller, action: str, params: Mapping[str, str]
    ) -> tuple[Group, User]:
        """The group and the user a change of membership touches; the action needs permission
        on both (the real service's AddUserToGroup and RemoveUserFromGroup name both)."""
        read = Parameters(params)
        group_name = read.required("GroupName", GROUP_NAME)
        user_name = read.required("UserName", USER_NAME)
        group = ram.authorized(tx, principal, action, GROUP, group_name)
        return group, ram.authorized(tx, principal, action, USER, user_name)

    def add_user_to_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        limit = ram.quotas.groups_per_user
        with ram.transaction(principal.account_id) as tx:
            group, user = membership(tx, principal, "ram:AddUserToGroup", params)
            if tx.groups.count_for_user(user.user_id) >= limit:
                raise LimitExceeded(
                    "User.Group", f"The user {user.user_name} is already in {limit} groups."
                )
            tx.groups.add_member(group, user.user_id, now=ram.now())
        return {}

    def remove_user_from_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        with ram.transaction(principal.account_id) as tx:
            group, user = membership(tx, principal, "ram:RemoveUserFromGroup", params)
            if not tx.groups.remove_member(group.group_id, user.user_id):
                raise EntityNotExist(
                    "User.Group",
                    f"The user {user.user_name} is not a member of the group {group.group_name}.",
                )
        return {}

    def list_groups_for_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.read() as tx:
            user = ram.authorized(tx, principal, "ram:ListGroupsForUser", USER, name)
            memberships = tx.groups.list_for_user(user.user_id)
        return wrapped("Groups", "Group", (_render_membership(m) for m in memberships))

    def list_users_for_group(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("GroupName", GROUP_NAME)
        marker, max_items = read.raw("Marker"), read.max_items()
        with ram.read() as tx:
            group = ram.authorized(tx, principal, "ram:ListUsersForGroup", GROUP, name)
            page = tx.groups.list_members(group.group_id, marker=marker, max_items=max_items)
        return paged("Users", "User", page, _render_member)

    table.add(ram.version, "CreateGroup", create_group)
    table.add(ram.version, "GetGroup", get_group)
    table.add(ram.version, "UpdateGroup", update_group)
    table.add(ram.version, "DeleteGroup", delete_group)
    table.add(ram.version, "ListGroups", list_groups)
    table.add(ram.version, "AddUserToGroup", add_user_to_group)
    table.add(ram.version, "RemoveUserFromGroup", remove_user_from_group)
    table.add(ram.version, "ListGroupsForUser", list_groups_for_user)
    table.add(ram.version, "ListUsersForGroup", list_users_for_group)
