"""CreateRole, GetRole, UpdateRole, DeleteRole, ListRoles on the wire (spec api.md §9.3
"Roles")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import ROLE_REFERENCE
from ramsts.ram.listing import Listing, TaggedPage
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.roles import (
    DESCRIPTION,
    MAX_SESSION_DURATION,
    MIN_SESSION_DURATION,
    ROLE_NAME,
    NewRole,
    RoleChange,
    RoleListing,
    create_role,
    delete_role,
    get_role,
    list_roles,
    role_principal_name,
    update_role,
)
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.tags import read_tag_filter, render_tags
from ramsts.store import Role

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_role(role: Role) -> Body:
    """The fields CreateRole answers with; the other actions add to them."""
    return {
        "RoleId": role.role_id,
        "RoleName": role.role_name,
        "Arn": role.arn,
        "Description": role.description,
        "AssumeRolePolicyDocument": role.assume_role_policy_document,
        "MaxSessionDuration": role.max_session_duration,
        "AllowConsoleLogin": role.allow_console_login,
        "CreateDate": iso8601(role.created_at),
    }


def render_full_role(role: Role) -> Body:
    """GetRole's role: everything RAM knows about it."""
    return {
        **render_role(role),
        "UpdateDate": iso8601(role.updated_at),
        "IsServiceLinkedRole": role.is_service_linked_role,
        "RolePrincipalName": role_principal_name(role),
    }


def role_name(read: Parameters) -> str:
    return read.required("RoleName", ROLE_REFERENCE)


def _new_role(read: Parameters) -> NewRole:
    name = read.required("RoleName", ROLE_NAME)
    document = read.required("AssumeRolePolicyDocument")
    description = read.optional("Description", DESCRIPTION) or ""
    max_session_duration = read.integer(
        "MaxSessionDuration",
        default=MIN_SESSION_DURATION,
        minimum=MIN_SESSION_DURATION,
        maximum=MAX_SESSION_DURATION,
    )
    allow_console_login = read.boolean("AllowConsoleLogin", default=False)
    return NewRole(
        role_name=name,
        assume_role_policy_document=document,
        description=description,
        max_session_duration=max_session_duration or MIN_SESSION_DURATION,
        allow_console_login=allow_console_login,
        tags=tuple(read.tags("Tag")),
    )


def _role_change(read: Parameters) -> RoleChange:
    name = read.required("RoleName", ROLE_REFERENCE)
    document = read.optional("NewAssumeRolePolicyDocument")
    description = read.optional("NewDescription", DESCRIPTION)
    max_session_duration = read.integer(
        "NewMaxSessionDuration", minimum=MIN_SESSION_DURATION, maximum=MAX_SESSION_DURATION
    )
    allow_console_login = (
        read.boolean("NewAllowConsoleLogin", default=False)
        if "NewAllowConsoleLogin" in read
        else None
    )
    return RoleChange(name, document, description, max_session_duration, allow_console_login)


def _role_listing(read: Parameters) -> RoleListing:
    marker = read.optional("Marker")
    listing = Listing(marker, read.max_items())
    return RoleListing(listing, read_tag_filter(read))


def _created(role: Role) -> Body:
    return {"Role": render_role(role)}


def _found(role: Role) -> Body:
    return {"Role": render_full_role(role)}


def _changed(role: Role) -> Body:
    return {"Role": {**render_role(role), "UpdateDate": iso8601(role.updated_at)}}


def _listed(roles: TaggedPage[Role]) -> Body:
    def listed(role: Role) -> Body:
        body = render_role(role)
        del body["AssumeRolePolicyDocument"]
        return {
            **body,
            "UpdateDate": iso8601(role.updated_at),
            **render_tags(roles.tags.get(role.role_id, [])),
        }

    return paged("Roles", "Role", roles.page, listed)


ACTIONS = (
    RpcAction("CreateRole", _new_role, create_role, _created),
    RpcAction("GetRole", role_name, get_role, _found),
    RpcAction("UpdateRole", _role_change, update_role, _changed),
    RpcAction("DeleteRole", role_name, delete_role, no_body),
    RpcAction("ListRoles", _role_listing, list_roles, _listed),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
