"""CreateLoginProfile, GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile on the wire
(spec api.md §9.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import USER_NAME
from ramsts.ram.login_profiles import (
    LoginProfileChange,
    NewLoginProfile,
    UserLoginProfile,
    create_login_profile,
    delete_login_profile,
    get_login_profile,
    update_login_profile,
)
from ramsts.ram.passwords import PASSWORD
from ramsts.ram.rendering import Body, iso8601
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.users import user_name
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_login_profile(found: UserLoginProfile) -> Body:
    profile = found.profile
    return {
        "LoginProfile": {
            "UserName": found.user.user_name,
            "PasswordResetRequired": profile.password_reset_required,
            "MFABindRequired": profile.mfa_bind_required,
            "CreateDate": iso8601(profile.created_at),
        }
    }


def _new_login_profile(read: Parameters) -> NewLoginProfile:
    return NewLoginProfile(
        user_name=read.required("UserName", USER_NAME),
        password=Secret(read.required("Password", PASSWORD)),
        password_reset_required=read.boolean("PasswordResetRequired", default=False),
        mfa_bind_required=read.boolean("MFABindRequired", default=False),
    )


def _login_profile_change(read: Parameters) -> LoginProfileChange:
    """Only the settings the request names change."""
    name = read.required("UserName", USER_NAME)
    password = read.optional("Password", PASSWORD)
    return LoginProfileChange(
        user_name=name,
        password=None if password is None else Secret(password),
        password_reset_required=_flag(read, "PasswordResetRequired"),
        mfa_bind_required=_flag(read, "MFABindRequired"),
    )


def _flag(read: Parameters, name: str) -> bool | None:
    return read.boolean(name, default=False) if name in read else None


ACTIONS = (
    RpcAction("CreateLoginProfile", _new_login_profile, create_login_profile, render_login_profile),
    RpcAction("GetLoginProfile", user_name, get_login_profile, render_login_profile),
    RpcAction("UpdateLoginProfile", _login_profile_change, update_login_profile, no_body),
    RpcAction("DeleteLoginProfile", user_name, delete_login_profile, no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
