"""RAM users: create, read, change, delete and list them (spec api.md §9.3).

User names are unique within an account regardless of letter case and keep the spelling they
were created with. A user cannot be deleted while anything still hangs on it (access keys, group
memberships, attached policies, a login profile, an MFA device): ``DeleteConflict.User.*``.

Each use case takes the caller and a typed input, authorizes the caller for its own action, and
runs in the transaction it is given (``within``: a console form composing several) or its
own.
Inputs check their fields as the API's parameters are checked, wherever they were built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, LimitExceeded
from ramsts.parameters import TextRule, optional_text, required_text
from ramsts.ram.arns import every, user_arn
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.listing import Listing
from ramsts.store import Page, Transaction, User

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

DISPLAY_NAME = TextRule(128)
COMMENTS = TextRule(128)
MOBILE_PHONE = TextRule(32, pattern=re.compile(r"[0-9]{1,4}-[0-9*]{4,20}"), invalid="Format")
"""``<country code>-<number>``, e.g. ``86-18600008888``."""
EMAIL = TextRule(128, pattern=re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+"), invalid="Format")


@dataclass(frozen=True, slots=True)
class NewUser:
    user_name: str
    display_name: str = ""
    mobile_phone: str = ""
    email: str = ""
    comments: str = ""

    def __post_init__(self) -> None:
        required_text("UserName", self.user_name, USER_NAME)
        optional_text("DisplayName", self.display_name, DISPLAY_NAME)
        optional_text("MobilePhone", self.mobile_phone, MOBILE_PHONE)
        optional_text("Email", self.email, EMAIL)
        optional_text("Comments", self.comments, COMMENTS)


@dataclass(frozen=True, slots=True)
class UserChange:
    """What to change of user ``user_name``; ``None`` (or ``""``) keeps a field as it is."""

    user_name: str
    new_user_name: str | None = None
    new_display_name: str | None = None
    new_mobile_phone: str | None = None
    new_email: str | None = None
    new_comments: str | None = None

    def __post_init__(self) -> None:
        required_text("UserName", self.user_name, USER_NAME)
        optional_text("NewUserName", self.new_user_name, USER_NAME)
        optional_text("NewDisplayName", self.new_display_name, DISPLAY_NAME)
        optional_text("NewMobilePhone", self.new_mobile_phone, MOBILE_PHONE)
        optional_text("NewEmail", self.new_email, EMAIL)
        optional_text("NewComments", self.new_comments, COMMENTS)


def create_user(
    ram: RamService, caller: Caller, new: NewUser, within: Transaction | None = None
) -> User:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:CreateUser", user_arn(account_id, new.user_name))
    with ram.transaction(account_id, within=within) as tx:
        if tx.users.count(account_id) >= ram.quotas.users:
            raise LimitExceeded(
                "User", f"The account already has {ram.quotas.users} users, the most allowed."
            )
        return tx.users.create(
            account_id,
            user_name=new.user_name,
            now=ram.now(),
            display_name=new.display_name,
            mobile_phone=new.mobile_phone,
            email=new.email,
            comments=new.comments,
        )


def get_user(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> User:
    required_text("UserName", user_name, USER_NAME)
    with ram.read(within=within) as tx:
        return ram.authorized(tx, caller, "ram:GetUser", USER, user_name)


def update_user(
    ram: RamService, caller: Caller, change: UserChange, within: Transaction | None = None
) -> User:
    """A rename needs ``ram:UpdateUser`` on the old name and on the new one: a user that
    may edit itself must not take the name (and what policies grant that name) of another."""
    with ram.transaction(caller.account_id, within=within) as tx:
        user = ram.authorized(tx, caller, "ram:UpdateUser", USER, change.user_name)
        changed = replace(
            user,
            user_name=ram.renamed(
                caller, "ram:UpdateUser", USER, user, change.new_user_name or None
            ),
            display_name=change.new_display_name or user.display_name,
            mobile_phone=change.new_mobile_phone or user.mobile_phone,
            email=change.new_email or user.email,
            comments=change.new_comments or user.comments,
        )
        return tx.users.update(changed, now=ram.now())


def delete_user(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> None:
    required_text("UserName", user_name, USER_NAME)
    with ram.transaction(caller.account_id, within=within) as tx:
        user = ram.authorized(tx, caller, "ram:DeleteUser", USER, user_name)
        _check_deletable(tx, user)
        tx.users.delete(user.user_id)


def list_users(
    ram: RamService,
    caller: Caller,
    listing: Listing,
    within: Transaction | None = None,
    *,
    action: str = "ram:ListUsers",
) -> Page[User]:
    """Authorized as ``action`` on every user: ``ram:ListUsers``, or Ims's
    ``ram:ListUserBasicInfos``, the same listing with fewer fields shown."""
    ram.authorizer.require(caller, action, every(caller.account_id, "user"))
    with ram.read(within=within) as tx:
        return tx.users.list(caller.account_id, marker=listing.marker, max_items=listing.max_items)


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
