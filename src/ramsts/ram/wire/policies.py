"""CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, UpdatePolicyDescription on the wire
(spec api.md §9.3 "Policies and versions")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import POLICY_NAME
from ramsts.ram.listing import Listing, TaggedPage
from ramsts.ram.policies import (
    DESCRIPTION,
    DescriptionChange,
    NewPolicy,
    PolicyDeletion,
    PolicyListing,
    PolicyRef,
    PolicyWithDefault,
    checked_document,
    checked_policy_type,
    create_policy,
    delete_policy,
    get_policy,
    list_policies,
    update_policy_description,
)
from ramsts.ram.rendering import Body, iso8601, paged
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.tags import read_tag_filter, render_tags
from ramsts.store import Policy, PolicyType, PolicyVersion

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def read_policy_type(read: Parameters) -> PolicyType:
    """``System`` or ``Custom``; absent or anything else is ``InvalidParameter.PolicyType``."""
    return checked_policy_type(read.raw("PolicyType"))


def read_document(read: Parameters) -> str:
    """A PolicyDocument parameter, checked against the identity grammar and size limit."""
    return checked_document(read.required("PolicyDocument"))


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


def _new_policy(read: Parameters) -> NewPolicy:
    name = read.required("PolicyName", POLICY_NAME)
    description = read.optional("Description", DESCRIPTION) or ""
    tags = tuple(read.tags("Tag"))
    # Checked by the use case once the caller may create the policy (see NewPolicy).
    document = read.raw("PolicyDocument") or ""
    return NewPolicy(name, document, description, tags)


def policy_ref(read: Parameters) -> PolicyRef:
    name = read.required("PolicyName", POLICY_NAME)
    return PolicyRef(read_policy_type(read), name)


def _deletion(read: Parameters) -> PolicyDeletion:
    name = read.required("PolicyName", POLICY_NAME)
    return PolicyDeletion(name, read.boolean("CascadingDelete", default=False))


def _listing(read: Parameters) -> PolicyListing:
    policy_type = read_policy_type(read) if "PolicyType" in read else None
    marker = read.optional("Marker")
    listing = Listing(marker, read.max_items())
    return PolicyListing(policy_type, listing, read_tag_filter(read))


def _description_change(read: Parameters) -> DescriptionChange:
    name = read.required("PolicyName", POLICY_NAME)
    return DescriptionChange(name, read.required("NewDescription", DESCRIPTION))


def _created(policy: Policy) -> Body:
    return {"Policy": render_policy(policy)}


def _found(found: PolicyWithDefault) -> Body:
    policy, default = found.policy, found.default
    return {
        "Policy": {
            **render_policy(policy),
            "UpdateDate": iso8601(policy.updated_at),
            "AttachmentCount": policy.attachment_count,
            "PolicyDocument": default.policy_document,
        },
        "DefaultPolicyVersion": render_version(default),
    }


def _listed(policies: TaggedPage[Policy]) -> Body:
    def listed(policy: Policy) -> Body:
        return {
            **render_policy(policy),
            "UpdateDate": iso8601(policy.updated_at),
            "AttachmentCount": policy.attachment_count,
            **render_tags(policies.tags.get(policy.policy_id, [])),
        }

    return paged("Policies", "Policy", policies.page, listed)


def _described(policy: Policy) -> Body:
    return {"Policy": {**render_policy(policy), "UpdateDate": iso8601(policy.updated_at)}}


ACTIONS = (
    RpcAction("CreatePolicy", _new_policy, create_policy, _created),
    RpcAction("GetPolicy", policy_ref, get_policy, _found),
    RpcAction("DeletePolicy", _deletion, delete_policy, no_body),
    RpcAction("ListPolicies", _listing, list_policies, _listed),
    RpcAction(
        "UpdatePolicyDescription", _description_change, update_policy_description, _described
    ),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
