"""Attaching policies to users, groups and roles: AttachPolicyTo*, DetachPolicyFrom*,
ListPoliciesFor*, ListEntitiesForPolicy (spec api.md §9.3 "Attachments").

The three principal kinds follow one set of rules, so each action is written once and registered
per kind. Attaching twice is ``EntityAlreadyExists.<Kind>.Policy``, detaching what is not attached
``EntityNotExist.<Kind>.Policy``, and each principal holds at most the ``Quotas`` number of system
and of custom policies (``LimitExceeded.<Kind>.Policy``). A change is in force from the next
request on: the action's transaction tells the authorizer when it commits.

Attach and Detach are authorized on both entities they join, the principal's ARN and the
policy's, each with its stored name; ``ResourceGroupId`` is honoured for the one scope ramsts
has (the account) and refused for any other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, LimitExceeded, ServiceError
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.entities import (
    GROUP,
    GROUP_NAME,
    POLICY_NAME,
    ROLE,
    ROLE_REFERENCE,
    USER,
    USER_NAME,
    EntityKind,
    policy_kind,
)
from ramsts.ram.policies import read_policy_type
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.service import RamService
from ramsts.store import AttachedPolicy, Policy, PrincipalType, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


_QUOTED_LENGTH = 64


@dataclass(frozen=True, slots=True)
class PrincipalKind:
    """How the actions name, find and authorize one kind of principal."""

    principal_type: PrincipalType
    parameter: str
    rule: TextRule
    entity: EntityKind[Any]
    principal_id: Callable[[Any], str]


KINDS = (
    PrincipalKind("User", "UserName", USER_NAME, USER, lambda user: user.user_id),
    PrincipalKind("Group", "GroupName", GROUP_NAME, GROUP, lambda group: group.group_id),
    PrincipalKind("Role", "RoleName", ROLE_REFERENCE, ROLE, lambda role: role.role_id),
)


@dataclass(frozen=True, slots=True)
class _Attachment:
    """What an Attach or Detach names, resolved and authorized: the principal and the policy."""

    principal_id: str
    principal_name: str
    policy: Policy


def _authorized_attachment(
    kind: PrincipalKind,
    ram: RamService,
    tx: Transaction,
    caller: Caller,
    params: Mapping[str, str],
    *,
    action: str,
) -> _Attachment:
    """The action needs permission on both entities it joins, each on its stored ARN (the real
    service's Attach/Detach actions name the principal's and the policy's resource): a caller
    kept from ``AdministratorAccess`` cannot attach it to anyone, itself included."""
    read = Parameters(params)
    policy_type = read_policy_type(read)
    policy_name = read.required("PolicyName", POLICY_NAME)
    name = read.required(kind.parameter, kind.rule)
    scope = read.optional("ResourceGroupId")
    target = ram.authorized(tx, caller, action, kind.entity, name)
    policy = ram.authorized(tx, caller, action, policy_kind(policy_type), policy_name)
    _check_account_scope(scope, caller.account_id)
    return _Attachment(kind.principal_id(target), kind.entity.stored_name(target), policy)


def _check_account_scope(resource_group_id: str | None, account_id: str) -> None:
    """``ResourceGroupId`` is the scope of an attachment: a resource group's id limits the
    policy to the resources in that group, the id of the principal's account means the whole
    account, as no ``ResourceGroupId`` does (Resource Management's AttachPolicy, which the RAM
    actions' parameter stands for). ramsts has no resource groups, so every attachment is
    account-wide: the account's id is honoured, and any other value is refused as the real
    service refuses a group it does not know, rather than accepted and ignored (which would
    grant account-wide what was asked for one group)."""
    if resource_group_id is None or resource_group_id == account_id:
        return
    shown = json.dumps(resource_group_id[:_QUOTED_LENGTH], ensure_ascii=False)
    raise ServiceError(
        "EntityNotExists.ResourceGroup",
        f"The resource group does not exist: {shown}. Attachments here are"
        f" account-wide: give no ResourceGroupId, or the account's id {account_id}.",
        http_status=404,
    )


def attach_policy(
    kind: PrincipalKind, ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    account_id = principal.account_id
    action = f"ram:AttachPolicyTo{kind.principal_type}"
    with ram.transaction(account_id) as tx:
        found = _authorized_attachment(kind, ram, tx, principal, params, action=action)
        policy_type = found.policy.policy_type
        limit = ram.quotas.attached_policies(kind.principal_type, policy_type)
        if tx.attachments.count_for(kind.principal_type, found.principal_id, policy_type) >= limit:
            raise LimitExceeded(
                f"{kind.principal_type}.Policy",
                f"The {kind.principal_type.lower()} {found.principal_name} already has {limit}"
                f" {policy_type} policies attached.",
            )
        tx.attachments.attach(
            kind.principal_type,
            found.principal_id,
            found.policy,
            account_id=account_id,
            now=ram.now(),
        )
    return {}


def detach_policy(
    kind: PrincipalKind, ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    action = f"ram:DetachPolicyFrom{kind.principal_type}"
    with ram.transaction(principal.account_id) as tx:
        found = _authorized_attachment(kind, ram, tx, principal, params, action=action)
        if not tx.attachments.detach(
            kind.principal_type, found.principal_id, found.policy.policy_id
        ):
            raise EntityNotExist(
                f"{kind.principal_type}.Policy",
                f"The policy {found.policy.policy_name} is not attached to the"
                f" {kind.principal_type.lower()} {found.principal_name}.",
            )
    return {}


def _render_attached(attached: AttachedPolicy) -> Body:
    policy = attached.policy
    return {
        "PolicyName": policy.policy_name,
        "PolicyType": policy.policy_type,
        "Description": policy.description,
        "DefaultVersion": policy.default_version,
        "AttachDate": iso8601(attached.attached_at),
    }


def list_policies_for(
    kind: PrincipalKind, ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    name = Parameters(params).required(kind.parameter, kind.rule)
    action = f"ram:ListPoliciesFor{kind.principal_type}"
    with ram.read() as tx:
        target = ram.authorized(tx, principal, action, kind.entity, name)
        attached = tx.attachments.list_for(
            kind.principal_type, kind.principal_id(target), account_id=principal.account_id
        )
    return wrapped("Policies", "Policy", map(_render_attached, attached))


def list_entities_for_policy(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_type = read_policy_type(read)
    policy_name = read.required("PolicyName", POLICY_NAME)
    with ram.read() as tx:
        policy = ram.authorized(
            tx, principal, "ram:ListEntitiesForPolicy", policy_kind(policy_type), policy_name
        )
        entities = tx.attachments.entities(policy.policy_id, account_id=principal.account_id)
    users = (
        {
            "UserId": user.user_id,
            "UserName": user.user_name,
            "DisplayName": user.display_name,
            "AttachDate": iso8601(at),
        }
        for user, at in entities.users
    )
    groups = (
        {"GroupName": group.group_name, "Comments": group.comments, "AttachDate": iso8601(at)}
        for group, at in entities.groups
    )
    roles = (
        {
            "RoleId": role.role_id,
            "RoleName": role.role_name,
            "Arn": role.arn,
            "Description": role.description,
            "AttachDate": iso8601(at),
        }
        for role, at in entities.roles
    )
    return {
        **wrapped("Users", "User", users),
        **wrapped("Groups", "Group", groups),
        **wrapped("Roles", "Role", roles),
    }


def register(table: ActionTable, ram: RamService) -> None:
    for kind in KINDS:
        principal_type = kind.principal_type
        table.add(ram.version, f"AttachPolicyTo{principal_type}", partial(attach_policy, kind, ram))
        table.add(
            ram.version, f"DetachPolicyFrom{principal_type}", partial(detach_policy, kind, ram)
        )
        table.add(
            ram.version, f"ListPoliciesFor{principal_type}", partial(list_policies_for, kind, ram)
        )
    table.add(ram.version, "ListEntitiesForPolicy", partial(list_entities_for_policy, ram))
