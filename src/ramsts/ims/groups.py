"""CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AddUserToGroup,
RemoveUserFromGroup, ListGroupsForUser, ListUsersForGroup (Ims): RAM's groups
(:mod:`ramsts.ram.groups`), their members named by UserPrincipalName.

Authorized as ``ram:<Action>`` on the group's ARN (a membership on the group's and the user's),
and refused as RAM's are. ramsts keeps no display name on groups: a ``DisplayName`` or
``NewDisplayName`` is refused (``InvalidParameter.DisplayName``) rather than dropped, and a
group's ``DisplayName`` is always empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.ims.principal_names import (
    PrincipalName,
    default_domain,
    principal_name,
    render_principal_name,
    user_name_in,
)
from ramsts.parameters import Parameters
from ramsts.products import IMS
from ramsts.ram.entities import GROUP_NAME
from ramsts.ram.groups import (
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
from ramsts.ram.rendering import Body, iso8601, paged, wrapped
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.groups import (
    group_change,
    group_name,
    groups_listing,
    members_listing,
    new_group,
    render_membership,
)
from ramsts.store import Group, GroupMember, GroupMembership, Page, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_group(group: Group) -> Body:
    return {
        "GroupId": group.group_id,
        "GroupName": group.group_name,
        "DisplayName": "",
        "Comments": group.comments,
        "CreateDate": iso8601(group.created_at),
        "UpdateDate": iso8601(group.updated_at),
    }


def _refuse_display_name(read: Parameters, name: str) -> None:
    if name in read:
        raise InvalidParameter(
            "DisplayName",
            f"ramsts keeps no display name on groups: the parameter {name} is not accepted.",
        )


def _new_group(read: Parameters) -> NewGroup:
    new = new_group(read)
    _refuse_display_name(read, "DisplayName")
    return new


def _group_change(read: Parameters) -> GroupChange:
    change = group_change(read)
    _refuse_display_name(read, "NewDisplayName")
    return change


@dataclass(frozen=True, slots=True)
class ImsMembership:
    group_name: str
    member: PrincipalName


def _membership(read: Parameters) -> ImsMembership:
    name = read.required("GroupName", GROUP_NAME)
    member = principal_name("UserPrincipalName", read.required("UserPrincipalName"))
    return ImsMembership(name, member)


def _member_name(read: Parameters) -> PrincipalName:
    return principal_name("UserPrincipalName", read.required("UserPrincipalName"))


def _ram_membership(tx: Transaction, caller: Caller, asked: ImsMembership) -> Membership:
    return Membership(asked.group_name, user_name_in(tx, caller.account_id, asked.member))


def _add(ram: RamService, caller: Caller, asked: ImsMembership) -> None:
    with ram.transaction(caller.account_id) as tx:
        add_user_to_group(ram, caller, _ram_membership(tx, caller, asked), within=tx)


def _remove(ram: RamService, caller: Caller, asked: ImsMembership) -> None:
    with ram.transaction(caller.account_id) as tx:
        remove_user_from_group(ram, caller, _ram_membership(tx, caller, asked), within=tx)


def _groups_for_user(
    ram: RamService, caller: Caller, member: PrincipalName
) -> tuple[GroupMembership, ...]:
    with ram.read() as tx:
        name = user_name_in(tx, caller.account_id, member)
        return list_groups_for_user(ram, caller, name, within=tx)


@dataclass(frozen=True, slots=True)
class ImsMembers:
    page: Page[GroupMember]
    domain: str


def _users_for_group(ram: RamService, caller: Caller, asked: GroupListing) -> ImsMembers:
    with ram.read() as tx:
        page = list_users_for_group(ram, caller, asked, within=tx)
        return ImsMembers(page, default_domain(tx, caller.account_id))


def _group(group: Group) -> Body:
    return {"Group": render_group(group)}


def _listed(page: Page[Group]) -> Body:
    return paged("Groups", "Group", page, render_group)


def _memberships(memberships: tuple[GroupMembership, ...]) -> Body:
    rendered = ({**render_membership(m), "DisplayName": ""} for m in memberships)
    return wrapped("Groups", "Group", rendered)


def _members(members: ImsMembers) -> Body:
    def render(member: GroupMember) -> Body:
        return {
            "UserId": member.user.user_id,
            "UserPrincipalName": render_principal_name(member.user.user_name, members.domain),
            "DisplayName": member.user.display_name,
            "JoinDate": iso8601(member.joined_at),
        }

    return paged("Users", "User", members.page, render)


ACTIONS = (
    RpcAction("CreateGroup", _new_group, create_group, _group),
    RpcAction("GetGroup", group_name, get_group, _group),
    RpcAction("UpdateGroup", _group_change, update_group, _group),
    RpcAction("DeleteGroup", group_name, delete_group, no_body),
    RpcAction("ListGroups", groups_listing, list_groups, _listed),
    RpcAction("AddUserToGroup", _membership, _add, no_body),
    RpcAction("RemoveUserFromGroup", _membership, _remove, no_body),
    RpcAction("ListGroupsForUser", _member_name, _groups_for_user, _memberships),
    RpcAction("ListUsersForGroup", members_listing, _users_for_group, _members),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
