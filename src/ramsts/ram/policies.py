"""Policies: create, read, delete and list them, and change a description (spec api.md §9.3
"Policies and versions").

Custom policies belong to the account; system policies are shared and read-only, so every use
case that changes a policy looks up custom policies only. A document is checked with the
identity grammar before it is stored; a refusal is ``MalformedPolicyDocument`` with a JSON
pointer to the place in its message.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given (``within``) or their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, InternalError, InvalidParameter, LimitExceeded
from ramsts.parameters import (
    TextRule,
    checked_tag,
    checked_tag_set,
    optional_text,
    required_text,
)
from ramsts.policy import parse_policy
from ramsts.ram.arns import every, policy_arn
from ramsts.ram.entities import CUSTOM_POLICY, POLICY_NAME, policy_kind
from ramsts.ram.listing import Listing, TagFilter, TaggedPage
from ramsts.store import Page, Policy, PolicyType, PolicyVersion, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

DESCRIPTION = TextRule(1024)
PolicyPages = Callable[["RamService", Caller, Listing], Page[Policy]]
POLICY_TYPES: tuple[PolicyType, ...] = ("System", "Custom")


def checked_policy_type(value: str | None) -> PolicyType:
    """``value`` as a policy type, or ``InvalidParameter.PolicyType``."""
    for policy_type in POLICY_TYPES:
        if value == policy_type:
            return policy_type
    raise InvalidParameter("PolicyType", "The parameter PolicyType must be System or Custom.")


def checked_document(document: str) -> str:
    """A policy document, checked against the identity grammar and size limit."""
    required_text("PolicyDocument", document)
    parse_policy(document, kind="identity")
    return document


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """The system or custom policy ``policy_name``."""

    policy_type: PolicyType
    policy_name: str

    def __post_init__(self) -> None:
        checked_policy_type(self.policy_type)
        required_text("PolicyName", self.policy_name, POLICY_NAME)


@dataclass(frozen=True, slots=True)
class NewPolicy:
    """A custom policy. Its document is checked after the caller is authorized (a caller who
    may not create the policy learns nothing of its document): see :func:`create_policy`."""

    policy_name: str
    policy_document: str
    description: str = ""
    tags: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        required_text("PolicyName", self.policy_name, POLICY_NAME)
        optional_text("Description", self.description, DESCRIPTION)
        checked_tag_set("Tag", [checked_tag("Tag", key, value) for key, value in self.tags])


@dataclass(frozen=True, slots=True)
class PolicyDeletion:
    """Custom policy ``policy_name``; ``cascading``: its versions besides the default too."""

    policy_name: str
    cascading: bool = False

    def __post_init__(self) -> None:
        required_text("PolicyName", self.policy_name, POLICY_NAME)


@dataclass(frozen=True, slots=True)
class DescriptionChange:
    policy_name: str
    new_description: str

    def __post_init__(self) -> None:
        required_text("PolicyName", self.policy_name, POLICY_NAME)
        required_text("NewDescription", self.new_description, DESCRIPTION)


@dataclass(frozen=True, slots=True)
class PolicyListing:
    """A page of the policies of ``policy_type`` (``None``: both), of those carrying every tag
    of ``tagged`` (a key with ``None`` matches any value)."""

    policy_type: PolicyType | None = None
    listing: Listing = field(default_factory=Listing)
    tagged: TagFilter = ()


@dataclass(frozen=True, slots=True)
class PolicyWithDefault:
    policy: Policy
    default: PolicyVersion
    """Its default version, with the document in force."""


def create_policy(
    ram: RamService, caller: Caller, new: NewPolicy, within: Transaction | None = None
) -> Policy:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:CreatePolicy", policy_arn(account_id, new.policy_name))
    document = checked_document(new.policy_document)
    with ram.transaction(account_id, within=within) as tx:
        if tx.policies.count_custom(account_id) >= ram.quotas.custom_policies:
            raise LimitExceeded(
                "Policy", f"The account already has {ram.quotas.custom_policies} custom policies."
            )
        policy = tx.policies.create_custom(
            account_id,
            policy_name=new.policy_name,
            policy_document=document,
            now=ram.now(),
            description=new.description,
        )
        tx.tags.set(account_id, "policy", policy.policy_id, dict(new.tags))
    return policy


def get_policy(
    ram: RamService, caller: Caller, wanted: PolicyRef, within: Transaction | None = None
) -> PolicyWithDefault:
    with ram.read(within=within) as tx:
        policy = ram.authorized(
            tx, caller, "ram:GetPolicy", policy_kind(wanted.policy_type), wanted.policy_name
        )
        default = tx.policies.default_version(policy.policy_id)
    if default is None:  # the store keeps exactly one default version per policy
        raise InternalError()
    return PolicyWithDefault(policy, default)


def delete_policy(
    ram: RamService, caller: Caller, deletion: PolicyDeletion, within: Transaction | None = None
) -> None:
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        policy = ram.authorized(tx, caller, "ram:DeletePolicy", CUSTOM_POLICY, deletion.policy_name)
        _check_detached(tx, policy, account_id)
        if not deletion.cascading and tx.policies.count_versions(policy.policy_id) > 1:
            raise DeleteConflict(
                "Policy.Version",
                f"The policy {policy.policy_name} has versions besides its default one; delete"
                " them first or set CascadingDelete.",
            )
        tx.policies.delete(policy.policy_id)


def list_policies(
    ram: RamService, caller: Caller, asked: PolicyListing, within: Transaction | None = None
) -> TaggedPage[Policy]:
    account_id = caller.account_id
    listing = asked.listing
    ram.authorizer.require(caller, "ram:ListPolicies", every(account_id, "policy"))
    with ram.read(within=within) as tx:
        page = tx.policies.list(
            account_id,
            policy_type=asked.policy_type,
            marker=listing.marker,
            max_items=listing.max_items,
            tagged=asked.tagged,
        )
        tags = tx.tags.for_resources("policy", [policy.policy_id for policy in page.items])
    return TaggedPage(page, tags)


def update_policy_description(
    ram: RamService, caller: Caller, change: DescriptionChange, within: Transaction | None = None
) -> Policy:
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        policy = ram.authorized(
            tx, caller, "ram:UpdatePolicyDescription", CUSTOM_POLICY, change.policy_name
        )
        tx.policies.update_description(policy.policy_id, change.new_description, now=ram.now())
        updated = tx.policies.get_by_id(policy.policy_id, account_id)
    if updated is None:  # read back in the transaction that just wrote it
        raise InternalError()
    return updated


def policies_of_type(policy_type: PolicyType | None) -> PolicyPages:
    """The use case of a plain listing of ``policy_type``'s policies (``None``: both), without
    tags: what a console list pages through."""

    def listed(
        ram: RamService, caller: Caller, listing: Listing, within: Transaction | None = None
    ) -> Page[Policy]:
        return list_policies(ram, caller, PolicyListing(policy_type, listing), within).page

    return listed


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
