"""Console login profiles of RAM users: create, read, change and delete them (spec api.md §9.2).

A login profile is what lets a RAM user sign in to the console: an argon2id hash of its password
and two requirements for the next sign-in (change the password; bind an MFA device). Every new
password meets the account's password policy (:func:`ramsts.ram.passwords.check_new_password`);
the plain text is never stored, logged, or returned.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given or their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, EntityNotExist
from ramsts.parameters import required_text
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.passwords import PASSWORD, check_new_password
from ramsts.store import LoginProfile, Transaction, User
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.ram.service import RamService


@dataclass(frozen=True, slots=True)
class NewLoginProfile:
    user_name: str
    password: Secret
    password_reset_required: bool = False
    mfa_bind_required: bool = False

    def __post_init__(self) -> None:
        required_text("UserName", self.user_name, USER_NAME)
        required_text("Password", self.password.reveal(), PASSWORD)


@dataclass(frozen=True, slots=True)
class LoginProfileChange:
    """What to change of ``user_name``'s login profile; ``None`` keeps a setting as it is."""

    user_name: str
    password: Secret | None = None
    password_reset_required: bool | None = None
    mfa_bind_required: bool | None = None

    def __post_init__(self) -> None:
        required_text("UserName", self.user_name, USER_NAME)
        if self.password is not None:
            required_text("Password", self.password.reveal(), PASSWORD)


@dataclass(frozen=True, slots=True)
class UserLoginProfile:
    """A login profile with the user it lets sign in (its answers name the user)."""

    user: User
    profile: LoginProfile


def existing_login_profile(tx: Transaction, user: User) -> LoginProfile:
    """The user's login profile, or ``EntityNotExist.User.LoginProfile`` (404)."""
    profile = tx.login_profiles.get(user.user_id)
    if profile is None:
        raise EntityNotExist(
            "User.LoginProfile", f"The login profile of user {user.user_name} does not exist."
        )
    return profile


def create_login_profile(
    ram: RamService, caller: Caller, new: NewLoginProfile, within: Transaction | None = None
) -> UserLoginProfile:
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        user = ram.authorized(tx, caller, "ram:CreateLoginProfile", USER, new.user_name)
        if tx.login_profiles.get(user.user_id) is not None:
            raise EntityAlreadyExists(
                "User.LoginProfile", f"The user {user.user_name} has a login profile already."
            )
        password_hash = check_new_password(tx, account_id, new.password, None)
        profile = tx.login_profiles.create(
            account_id,
            user.user_id,
            password_hash=password_hash,
            now=ram.now(),
            password_reset_required=new.password_reset_required,
            mfa_bind_required=new.mfa_bind_required,
        )
    return UserLoginProfile(user, profile)


def get_login_profile(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> UserLoginProfile:
    required_text("UserName", user_name, USER_NAME)
    with ram.read(within=within) as tx:
        user = ram.authorized(tx, caller, "ram:GetLoginProfile", USER, user_name)
        return UserLoginProfile(user, existing_login_profile(tx, user))


def update_login_profile(
    ram: RamService, caller: Caller, change: LoginProfileChange, within: Transaction | None = None
) -> None:
    """Changes only what ``change`` names. A new password set by an administrator counts as a
    reset: it restarts the password's age and clears the failed sign-in count."""
    changes: dict[str, Any] = {}
    if change.password_reset_required is not None:
        changes["password_reset_required"] = change.password_reset_required
    if change.mfa_bind_required is not None:
        changes["mfa_bind_required"] = change.mfa_bind_required
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        user = ram.authorized(tx, caller, "ram:UpdateLoginProfile", USER, change.user_name)
        profile = existing_login_profile(tx, user)
        if change.password is not None:
            changes["password_hash"] = check_new_password(tx, account_id, change.password, profile)
        tx.login_profiles.update(replace(profile, **changes), now=ram.now())


def delete_login_profile(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> None:
    required_text("UserName", user_name, USER_NAME)
    with ram.transaction(caller.account_id, within=within) as tx:
        user = ram.authorized(tx, caller, "ram:DeleteLoginProfile", USER, user_name)
        existing_login_profile(tx, user)
        tx.login_profiles.delete(user.user_id)
