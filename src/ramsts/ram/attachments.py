"""Attaching policies to users, groups and roles: attach, detach, list a principal's policies
and a policy's principals (spec api.md §9.3 "Attachments").

The three principal kinds follow one set of rules, so each use case is written once for all
three. Attaching twice is ``EntityAlreadyExists.<Kind>.Policy``, detaching what is not attached
``EntityNotExist.<Kind>.Policy``, and each principal holds at most the ``Quotas`` number of system
and of custom policies (``LimitExceeded.<Kind>.Policy``). A change is in force from the next
request on: the transaction tells the authorizer when it commits.

Attach and Detach are authorized on both entities they join, the principal's ARN and the
policy's, each with its stored name; ``ResourceGroupId`` is honoured for the one scope ramsts
has (the account) and refused for any other. The use cases run as :mod:`ramsts.ram.users`' do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, LimitExceeded, ServiceError
from ramsts.parameters import TextRule, optional_text, required_text
from ramsts.ram.entities import (
    GROUP,
    GROUP_NAME,
    ROLE,
    ROLE_REFERENCE,
    USER,
    USER_NAME,
    EntityKind,
    policy_kind,
)
from ramsts.ram.policies import PolicyRef
from ramsts.store import (
    AttachedPolicy,
    Policy,
    PolicyEntities,
    PrincipalType,
    Transaction,
)

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

_QUOTED_LENGTH = 64


@dataclass(frozen=True, slots=True)
class PrincipalKind:
    """How the use cases name, find and authorize one kind of principal."""

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
KIND_OF: dict[PrincipalType, PrincipalKind] = {kind.principal_type: kind for kind in KINDS}


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """The user, group or role ``name``."""

    principal_type: PrincipalType
    name: str

    def __post_init__(self) -> None:
        kind = KIND_OF[self.principal_type]
        required_text(kind.parameter, self.name, kind.rule)

    @property
    def kind(self) -> PrincipalKind:
        return KIND_OF[self.principal_type]


@dataclass(frozen=True, slots=True)
class Attachment:
    """``policy`` attached to ``principal``; ``resource_group_id``: its scope, as asked."""

    policy: PolicyRef
    principal: PrincipalRef
    resource_group_id: str | None = None

    def __post_init__(self) -> None:
        optional_text("ResourceGroupId", self.resource_group_id)


@dataclass(frozen=True, slots=True)
class _Joined:
    """What an Attach or Detach names, resolved and authorized: the principal and the policy."""

    principal_id: str
    principal_name: str
    policy: Policy


def attach_policy(
    ram: RamService, caller: Caller, attachment: Attachment, within: Transaction | None = None
) -> None:
    principal_type = attachment.principal.principal_type
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        found = _authorized(ram, tx, caller, attachment, f"ram:AttachPolicyTo{principal_type}")
        policy_type = found.policy.policy_type
        limit = ram.quotas.attached_policies(principal_type, policy_type)
        if tx.attachments.count_for(principal_type, found.principal_id, policy_type) >= limit:
            raise LimitExceeded(
                f"{principal_type}.Policy",
                f"The {principal_type.lower()} {found.principal_name} already has {limit}"
                f" {policy_type} policies attached.",
            )
        tx.attachments.attach(
            principal_type, found.principal_id, found.policy, account_id=account_id, now=ram.now()
        )


def detach_policy(
    ram: RamService, caller: Caller, attachment: Attachment, within: Transaction | None = None
) -> None:
    principal_type = attachment.principal.principal_type
    with ram.transaction(caller.account_id, within=within) as tx:
        found = _authorized(ram, tx, caller, attachment, f"ram:DetachPolicyFrom{principal_type}")
        if not tx.attachments.detach(principal_type, found.principal_id, found.policy.policy_id):
            raise EntityNotExist(
                f"{principal_type}.Policy",
                f"The policy {found.policy.policy_name} is not attached to the"
                f" {principal_type.lower()} {found.principal_name}.",
            )


def list_policies_for(
    ram: RamService, caller: Caller, principal: PrincipalRef, within: Transaction | None = None
) -> tuple[AttachedPolicy, ...]:
    kind = principal.kind
    action = f"ram:ListPoliciesFor{kind.principal_type}"
    with ram.read(within=within) as tx:
        target = ram.authorized(tx, caller, action, kind.entity, principal.name)
        return tuple(
            tx.attachments.list_for(
                kind.principal_type, kind.principal_id(target), account_id=caller.account_id
            )
        )


def list_entities_for_policy(
    ram: RamService, caller: Caller, policy: PolicyRef, within: Transaction | None = None
) -> PolicyEntities:
    with ram.read(within=within) as tx:
        found = ram.authorized(
            tx,
            caller,
            "ram:ListEntitiesForPolicy",
            policy_kind(policy.policy_type),
            policy.policy_name,
        )
        return tx.attachments.entities(found.policy_id, account_id=caller.account_id)


def _authorized(
    ram: RamService, tx: Transaction, caller: Caller, attachment: Attachment, action: str
) -> _Joined:
    """The action needs permission on both entities it joins, each on its stored ARN (the real
    service's Attach/Detach actions name the principal's and the policy's resource): a caller
    kept from ``AdministratorAccess`` cannot attach it to anyone, itself included."""
    kind = attachment.principal.kind
    wanted = attachment.policy
    target = ram.authorized(tx, caller, action, kind.entity, attachment.principal.name)
    policy = ram.authorized(tx, caller, action, policy_kind(wanted.policy_type), wanted.policy_name)
    _check_account_scope(attachment.resource_group_id, caller.account_id)
    return _Joined(kind.principal_id(target), kind.entity.stored_name(target), policy)


def _check_account_scope(resource_group_id: str | None, account_id: str) -> None:
    """``ResourceGroupId`` is the scope of an attachment: a resource group's id limits the
    policy to the resources in that group, the id of the principal's account means the whole
    account, as no ``ResourceGroupId`` does (Resource Management's AttachPolicy, which the RAM
    actions' parameter stands for). ramsts has no resource groups, so every attachment is
    account-wide: the account's id is honoured, and any other value is refused as the real
    service refuses a group it does not know, rather than accepted and ignored (which would
    grant account-wide what was asked for one group)."""
    if not resource_group_id or resource_group_id == account_id:
        return
    shown = json.dumps(resource_group_id[:_QUOTED_LENGTH], ensure_ascii=False)
    raise ServiceError(
        "EntityNotExists.ResourceGroup",
        f"The resource group does not exist: {shown}. Attachments here are"
        f" account-wide: give no ResourceGroupId, or the account's id {account_id}.",
        http_status=404,
    )
