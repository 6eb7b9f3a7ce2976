"""RAM users: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers (spec api.md §9.3).

User names are unique within an account regardless of letter case and keep the spelling they
were created with. A user cannot be deleted while anything still hangs on it (access keys, group
memberships, attached policies, a login profile, an MFA device): ``DeleteConflict.User.*``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.arns import every, user_arn
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.rendering import Body, iso8601, optional_iso8601, paged
from ramsts.store import Transaction, User

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

DISPLAY_NAME = TextRule(128)
COMMENTS = TextRule(128)
MOBILE_PHONE = TextRule(32, pattern=re.compile(r"[0-9]{1,4}-[0-9*]{4,20}"), invalid="Format")
"""``<country code>-<number>``, e.g. ``86-18600008888``."""
EMAIL = TextRule(128, pattern=re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+"), invalid="Format")


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


def _check_deletable(tx: Transaction, user: User) -> None:
    dependents = tx.users.dependents(user.user_id)
    name = user.user_name
    blockers = (
        (dependents.access_keys, "AccessKey", f"The user {name} still has access keys."),
        (dependents.groups, "Group", f"The user {name} still belongs to groups."),
        (dependents.policies, "Policy", f"The user {name} still has policies attached."),
        (dependents.login_profile, "LoginProfile", f"The user {name} still has a login profile."),
        (dependents.mfa_device, "MFADevice", f"The user {name} still has an MFA device bound."),
    )
    for present, entity, message in blockers:
        if present:
            raise DeleteConflict(f"User.{entity}", message)


def register(table: ActionTable, ram: RamService) -> None:
    def create_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("UserName", USER_NAME)
        fields = {
            "display_name": read.optional("DisplayName", DISPLAY_NAME) or "",
            "mobile_phone": read.optional("MobilePhone", MOBILE_PHONE) or "",
            "email": read.optional("Email", EMAIL) or "",
            "comments": read.optional("Comments", COMMENTS) or "",
        }
        account_id = principal.account_id
        ram.authorizer.require(principal, "ram:CreateUser", user_arn(account_id, name))
        with ram.transaction(account_id) as tx:
            if tx.users.count(account_id) >= ram.quotas.users:
                raise LimitExceeded(
                    "User", f"The account already has {ram.quotas.users} users, the most allowed."
                )
            user = tx.users.create(account_id, user_name=name, now=ram.now(), **fields)
        return {"User": render_user(user, created=True)}

    def get_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.read() as tx:
            user = ram.authorized(tx, principal, "ram:GetUser", USER, name)
        return {"User": render_user(user, last_login=True)}

    def update_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        """A rename needs ``ram:UpdateUser`` on the old name and on the new one: a user that
        may edit itself must not take the name (and what policies grant that name) of another."""
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("UserName", USER_NAME)
        new_name = read.optional("NewUserName", USER_NAME)
        new_display_name = read.optional("NewDisplayName", DISPLAY_NAME)
        new_mobile_phone = read.optional("NewMobilePhone", MOBILE_PHONE)
        new_email = read.optional("NewEmail", EMAIL)
        new_comments = read.optional("NewComments", COMMENTS)
        account_id = principal.account_id
        with ram.transaction(account_id) as tx:
            user = ram.authorized(tx, principal, "ram:UpdateUser", USER, name)
            changed = replace(
                user,
                user_name=ram.renamed(principal, "ram:UpdateUser", USER, user, new_name),
                display_name=new_display_name or user.display_name,
                mobile_phone=new_mobile_phone or user.mobile_phone,
                email=new_email or user.email,
                comments=new_comments or user.comments,
            )
            user = tx.users.update(changed, now=ram.now())
        return {"User": render_user(user)}

    def delete_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        account_id = principal.account_id
        with ram.transaction(account_id) as tx:
            user = ram.authorized(tx, principal, "ram:DeleteUser", USER, name)
            _check_deletable(tx, user)
            tx.users.delete(user.user_id)
        return {}

    def list_users(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        marker, max_items = read.raw("Marker"), read.max_items()
        ram.authorizer.require(principal, "ram:ListUsers", every(principal.account_id, "user"))
        with ram.read() as tx:
            page = tx.users.list(principal.account_id, marker=marker, max_items=max_items)
        return paged("Users", "User", page, render_user)

    table.add(ram.version, "CreateUser", create_user)
    table.add(ram.version, "GetUser", get_user)
    table.add(ram.version, "UpdateUser", update_user)
    table.add(ram.version, "DeleteUser", delete_user)
    table.add(ram.version, "ListUsers", list_users)
