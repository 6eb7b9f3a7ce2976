"""CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers on the wire (spec api.md §9.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import USER_NAME
from ramsts.ram.listing import Listing
from ramsts.ram.rendering import Body, iso8601, optional_iso8601, paged
from ramsts.ram.users import (
    COMMENTS,
    DISPLAY_NAME,
    EMAIL,
    MOBILE_PHONE,
    NewUser,
    UserChange,
    create_user,
    delete_user,
    get_user,
    list_users,
    update_user,
)
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import Page, User

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_user(user: User, *, created: bool = False, last_login: bool = False) -> Body:
    """The User object: CreateUser's has no ``UpdateDate``; GetUser's adds ``LastLoginDate``."""
    body: Body = {
        "UserId": user.user_id,
        "UserName": user.user_name,
        "DisplayName": user.display_name,
        "Email": user.email,
        "MobilePhone": user.mobile_phone,
        "Comments": user.comments,
        "CreateDate": iso8601(user.created_at),
    }
    if not created:
        body["UpdateDate"] = iso8601(user.updated_at)
    if last_login:
        body["LastLoginDate"] = optional_iso8601(user.last_login_at)
    return body


def user_name(read: Parameters) -> str:
    return read.required("UserName", USER_NAME)


def listing(read: Parameters) -> Listing:
    marker = read.raw("Marker")
    return Listing(marker, read.max_items())


def _new_user(read: Parameters) -> NewUser:
    return NewUser(
        user_name=read.required("UserName", USER_NAME),
        display_name=read.optional("DisplayName", DISPLAY_NAME) or "",
        mobile_phone=read.optional("MobilePhone", MOBILE_PHONE) or "",
        email=read.optional("Email", EMAIL) or "",
        comments=read.optional("Comments", COMMENTS) or "",
    )


def _user_change(read: Parameters) -> UserChange:
    return UserChange(
        user_name=read.required("UserName", USER_NAME),
        new_user_name=read.optional("NewUserName", USER_NAME),
        new_display_name=read.optional("NewDisplayName", DISPLAY_NAME),
        new_mobile_phone=read.optional("NewMobilePhone", MOBILE_PHONE),
        new_email=read.optional("NewEmail", EMAIL),
        new_comments=read.optional("NewComments", COMMENTS),
    )


def _created(user: User) -> Body:
    return {"User": render_user(user, created=True)}


def _found(user: User) -> Body:
    return {"User": render_user(user, last_login=True)}


def _changed(user: User) -> Body:
    return {"User": render_user(user)}


def _listed(page: Page[User]) -> Body:
    return paged("Users", "User", page, render_user)


ACTIONS = (
    RpcAction("CreateUser", _new_user, create_user, _created),
    RpcAction("GetUser", user_name, get_user, _found),
    RpcAction("UpdateUser", _user_change, update_user, _changed),
    RpcAction("DeleteUser", user_name, delete_user, no_body),
    RpcAction("ListUsers", listing, list_users, _listed),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
