"""Attaching policies to users, groups and roles: AttachPolicyTo*, DetachPolicyFrom*,
ListPoliciesFor*, ListEntitiesForPolicy (spec api.md §9.3 "Attachments").

The three principal kinds follow one set of rules, so each action is written once and registered
per kind. Attaching twice is ``EntityAlreadyExists.<Kind>.Policy``, detaching what is not attached
``EntityNotExist.<Kind>.Policy``, and each principal holds at most the ``Quotas`` number of system
and of custom policies (``LimitExceeded.<Kind>.Policy``). A change is in force from the next
request on: the action's transaction tells the authorizer when it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.arns import group_arn, policy_arn, role_arn, user_arn
from ramsts.ram.groups import GROUP_NAME, existing_group
from ramsts.ram.policies import POLICY_NAME, find_policy, read_policy_type
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.roles import ROLE_REFERENCE, find_role
from ramsts.ram.service import RamService
from ramsts.ram.users import USER_NAME, existing_user
from ramsts.store import AttachedPolicy, PrincipalType, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


@dataclass(frozen=True, slots=True)
class PrincipalKind:
    """How the actions name and find one kind of principal."""

    principal_type: PrincipalType
    parameter: str
    rule: TextRule
    arn: Callable[[str, str], str]
    find_id: Callable[[Transaction, str, str], str]
    """(tx, account id, name) → the principal's id, or its ``EntityNotExist.<Kind>``."""


KINDS = (
    PrincipalKind(
        "User",
        "UserName",
        USER_NAME,
        user_arn,
        lambda tx, account_id, name: existing_user(tx, account_id, name).user_id,
    ),
    PrincipalKind(
        "Group",
        "GroupName",
        GROUP_NAME,
        group_arn,
        lambda tx, account_id, name: existing_group(tx, account_id, name).group_id,
    ),
    PrincipalKind(
        "Role",
        "RoleName",
        ROLE_REFERENCE,
        role_arn,
        lambda tx, account_id, name: find_role(tx, account_id, name).role_id,
    ),
)


def attach_policy(
    kind: PrincipalKind, ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_type = read_policy_type(read)
    policy_name = read.required("PolicyName", POLICY_NAME)
    name = read.required(kind.parameter, kind.rule)
    account_id = principal.account_id
    ram.authorizer.require(
        principal, f"ram:AttachPolicyTo{kind.principal_type}", kind.arn(account_id, name)
    )
    with ram.transaction(account_id) as tx:
        principal_id = kind.find_id(tx, account_id, name)
        policy = find_policy(tx, account_id, policy_type, policy_name)
        limit = ram.quotas.attached_policies(kind.principal_type, policy_type)
        if tx.attachments.count_for(kind.principal_type, principal_id, policy_type) >= limit:
            raise LimitExceeded(
                f"{kind.principal_type}.Policy",
                f"The {kind.principal_type.lower()} {name} already has {limit} {policy_type}"
                " policies attached.",
            )
        tx.attachments.attach(
            kind.principal_type, principal_id, policy, account_id=account_id, now=ram.now()
        )
    return {}


def detach_policy(
    kind: PrincipalKind, ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_type = read_policy_type(read)
    policy_name = read.required("PolicyName", POLICY_NAME)
    name = read.required(kind.parameter, kind.rule)
    account_id = principal.account_id
    ram.authorizer.require(
        principal, f"ram:DetachPolicyFrom{kind.principal_type}", kind.arn(account_id, name)
    )
    with ram.transaction(account_id) as tx:
        principal_id = kind.find_id(tx, account_id, name)
        policy = find_policy(tx, account_id, policy_type, policy_name)
        if not tx.attachments.detach(kind.principal_type, principal_id, policy.policy_id):
            raise EntityNotExist(
                f"{kind.principal_type}.Policy",
                f"The policy {policy_name} is not attached to the"
                f" {kind.principal_type.lower()} {name}.",
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
    account_id = principal.account_id
    ram.authorizer.require(
        principal, f"ram:ListPoliciesFor{kind.principal_type}", kind.arn(account_id, name)
    )
    with ram.read() as tx:
        principal_id = kind.find_id(tx, account_id, name)
        attached = tx.attachments.list_for(kind.principal_type, principal_id, account_id=account_id)
    return wrapped("Policies", "Policy", map(_render_attached, attached))


def list_entities_for_policy(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_type = read_policy_type(read)
    policy_name = read.required("PolicyName", POLICY_NAME)
    account_id = principal.account_id
    ram.authorizer.require(
        principal, "ram:ListEntitiesForPolicy", policy_arn(account_id, policy_name, policy_type)
    )
    with ram.read() as tx:
        policy = find_policy(tx, account_id, policy_type, policy_name)
        entities = tx.attachments.entities(policy.policy_id, account_id=account_id)
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
