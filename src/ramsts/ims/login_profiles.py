"""CreateLoginProfile, GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile (Ims): RAM's
login profiles (:mod:`ramsts.ram.login_profiles`), the user named by its UserPrincipalName.

Authorized as ``ram:<Action>`` on the user's ARN, checked against the password policy, and
refused (``EntityNotExist.User.LoginProfile``, ``EntityAlreadyExists.User.LoginProfile``) as
RAM's are. A ramsts login profile is always enabled: ``Status`` may be given as ``Active``
only (``InvalidParameter.Status`` otherwise), and every answer says ``Active``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.ims.principal_names import (
    PrincipalName,
    default_domain,
    principal_name,
    render_principal_name,
    user_name_in,
)
from ramsts.parameters import Parameters, missing_parameter
from ramsts.products import IMS
from ramsts.ram.entities import USER
from ramsts.ram.login_profiles import (
    LoginProfileChange,
    NewLoginProfile,
    UserLoginProfile,
    create_login_profile,
    delete_login_profile,
    existing_login_profile,
    get_login_profile,
    update_login_profile,
)
from ramsts.ram.passwords import PASSWORD
from ramsts.ram.rendering import Body, iso8601, optional_iso8601
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

STATUSES = ("Active",)


@dataclass(frozen=True, slots=True)
class ImsLoginProfile:
    found: UserLoginProfile
    domain: str


@dataclass(frozen=True, slots=True)
class LoginProfileRequest:
    """The user's UserPrincipalName and the settings given (``None``: not given)."""

    principal_name: PrincipalName
    password: Secret | None = None
    password_reset_required: bool | None = None
    mfa_bind_required: bool | None = None


def render_login_profile(found: ImsLoginProfile) -> Body:
    user, profile = found.found.user, found.found.profile
    return {
        "LoginProfile": {
            "UserPrincipalName": render_principal_name(user.user_name, found.domain),
            "PasswordResetRequired": profile.password_reset_required,
            "MFABindRequired": profile.mfa_bind_required,
            "Status": "Active",
            "UpdateDate": iso8601(profile.updated_at),
            "LastLoginTime": optional_iso8601(user.last_login_at),
        }
    }


def _principal_name(read: Parameters) -> PrincipalName:
    return principal_name("UserPrincipalName", read.required("UserPrincipalName"))


def _settings(read: Parameters, *, password_required: bool) -> LoginProfileRequest:
    name = _principal_name(read)
    password = (
        read.required("Password", PASSWORD)
        if password_required
        else read.optional("Password", PASSWORD)
    )
    if "Status" in read:
        read.choice("Status", STATUSES)
    return LoginProfileRequest(
        name,
        password=None if password is None else Secret(password),
        password_reset_required=_flag(read, "PasswordResetRequired"),
        mfa_bind_required=_flag(read, "MFABindRequired"),
    )


def _flag(read: Parameters, name: str) -> bool | None:
    return read.boolean(name, default=False) if name in read else None


def _create(ram: RamService, caller: Caller, request: LoginProfileRequest) -> ImsLoginProfile:
    account_id = caller.account_id
    if request.password is None:  # the reader requires it
        raise missing_parameter("Password")
    with ram.transaction(account_id) as tx:
        new = NewLoginProfile(
            user_name=user_name_in(tx, account_id, request.principal_name),
            password=request.password,
            password_reset_required=bool(request.password_reset_required),
            mfa_bind_required=bool(request.mfa_bind_required),
        )
        found = create_login_profile(ram, caller, new, within=tx)
        return ImsLoginProfile(found, default_domain(tx, account_id))


def _get(ram: RamService, caller: Caller, name: PrincipalName) -> ImsLoginProfile:
    account_id = caller.account_id
    with ram.read() as tx:
        found = get_login_profile(ram, caller, user_name_in(tx, account_id, name), within=tx)
        return ImsLoginProfile(found, default_domain(tx, account_id))


def _update(ram: RamService, caller: Caller, request: LoginProfileRequest) -> ImsLoginProfile:
    """Ims answers the profile as changed: read back in the transaction that changed it, under
    the UpdateLoginProfile the use case authorized (not a GetLoginProfile the caller may lack)."""
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        user_name = user_name_in(tx, account_id, request.principal_name)
        change = LoginProfileChange(
            user_name=user_name,
            password=request.password,
            password_reset_required=request.password_reset_required,
            mfa_bind_required=request.mfa_bind_required,
        )
        update_login_profile(ram, caller, change, within=tx)
        user = USER.existing(tx, account_id, user_name)
        found = UserLoginProfile(user, existing_login_profile(tx, user))
        return ImsLoginProfile(found, default_domain(tx, account_id))


def _delete(ram: RamService, caller: Caller, name: PrincipalName) -> None:
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        delete_login_profile(ram, caller, user_name_in(tx, account_id, name), within=tx)


ACTIONS = (
    RpcAction(
        "CreateLoginProfile",
        lambda read: _settings(read, password_required=True),
        _create,
        render_login_profile,
    ),
    RpcAction("GetLoginProfile", _principal_name, _get, render_login_profile),
    RpcAction(
        "UpdateLoginProfile",
        lambda read: _settings(read, password_required=False),
        _update,
        render_login_profile,
    ),
    RpcAction("DeleteLoginProfile", _principal_name, _delete, no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
