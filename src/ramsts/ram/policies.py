"""Policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, UpdatePolicyDescription
(spec api.md §9.3 "Policies and versions").

Custom policies belong to the account; system policies are shared and read-only, so every action
that changes a policy looks up custom policies only. A document is checked with the identity
grammar before it is stored; a refusal is ``MalformedPolicyDocument`` with a JSON pointer to the
place in its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import (
    DeleteConflict,
    InternalError,
    InvalidParameter,
    LimitExceeded,
)
from ramsts.parameters import Parameters, TextRule
from ramsts.policy import parse_policy
from ramsts.ram.arns import every, policy_arn
from ramsts.ram.entities import CUSTOM_POLICY, POLICY_NAME, policy_kind
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.service import RamService
from ramsts.ram.tags import read_tag_filter, render_tags
from ramsts.store import Policy, PolicyType, PolicyVersion, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

DESCRIPTION = TextRule(1024)
POLICY_TYPES: tuple[PolicyType, ...] = ("System", "Custom")


def read_policy_type(read: Parameters) -> PolicyType:
    """``System`` or ``Custom``; absent or anything else is ``InvalidParameter.PolicyType``."""
    return checked_policy_type(read.raw("PolicyType"))


def checked_policy_type(value: str | None) -> PolicyType:
    """``value`` as a policy type, or ``InvalidParameter.PolicyType``."""
    for policy_type in POLICY_TYPES:
        if value == policy_type:
            return policy_type
    raise InvalidParameter("PolicyType", "The parameter PolicyType must be System or Custom.")


def read_document(read: Parameters) -> str:
    """A PolicyDocument parameter, checked against the identity grammar and size limit."""
    document = read.required("PolicyDocument")
    parse_policy(document, kind="identity")
    return document


def render_policy(policy: Policy) -> Body:
    """The fields CreatePolicy answers with; the other actions add to them."""
    return {
        "PolicyName": policy.policy_name,
        "PolicyType": policy.policy_type,
        "Description": policy.description,
        "DefaultVersion": policy.default_version,
        "CreateDate": iso8601(policy.created_at),
    }


def render_version(version: PolicyVersion) -> Body:
    return {
        "VersionId": version.version_id,
        "IsDefaultVersion": version.is_default_version,
        "PolicyDocument": version.policy_document,
        "CreateDate": iso8601(version.created_at),
    }


def create_policy(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    description = read.optional("Description", DESCRIPTION) or ""
    tags = read.tags("Tag")
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:CreatePolicy", policy_arn(account_id, policy_name))
    document = read_document(read)
    with ram.transaction(account_id) as tx:
        if tx.policies.count_custom(account_id) >= ram.quotas.custom_policies:
            raise LimitExceeded(
                "Policy", f"The account already has {ram.quotas.custom_policies} custom policies."
            )
        policy = tx.policies.create_custom(
            account_id,
            policy_name=policy_name,
            policy_document=document,
            now=ram.now(),
            description=description,
        )
        tx.tags.set(account_id, "policy", policy.policy_id, dict(tags))
    return {"Policy": render_policy(policy)}


def get_policy(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    policy_type = read_policy_type(read)
    with ram.read() as tx:
        policy = ram.authorized(
            tx, principal, "ram:GetPolicy", policy_kind(policy_type), policy_name
        )
        default = tx.policies.default_version(policy.policy_id)
    if default is None:  # the store keeps exactly one default version per policy
        raise InternalError()
    return {
        "Policy": {
            **render_policy(policy),
            "UpdateDate": iso8601(policy.updated_at),
            "AttachmentCount": policy.attachment_count,
            "PolicyDocument": default.policy_document,
        },
        "DefaultPolicyVersion": render_version(default),
    }


def delete_policy(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    cascading = read.boolean("CascadingDelete", default=False)
    account_id = principal.account_id
    with ram.transaction(account_id) as tx:
        policy = ram.authorized(tx, principal, "ram:DeletePolicy", CUSTOM_POLICY, policy_name)
        _check_detached(tx, policy, account_id)
        if not cascading and tx.policies.count_versions(policy.policy_id) > 1:
            raise DeleteConflict(
                "Policy.Version",
                f"The policy {policy.policy_name} has versions besides its default one; delete"
                " them first or set CascadingDelete.",
            )
        tx.policies.delete(policy.policy_id)
    return {}


def _check_detached(tx: Transaction, policy: Policy, account_id: str) -> None:
    entities = tx.attachments.entities(policy.policy_id, account_id=account_id)
    attached = (("User", entities.users), ("Group", entities.groups), ("Role", entities.roles))
    for kind, principals in attached:
        if principals:
            raise DeleteConflict(
                f"Policy.{kind}",
                f"The policy {policy.policy_name} is still attached to a {kind.lower()};"
                " detach it first.",
            )


def list_policies(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_type = read_policy_type(read) if "PolicyType" in read else None
    marker = read.optional("Marker")
    max_items = read.max_items()
    tagged = read_tag_filter(read)
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:ListPolicies", every(account_id, "policy"))
    with ram.read() as tx:
        page = tx.policies.list(
            account_id,
            policy_type=policy_type,
            marker=marker,
            max_items=max_items,
            tagged=tagged,
        )
        tags = tx.tags.for_resources("policy", [policy.policy_id for policy in page.items])

    def listed(policy: Policy) -> Body:
        return {
            **render_policy(policy),
            "UpdateDate": iso8601(policy.updated_at),
            "AttachmentCount": policy.attachment_count,
            **render_tags(tags.get(policy.policy_id, [])),
        }

    return paged("Policies", "Policy", page, listed)


def update_policy_description(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    description = read.required("NewDescription", DESCRIPTION)
    account_id = principal.account_id
    with ram.transaction(account_id) as tx:
        policy = ram.authorized(
            tx, principal, "ram:UpdatePolicyDescription", CUSTOM_POLICY, policy_name
        )
        tx.policies.update_description(policy.policy_id, description, now=ram.now())
        updated = tx.policies.get_by_id(policy.policy_id, account_id)
    if updated is None:  # read back in the transaction that just wrote it
        raise InternalError()
    return {"Policy": {**render_policy(updated), "UpdateDate": iso8601(updated.updated_at)}}


def register(table: ActionTable, ram: RamService) -> None:
    table.add(ram.version, "CreatePolicy", partial(create_policy, ram))
    table.add(ram.version, "GetPolicy", partial(get_policy, ram))
    table.add(ram.version, "DeletePolicy", partial(delete_policy, ram))
    table.add(ram.version, "ListPolicies", partial(list_policies, ram))
    table.add(ram.version, "UpdatePolicyDescription", partial(update_policy_description, ram))
