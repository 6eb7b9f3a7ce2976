"""Versions of custom policies: create, read, delete and list them, and choose the default
(spec api.md §9.3, policy-language §7.3).

Only the default version is in force, and changing it changes what every principal the policy is
attached to may do, from the next request on (the use case's transaction tells the authorizer).
Version ids grow monotonically (``v1``, ``v2``, …) and a deleted one is never reused. A policy has
at most ``Quotas.versions_per_policy`` versions; ``rotate`` may make room by deleting the oldest
non-default one.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given (``within``) or their own;
:mod:`ramsts.ram.wire.policy_versions` serves them as RAM's actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, EntityNotExist, LimitExceeded
from ramsts.parameters import TextRule, required_text
from ramsts.ram.entities import CUSTOM_POLICY, POLICY_NAME, policy_kind
from ramsts.ram.policies import PolicyRef, checked_document, checked_policy_type
from ramsts.store import Policy, PolicyType, PolicyVersion, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

VERSION_ID = TextRule(10, pattern=re.compile(r"v[1-9][0-9]*"), invalid="Format")
ROTATE_STRATEGIES = ("None", "DeleteOldestNonDefaultVersionWhenLimitExceeded")


@dataclass(frozen=True, slots=True)
class NewPolicyVersion:
    """A new version of custom policy ``policy_name``. Its document is checked once the caller
    may create the version, as :class:`~ramsts.ram.policies.NewPolicy`'s is."""

    policy_name: str
    policy_document: str
    set_as_default: bool = False
    rotate: bool = False
    """Delete the oldest non-default version when the policy has as many as it may."""

    def __post_init__(self) -> None:
        required_text("PolicyName", self.policy_name, POLICY_NAME)


@dataclass(frozen=True, slots=True)
class PolicyVersionRef:
    """Version ``version_id`` of policy ``policy_name``. Only reading a version looks at
    ``policy_type``: the use cases that change one find custom policies only."""

    policy_name: str
    version_id: str
    policy_type: PolicyType = "Custom"

    def __post_init__(self) -> None:
        required_text("PolicyName", self.policy_name, POLICY_NAME)
        checked_policy_type(self.policy_type)
        required_text("VersionId", self.version_id, VERSION_ID)


def _find_version(tx: Transaction, policy: Policy, version_id: str) -> PolicyVersion:
    version = tx.policies.get_version(policy.policy_id, version_id)
    if version is None:
        raise EntityNotExist(
            "Policy.Version",
            f"The policy {policy.policy_name} has no version {version_id}.",
        )
    return version


def create_policy_version(
    ram: RamService, caller: Caller, new: NewPolicyVersion, within: Transaction | None = None
) -> PolicyVersion:
    limit = ram.quotas.versions_per_policy
    with ram.transaction(caller.account_id, within=within) as tx:
        policy = ram.authorized(
            tx, caller, "ram:CreatePolicyVersion", CUSTOM_POLICY, new.policy_name
        )
        document = checked_document(new.policy_document)
        if tx.policies.count_versions(policy.policy_id) >= limit:
            oldest = tx.policies.oldest_non_default_version(policy.policy_id)
            if not new.rotate or oldest is None:
                raise LimitExceeded(
                    "Policy.Version",
                    f"The policy {policy.policy_name} already has {limit} versions; delete one"
                    " or choose RotateStrategy DeleteOldestNonDefaultVersionWhenLimitExceeded.",
                )
            tx.policies.delete_version(policy.policy_id, oldest.version_id)
        return tx.policies.add_version(
            policy.policy_id, document, now=ram.now(), set_default=new.set_as_default
        )


def get_policy_version(
    ram: RamService, caller: Caller, wanted: PolicyVersionRef, within: Transaction | None = None
) -> PolicyVersion:
    with ram.read(within=within) as tx:
        kind = policy_kind(wanted.policy_type)
        policy = ram.authorized(tx, caller, "ram:GetPolicyVersion", kind, wanted.policy_name)
        return _find_version(tx, policy, wanted.version_id)


def delete_policy_version(
    ram: RamService, caller: Caller, wanted: PolicyVersionRef, within: Transaction | None = None
) -> None:
    with ram.transaction(caller.account_id, within=within) as tx:
        policy = ram.authorized(
            tx, caller, "ram:DeletePolicyVersion", CUSTOM_POLICY, wanted.policy_name
        )
        version = _find_version(tx, policy, wanted.version_id)
        if version.is_default_version:
            raise DeleteConflict(
                "Policy.Version.Default",
                f"{version.version_id} is the default version of the policy"
                f" {policy.policy_name}; make another version the default first.",
            )
        tx.policies.delete_version(policy.policy_id, version.version_id)


def list_policy_versions(
    ram: RamService, caller: Caller, wanted: PolicyRef, within: Transaction | None = None
) -> list[PolicyVersion]:
    with ram.read(within=within) as tx:
        kind = policy_kind(wanted.policy_type)
        policy = ram.authorized(tx, caller, "ram:ListPolicyVersions", kind, wanted.policy_name)
        return tx.policies.list_versions(policy.policy_id)


def set_default_policy_version(
    ram: RamService, caller: Caller, wanted: PolicyVersionRef, within: Transaction | None = None
) -> None:
    with ram.transaction(caller.account_id, within=within) as tx:
        policy = ram.authorized(
            tx, caller, "ram:SetDefaultPolicyVersion", CUSTOM_POLICY, wanted.policy_name
        )
        _find_version(tx, policy, wanted.version_id)
        tx.policies.set_default_version(policy.policy_id, wanted.version_id, now=ram.now())
