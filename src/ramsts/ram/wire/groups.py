"""CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AddUserToGroup,
RemoveUserFromGroup, ListGroupsForUser, ListUsersForGroup on the wire (spec api.md §9.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import GROUP_NAME, USER_NAME
from ramsts.ram.groups import (
    LIST_GROUPS_MAX_ITEMS,
    GroupChange,
    GroupListing,
    Membership,
    NewGroup,
    add_user_to_group,
    create_group,
    delete_group,
    get_group,
    list_groups,
    list_groups_for_user,
    list_users_for_group,
    remove_user_from_group,
    update_group,
)
from ramsts.ram.listing import Listing
from ramsts.ram.rendering import Body, iso8601, paged, wrapped
from ramsts.ram.users import COMMENTS
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.users import listing, user_name
from ramsts.store import Group, GroupMember, GroupMembership, Page

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


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


def render_membership(membership: GroupMembership) -> Body:
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


def group_name(read: Parameters) -> str:
    return read.required("GroupName", GROUP_NAME)


def new_group(read: Parameters) -> NewGroup:
    name = read.required("GroupName", GROUP_NAME)
    return NewGroup(name, read.optional("Comments", COMMENTS) or "")


def group_change(read: Parameters) -> GroupChange:
    return GroupChange(
        group_name=read.required("GroupName", GROUP_NAME),
        new_group_name=read.optional("NewGroupName", GROUP_NAME),
        new_comments=read.optional("NewComments", COMMENTS),
    )


def groups_listing(read: Parameters) -> Listing:
    marker = read.raw("Marker")
    return Listing(marker, read.max_items(maximum=LIST_GROUPS_MAX_ITEMS))


def _membership(read: Parameters) -> Membership:
    name = read.required("GroupName", GROUP_NAME)
    return Membership(name, read.required("UserName", USER_NAME))


def members_listing(read: Parameters) -> GroupListing:
    name = read.required("GroupName", GROUP_NAME)
    return GroupListing(name, listing(read))


def _group(group: Group) -> Body:
    return {"Group": render_group(group)}


def _created(group: Group) -> Body:
    return {"Group": render_group(group, created=True)}


def _listed(page: Page[Group]) -> Body:
    return paged("Groups", "Group", page, render_group)


def _memberships(memberships: tuple[GroupMembership, ...]) -> Body:
    return wrapped("Groups", "Group", (render_membership(m) for m in memberships))


def _members(page: Page[GroupMember]) -> Body:
    return paged("Users", "User", page, _render_member)


ACTIONS = (
    RpcAction("CreateGroup", new_group, create_group, _created),
    RpcAction("GetGroup", group_name, get_group, _group),
    RpcAction("UpdateGroup", group_change, update_group, _group),
    RpcAction("DeleteGroup", group_name, delete_group, no_body),
    RpcAction("ListGroups", groups_listing, list_groups, _listed),
    RpcAction("AddUserToGroup", _membership, add_user_to_group, no_body),
    RpcAction("RemoveUserFromGroup", _membership, remove_user_from_group, no_body),
    RpcAction("ListGroupsForUser", user_name, list_groups_for_user, _memberships),
    RpcAction("ListUsersForGroup", members_listing, list_users_for_group, _members),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
