"""RAM roles: CreateRole, GetRole, UpdateRole, DeleteRole, ListRoles (spec api.md §9.3 "Roles").

A role's trust policy (``AssumeRolePolicyDocument``) is checked with the trust grammar before it
is stored. Deleting a role ends its live STS sessions without a revocation list: STS checks every
session against the role (by ``RoleId``) when it is used, and the role is gone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, InvalidParameter, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.policy import Policy, named_principals, parse_policy
from ramsts.ram.arns import every, role_arn
from ramsts.ram.entities import ROLE, ROLE_REFERENCE, USER
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.service import RamService
from ramsts.ram.tags import read_tag_filter, render_tags
from ramsts.store import Role, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

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


def create_role(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    role_name = read.required("RoleName", ROLE_NAME)
    document = read.required("AssumeRolePolicyDocument")
    description = read.optional("Description", DESCRIPTION) or ""
    max_session_duration = read.integer(
        "MaxSessionDuration",
        default=MIN_SESSION_DURATION,
        minimum=MIN_SESSION_DURATION,
        maximum=MAX_SESSION_DURATION,
    )
    allow_console_login = read.boolean("AllowConsoleLogin", default=False)
    tags = read.tags("Tag")
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:CreateRole", role_arn(account_id, role_name))
    trust = parse_policy(document, kind="trust")
    with ram.transaction(account_id) as tx:
        if tx.roles.count(account_id) >= ram.quotas.roles:
            raise LimitExceeded("Role", f"The account already has {ram.quotas.roles} roles.")
        role = tx.roles.create(
            account_id,
            role_name=role_name,
            assume_role_policy_document=document,
            now=ram.now(),
            description=description,
            max_session_duration=max_session_duration or MIN_SESSION_DURATION,
            allow_console_login=allow_console_login,
        )
        # Bound once the role exists, so that a trust policy may name the role itself.
        bound = trusted_principal_ids(tx, trust)
        if bound:
            role = tx.roles.update(replace(role, trusted_principal_ids=bound), now=role.created_at)
        tx.tags.set(account_id, "role", role.role_id, dict(tags))
    return {"Role": render_role(role)}


def get_role(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    role_name = Parameters(params).required("RoleName", ROLE_REFERENCE)
    with ram.read() as tx:
        role = ram.authorized(tx, principal, "ram:GetRole", ROLE, role_name)
    return {"Role": render_full_role(role)}


def update_role(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    role_name = read.required("RoleName", ROLE_REFERENCE)
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
    with ram.transaction(principal.account_id) as tx:
        role = ram.authorized(tx, principal, "ram:UpdateRole", ROLE, role_name)
        trusted = role.trusted_principal_ids
        if document is not None:
            # A trust policy written anew binds its names to whoever carries them now.
            trusted = trusted_principal_ids(tx, parse_policy(document, kind="trust"))
        if role.is_service_linked_role:
            _refuse_service_linked_change(role, document, max_session_duration)
        changed = replace(
            role,
            assume_role_policy_document=document or role.assume_role_policy_document,
            trusted_principal_ids=trusted,
            description=role.description if description is None else description,
            max_session_duration=max_session_duration or role.max_session_duration,
            allow_console_login=(
                role.allow_console_login if allow_console_login is None else allow_console_login
            ),
        )
        updated = tx.roles.update(changed, now=ram.now())
    return {"Role": {**render_role(updated), "UpdateDate": iso8601(updated.updated_at)}}


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


def delete_role(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    role_name = Parameters(params).required("RoleName", ROLE_REFERENCE)
    with ram.transaction(principal.account_id) as tx:
        role = ram.authorized(tx, principal, "ram:DeleteRole", ROLE, role_name)
        if tx.roles.count_policies(role.role_id):
            raise DeleteConflict(
                "Role.Policy",
                f"The role {role.role_name} still has policies attached; detach them first.",
            )
        tx.roles.delete(role.role_id)
    return {}


def list_roles(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    marker = read.optional("Marker")
    max_items = read.max_items()
    tagged = read_tag_filter(read)
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:ListRoles", every(account_id, "role"))
    with ram.read() as tx:
        page = tx.roles.list(account_id, marker=marker, max_items=max_items, tagged=tagged)
        tags = tx.tags.for_resources("role", [role.role_id for role in page.items])

    def listed(role: Role) -> Body:
        body = render_role(role)
        del body["AssumeRolePolicyDocument"]
        return {
            **body,
            "UpdateDate": iso8601(role.updated_at),
            **render_tags(tags.get(role.role_id, [])),
        }

    return paged("Roles", "Role", page, listed)


def register(table: ActionTable, ram: RamService) -> None:
    table.add(ram.version, "CreateRole", partial(create_role, ram))
    table.add(ram.version, "GetRole", partial(get_role, ram))
    table.add(ram.version, "UpdateRole", partial(update_role, ram))
    table.add(ram.version, "DeleteRole", partial(delete_role, ram))
    table.add(ram.version, "ListRoles", partial(list_roles, ram))
