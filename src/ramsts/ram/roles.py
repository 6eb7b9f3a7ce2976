"""RAM roles: create, read, change, delete and list them (spec api.md §9.3 "Roles").

A role's trust policy (``AssumeRolePolicyDocument``) is checked with the trust grammar before it
is stored. Deleting a role ends its live STS sessions without a revocation list: STS checks every
session against the role (by ``RoleId``) when it is used, and the role is gone.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given (``within``) or their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, InvalidParameter, LimitExceeded
from ramsts.parameters import (
    TextRule,
    checked_tag,
    checked_tag_set,
    checked_text,
    optional_text,
    out_of_range,
    required_text,
)
from ramsts.policy import Policy, named_principals, parse_policy
from ramsts.ram.arns import every, role_arn
from ramsts.ram.entities import ROLE, ROLE_REFERENCE, USER
from ramsts.ram.listing import Listing, TagFilter, TaggedPage
from ramsts.store import Page, Role, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

ROLE_NAME = TextRule(64, pattern=re.compile(r"[A-Za-z0-9.-]+"))
DESCRIPTION = TextRule(1024)
MIN_SESSION_DURATION = 3600
MAX_SESSION_DURATION = 43200


def trusted_principal_ids(tx: Transaction, trust: Policy) -> tuple[tuple[str, str], ...]:
    """The id of each RAM user and role the trust policy names (R36): the entity that carries
    exactly that name now, in any account of this installation. A name that nobody carries is
    left unbound and then trusts no one — not even a user created with it later — until the trust
    policy is written again, as the real service keys the principals of a trust policy by their
    stable ids (its documentation asks for the user to exist before the policy names it).
    """
    bound: list[tuple[str, str]] = []
    for named in named_principals(trust):
        if named.kind == "user":
            user = USER.find(tx, named.account_id, named.name)
            if user is not None and user.user_name == named.name:
                bound.append((named.arn, user.user_id))
        else:
            role = ROLE.find(tx, named.account_id, named.name)
            if role is not None and role.role_name == named.name:
                bound.append((named.arn, role.role_id))
    return tuple(bound)


def role_principal_name(role: Role) -> str:
    return f"{role.role_name}@role.{role.account_id}.onaliyunservice.com"


@dataclass(frozen=True, slots=True)
class NewRole:
    role_name: str
    assume_role_policy_document: str
    description: str = ""
    max_session_duration: int = MIN_SESSION_DURATION
    allow_console_login: bool = False
    tags: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        required_text("RoleName", self.role_name, ROLE_NAME)
        required_text("AssumeRolePolicyDocument", self.assume_role_policy_document)
        optional_text("Description", self.description, DESCRIPTION)
        _check_session_duration("MaxSessionDuration", self.max_session_duration)
        checked_tag_set("Tag", [checked_tag("Tag", key, value) for key, value in self.tags])


@dataclass(frozen=True, slots=True)
class RoleChange:
    """What to change of role ``role_name``; ``None`` keeps a setting as it is."""

    role_name: str
    new_assume_role_policy_document: str | None = None
    new_description: str | None = None
    new_max_session_duration: int | None = None
    new_allow_console_login: bool | None = None

    def __post_init__(self) -> None:
        required_text("RoleName", self.role_name, ROLE_REFERENCE)
        optional_text("NewAssumeRolePolicyDocument", self.new_assume_role_policy_document)
        if self.new_description is not None:
            checked_text("NewDescription", self.new_description, DESCRIPTION)
        if self.new_max_session_duration is not None:
            _check_session_duration("NewMaxSessionDuration", self.new_max_session_duration)


@dataclass(frozen=True, slots=True)
class RoleListing:
    """A page of the account's roles, of those carrying every tag of ``tagged`` (a key with
    ``None`` matches any value)."""

    listing: Listing = field(default_factory=Listing)
    tagged: TagFilter = ()


def create_role(
    ram: RamService, caller: Caller, new: NewRole, within: Transaction | None = None
) -> Role:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:CreateRole", role_arn(account_id, new.role_name))
    trust = parse_policy(new.assume_role_policy_document, kind="trust")
    with ram.transaction(account_id, within=within) as tx:
        if tx.roles.count(account_id) >= ram.quotas.roles:
            raise LimitExceeded("Role", f"The account already has {ram.quotas.roles} roles.")
        role = tx.roles.create(
            account_id,
            role_name=new.role_name,
            assume_role_policy_document=new.assume_role_policy_document,
            now=ram.now(),
            description=new.description,
            max_session_duration=new.max_session_duration,
            allow_console_login=new.allow_console_login,
        )
        # Bound once the role exists, so that a trust policy may name the role itself.
        bound = trusted_principal_ids(tx, trust)
        if bound:
            role = tx.roles.update(replace(role, trusted_principal_ids=bound), now=role.created_at)
        tx.tags.set(account_id, "role", role.role_id, dict(new.tags))
    return role


def get_role(
    ram: RamService, caller: Caller, role_name: str, within: Transaction | None = None
) -> Role:
    required_text("RoleName", role_name, ROLE_REFERENCE)
    with ram.read(within=within) as tx:
        return ram.authorized(tx, caller, "ram:GetRole", ROLE, role_name)


def update_role(
    ram: RamService, caller: Caller, change: RoleChange, within: Transaction | None = None
) -> Role:
    document = change.new_assume_role_policy_document or None
    with ram.transaction(caller.account_id, within=within) as tx:
        role = ram.authorized(tx, caller, "ram:UpdateRole", ROLE, change.role_name)
        trusted = role.trusted_principal_ids
        if document is not None:
            # A trust policy written anew binds its names to whoever carries them now.
            trusted = trusted_principal_ids(tx, parse_policy(document, kind="trust"))
        if role.is_service_linked_role:
            _refuse_service_linked_change(role, document, change.new_max_session_duration)
        allow_console_login = change.new_allow_console_login
        changed = replace(
            role,
            assume_role_policy_document=document or role.assume_role_policy_document,
            trusted_principal_ids=trusted,
            description=role.description
            if change.new_description is None
            else change.new_description,
            max_session_duration=change.new_max_session_duration or role.max_session_duration,
            allow_console_login=(
                role.allow_console_login if allow_console_login is None else allow_console_login
            ),
        )
        return tx.roles.update(changed, now=ram.now())


def _refuse_service_linked_change(
    role: Role, document: str | None, max_session_duration: int | None
) -> None:
    """The service that owns a service-linked role defines its trust and its session length."""
    if document is not None:
        raise InvalidParameter(
            "NewAssumeRolePolicyDocument",
            f"The trust policy of the service-linked role {role.role_name} cannot be edited.",
        )
    if max_session_duration is not None:
        raise InvalidParameter(
            "NewMaxSessionDuration",
            f"The MaxSessionDuration of the service-linked role {role.role_name} is fixed.",
        )


def delete_role(
    ram: RamService, caller: Caller, role_name: str, within: Transaction | None = None
) -> None:
    required_text("RoleName", role_name, ROLE_REFERENCE)
    with ram.transaction(caller.account_id, within=within) as tx:
        role = ram.authorized(tx, caller, "ram:DeleteRole", ROLE, role_name)
        if tx.roles.count_policies(role.role_id):
            raise DeleteConflict(
                "Role.Policy",
                f"The role {role.role_name} still has policies attached; detach them first.",
            )
        tx.roles.delete(role.role_id)


def list_roles(
    ram: RamService, caller: Caller, asked: RoleListing, within: Transaction | None = None
) -> TaggedPage[Role]:
    account_id = caller.account_id
    listing = asked.listing
    ram.authorizer.require(caller, "ram:ListRoles", every(account_id, "role"))
    with ram.read(within=within) as tx:
        page = tx.roles.list(
            account_id, marker=listing.marker, max_items=listing.max_items, tagged=asked.tagged
        )
        tags = tx.tags.for_resources("role", [role.role_id for role in page.items])
    return TaggedPage(page, tags)


def roles_page(
    ram: RamService, caller: Caller, listing: Listing, within: Transaction | None = None
) -> Page[Role]:
    """:func:`list_roles` without a tag filter and without the tags: a plain listing."""
    return list_roles(ram, caller, RoleListing(listing), within).page


def _check_session_duration(name: str, seconds: int) -> None:
    if not MIN_SESSION_DURATION <= seconds <= MAX_SESSION_DURATION:
        raise out_of_range(name, str(seconds), MIN_SESSION_DURATION, MAX_SESSION_DURATION)
