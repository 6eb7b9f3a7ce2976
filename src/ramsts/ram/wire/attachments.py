"""AttachPolicyTo*, DetachPolicyFrom*, ListPoliciesFor* (for users, groups and roles) and
ListEntitiesForPolicy on the wire (spec api.md §9.3 "Attachments")."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ramsts.parameters import Parameters
from ramsts.ram.attachments import (
    KINDS,
    Attachment,
    PrincipalKind,
    PrincipalRef,
    attach_policy,
    detach_policy,
    list_entities_for_policy,
    list_policies_for,
)
from ramsts.ram.entities import POLICY_NAME
from ramsts.ram.policies import PolicyRef
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.policies import read_policy_type
from ramsts.store import AttachedPolicy, PolicyEntities

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def policy_ref(read: Parameters) -> PolicyRef:
    policy_type = read_policy_type(read)
    return PolicyRef(policy_type, read.required("PolicyName", POLICY_NAME))


def _principal(kind: PrincipalKind, read: Parameters) -> PrincipalRef:
    return PrincipalRef(kind.principal_type, read.required(kind.parameter, kind.rule))


def _attachment(kind: PrincipalKind, read: Parameters) -> Attachment:
    policy = policy_ref(read)
    principal = _principal(kind, read)
    return Attachment(policy, principal, read.optional("ResourceGroupId"))


def _render_attached(attached: AttachedPolicy) -> Body:
    policy = attached.policy
    return {
        "PolicyName": policy.policy_name,
        "PolicyType": policy.policy_type,
        "Description": policy.description,
        "DefaultVersion": policy.default_version,
        "AttachDate": iso8601(attached.attached_at),
    }


def _policies(attached: tuple[AttachedPolicy, ...]) -> Body:
    return wrapped("Policies", "Policy", map(_render_attached, attached))


def _entities(entities: PolicyEntities) -> Body:
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


def _per_kind(kind: PrincipalKind) -> tuple[RpcAction[Any, Any], ...]:
    principal_type = kind.principal_type
    return (
        RpcAction(
            f"AttachPolicyTo{principal_type}", partial(_attachment, kind), attach_policy, no_body
        ),
        RpcAction(
            f"DetachPolicyFrom{principal_type}", partial(_attachment, kind), detach_policy, no_body
        ),
        RpcAction(
            f"ListPoliciesFor{principal_type}",
            partial(_principal, kind),
            list_policies_for,
            _policies,
        ),
    )


ACTIONS = (
    *(action for kind in KINDS for action in _per_kind(kind)),
    RpcAction("ListEntitiesForPolicy", policy_ref, list_entities_for_policy, _entities),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
