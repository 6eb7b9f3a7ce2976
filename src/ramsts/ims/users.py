"""CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers, ListUserBasicInfos (Ims) on RAM's
users.

The same users RAM serves, through RAM's use cases (:mod:`ramsts.ram.users`) and so its rules,
authorization (``ram:<Action>`` on ``acs:ram::<AccountId>:user/<UserName>``) and errors; only
the names differ: a user is named by its UserPrincipalName (:mod:`ramsts.ims.principal_names`),
or by its ``UserId``, and GetUser also by one of its AccessKeyIds (``UserAccessKeyId``).

A user named by an id that matches none of the account's users is ``EntityNotExist.User`` only
for a caller allowed the action on every user (``…:user/*``): an id names no ARN to authorize
on, and who may not act on all users must not learn which ids exist.

ramsts keeps no tags on users: a ``Tag`` given to CreateUser or ListUsers is refused
(``InvalidParameter.Tag``) rather than dropped or ignored.
"""

from __future__ import annotations

from collections.abc import Callable
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
from ramsts.parameters import Parameters, TextRule, checked_choice, missing_parameter
from ramsts.products import IMS
from ramsts.ram.arns import every
from ramsts.ram.entities import USER
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
from ramsts.ram.wire.users import listing
from ramsts.store import Page, Transaction, User

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

ID = TextRule(64)


@dataclass(frozen=True, slots=True)
class ImsUser:
    """A user and its account's default domain, which its UserPrincipalName ends in."""

    user: User
    domain: str


@dataclass(frozen=True, slots=True)
class UserReference:
    """How a request names a user: exactly one of the three."""

    principal_name: PrincipalName | None = None
    user_id: str | None = None
    access_key_id: str | None = None


def render_user(found: ImsUser) -> Body:
    user = found.user
    return {
        "UserPrincipalName": render_principal_name(user.user_name, found.domain),
        "UserId": user.user_id,
        "DisplayName": user.display_name,
        "Email": user.email,
        "MobilePhone": user.mobile_phone,
        "Comments": user.comments,
        "CreateDate": iso8601(user.created_at),
        "UpdateDate": iso8601(user.updated_at),
        "LastLoginDate": optional_iso8601(user.last_login_at),
    }


# -- naming a user ------------------------------------------------------------------------------


def user_reference(read: Parameters, *, by_access_key: bool = False) -> UserReference:
    """``UserPrincipalName``, else ``UserId`` (else ``UserAccessKeyId`` where allowed);
    ``MissingParameter`` when none is given."""
    given = read.optional("UserPrincipalName")
    if given is not None:
        return UserReference(principal_name=principal_name("UserPrincipalName", given))
    user_id = read.optional("UserId", ID)
    if user_id is not None:
        return UserReference(user_id=user_id)
    if by_access_key:
        access_key_id = read.optional("UserAccessKeyId", ID)
        if access_key_id is not None:
            return UserReference(access_key_id=access_key_id)
    raise missing_parameter("UserPrincipalName")


def referenced_user_name(
    ram: RamService, tx: Transaction, caller: Caller, action: str, reference: UserReference
) -> str:
    """The UserName ``reference`` names in the caller's account, for RAM's use case to resolve
    and authorize in ``tx``; an id that names none of its users is ``EntityNotExist.User``
    once the caller may do ``action`` on every user."""
    account_id = caller.account_id
    if reference.principal_name is not None:
        return user_name_in(tx, account_id, reference.principal_name)
    user = None
    if reference.user_id is not None:
        user = tx.users.get_by_id(reference.user_id)
    elif reference.access_key_id is not None:
        key = tx.access_keys.get(reference.access_key_id)
        if key is not None and key.user_id is not None:
            user = tx.users.get_by_id(key.user_id)
    if user is None or user.account_id != account_id:
        ram.authorizer.require(caller, action, every(account_id, "user"))
        raise USER.missing(reference.user_id or reference.access_key_id or "")
    return user.user_name


# -- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewImsUser:
    principal_name: PrincipalName
    user: NewUser


@dataclass(frozen=True, slots=True)
class ImsUserChange:
    """RAM's :class:`UserChange` less the names, known once the user is found."""

    reference: UserReference
    new_principal_name: PrincipalName | None
    new_display_name: str | None
    new_mobile_phone: str | None
    new_email: str | None
    new_comments: str | None


def refuse_tags(read: Parameters) -> None:
    if "Tag.1.Key" in read or "Tag" in read:
        raise InvalidParameter(
            "Tag", "ramsts keeps no tags on users: the parameter Tag is not accepted."
        )


def _new_user(read: Parameters) -> NewImsUser:
    name = principal_name("UserPrincipalName", read.required("UserPrincipalName"))
    user = NewUser(
        user_name=name.user_name,
        display_name=read.optional("DisplayName", DISPLAY_NAME) or "",
        mobile_phone=read.optional("MobilePhone", MOBILE_PHONE) or "",
        email=read.optional("Email", EMAIL) or "",
        comments=read.optional("Comments", COMMENTS) or "",
    )
    refuse_tags(read)
    return NewImsUser(name, user)


def _user_change(read: Parameters) -> ImsUserChange:
    new_name = read.optional("NewUserPrincipalName")
    return ImsUserChange(
        reference=user_reference(read),
        new_principal_name=None
        if new_name is None
        else principal_name("NewUserPrincipalName", new_name),
        new_display_name=read.optional("NewDisplayName", DISPLAY_NAME),
        new_mobile_phone=read.optional("NewMobilePhone", MOBILE_PHONE),
        new_email=read.optional("NewEmail", EMAIL),
        new_comments=read.optional("NewComments", COMMENTS),
    )


USER_STATUSES = ("active", "freeze")


@dataclass(frozen=True, slots=True)
class UserListing:
    listing: Listing
    active: bool
    """Whether the ``Status`` asked for includes ``active``: ramsts has no frozen users."""


def _listing(read: Parameters) -> UserListing:
    """``Status``: ``active`` (the default), ``freeze``, or both, comma-separated."""
    refuse_tags(read)
    statuses = [
        status.strip().lower() for status in (read.optional("Status") or "active").split(",")
    ]
    for status in statuses:
        checked_choice("Status", status, USER_STATUSES)
    return UserListing(listing(read), "active" in statuses)


def _found_user(read: Parameters) -> UserReference:
    return user_reference(read, by_access_key=True)


# -- the use cases, named the Ims way -----------------------------------------------------------


def _create(ram: RamService, caller: Caller, new: NewImsUser) -> ImsUser:
    with ram.transaction(caller.account_id) as tx:
        user_name_in(tx, caller.account_id, new.principal_name)
        user = create_user(ram, caller, new.user, within=tx)
        return ImsUser(user, default_domain(tx, caller.account_id))


def _get(ram: RamService, caller: Caller, reference: UserReference) -> ImsUser:
    with ram.read() as tx:
        name = referenced_user_name(ram, tx, caller, "ram:GetUser", reference)
        return ImsUser(
            get_user(ram, caller, name, within=tx), default_domain(tx, caller.account_id)
        )


def _update(ram: RamService, caller: Caller, change: ImsUserChange) -> ImsUser:
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        name = referenced_user_name(ram, tx, caller, "ram:UpdateUser", change.reference)
        new_name = change.new_principal_name
        ram_change = UserChange(
            user_name=name,
            new_user_name=None if new_name is None else user_name_in(tx, account_id, new_name),
            new_display_name=change.new_display_name,
            new_mobile_phone=change.new_mobile_phone,
            new_email=change.new_email,
            new_comments=change.new_comments,
        )
        user = update_user(ram, caller, ram_change, within=tx)
        return ImsUser(user, default_domain(tx, account_id))


def _delete(ram: RamService, caller: Caller, reference: UserReference) -> None:
    with ram.transaction(caller.account_id) as tx:
        name = referenced_user_name(ram, tx, caller, "ram:DeleteUser", reference)
        delete_user(ram, caller, name, within=tx)


@dataclass(frozen=True, slots=True)
class ImsUsersPage:
    page: Page[User]
    domain: str


def _lister(action: str) -> Callable[[RamService, Caller, UserListing], ImsUsersPage]:
    def run(ram: RamService, caller: Caller, asked: UserListing) -> ImsUsersPage:
        with ram.read() as tx:
            page = list_users(ram, caller, asked.listing, within=tx, action=action)
            domain = default_domain(tx, caller.account_id)
        return ImsUsersPage(page if asked.active else Page((), False, None), domain)

    return run


def _one_user(found: ImsUser) -> Body:
    return {"User": render_user(found)}


def _basic_infos(listed: ImsUsersPage) -> Body:
    def render(user: User) -> Body:
        return {
            "UserPrincipalName": render_principal_name(user.user_name, listed.domain),
            "UserId": user.user_id,
            "DisplayName": user.display_name,
        }

    return paged("UserBasicInfos", "UserBasicInfo", listed.page, render)


def _users(listed: ImsUsersPage) -> Body:
    return paged(
        "Users", "User", listed.page, lambda user: render_user(ImsUser(user, listed.domain))
    )


ACTIONS = (
    RpcAction("CreateUser", _new_user, _create, _one_user),
    RpcAction("GetUser", _found_user, _get, _one_user),
    RpcAction("UpdateUser", _user_change, _update, _one_user),
    RpcAction("DeleteUser", user_reference, _delete, no_body),
    RpcAction("ListUsers", _listing, _lister("ram:ListUsers"), _users),
    RpcAction("ListUserBasicInfos", _listing, _lister("ram:ListUserBasicInfos"), _basic_infos),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
