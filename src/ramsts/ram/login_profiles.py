"""Console login profiles of RAM users: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile (spec api.md §9.2).

A login profile is what lets a RAM user sign in to the console: an argon2id hash of its password
and two requirements for the next sign-in (change the password; bind an MFA device). Every new
password meets the account's password policy (:func:`ramsts.ram.passwords.check_new_password`);
the plain text is never stored, logged, or returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, EntityNotExist
from ramsts.parameters import Parameters
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.passwords import PASSWORD, check_new_password
from ramsts.ram.rendering import Body, iso8601
from ramsts.store import LoginProfile, Transaction, User
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def existing_login_profile(tx: Transaction, user: User) -> LoginProfile:
    """The user's login profile, or ``EntityNotExist.User.LoginProfile`` (404)."""
    profile = tx.login_profiles.get(user.user_id)
    if profile is None:
        raise EntityNotExist(
            "User.LoginProfile", f"The login profile of user {user.user_name} does not exist."
        )
    return profile


def render_login_profile(user: User, profile: LoginProfile) -> Body:
    return {
        "UserName": user.user_name,
        "PasswordResetRequired": profile.password_reset_required,
        "MFABindRequired": profile.mfa_bind_required,
        "CreateDate": iso8601(profile.created_at),
    }


def register(table: ActionTable, ram: RamService) -> None:
    def create_login_profile(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("UserName", USER_NAME)
        password = Secret(read.required("Password", PASSWORD))
        reset_required = read.boolean("PasswordResetRequired", default=False)
        mfa_bind_required = read.boolean("MFABindRequired", default=False)
        account_id = principal.account_id
        with ram.transaction(account_id) as tx:
            user = ram.authorized(tx, principal, "ram:CreateLoginProfile", USER, name)
            if tx.login_profiles.get(user.user_id) is not None:
                raise EntityAlreadyExists(
                    "User.LoginProfile", f"The user {user.user_name} has a login profile already."
                )
            password_hash = check_new_password(tx, account_id, password, None)
            profile = tx.login_profiles.create(
                account_id,
                user.user_id,
                password_hash=password_hash,
                now=ram.now(),
                password_reset_required=reset_required,
                mfa_bind_required=mfa_bind_required,
            )
        return {"LoginProfile": render_login_profile(user, profile)}

    def get_login_profile(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.read() as tx:
            user = ram.authorized(tx, principal, "ram:GetLoginProfile", USER, name)
            profile = existing_login_profile(tx, user)
        return {"LoginProfile": render_login_profile(user, profile)}

    def update_login_profile(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        """Changes only what the request names. A new password set by an administrator counts
        as a reset: it restarts the password's age and clears the failed sign-in count."""
        principal = ram.signed_in(caller)
        read = Parameters(params)
        name = read.required("UserName", USER_NAME)
        new_password = read.optional("Password", PASSWORD)
        password = None if new_password is None else Secret(new_password)
        changes: dict[str, Any] = {}
        if "PasswordResetRequired" in read:
            changes["password_reset_required"] = read.boolean(
                "PasswordResetRequired", default=False
            )
        if "MFABindRequired" in read:
            changes["mfa_bind_required"] = read.boolean("MFABindRequired", default=False)
        account_id = principal.account_id
        with ram.transaction(account_id) as tx:
            user = ram.authorized(tx, principal, "ram:UpdateLoginProfile", USER, name)
            profile = existing_login_profile(tx, user)
            if password is not None:
                changes["password_hash"] = check_new_password(tx, account_id, password, profile)
            tx.login_profiles.update(replace(profile, **changes), now=ram.now())
        return {}

    def delete_login_profile(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.transaction(principal.account_id) as tx:
            user = ram.authorized(tx, principal, "ram:DeleteLoginProfile", USER, name)
            existing_login_profile(tx, user)
            tx.login_profiles.delete(user.user_id)
        return {}

    table.add(ram.version, "CreateLoginProfile", create_login_profile)
    table.add(ram.version, "GetLoginProfile", get_login_profile)
    table.add(ram.version, "UpdateLoginProfile", update_login_profile)
    table.add(ram.version, "DeleteLoginProfile", delete_login_profile)
