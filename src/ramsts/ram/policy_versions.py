"""Versions of custom policies: CreatePolicyVersion, GetPolicyVersion, DeletePolicyVersion,
ListPolicyVersions, SetDefaultPolicyVersion (spec api.md §9.3, policy-language §7.3).

Only the default version is in force, and changing it changes what every principal the policy is
attached to may do, from the next request on (the action's transaction tells the authorizer).
Version ids grow monotonically (``v1``, ``v2``, …) and a deleted one is never reused. A policy has
at most ``Quotas.versions_per_policy`` versions; ``RotateStrategy`` may make room by deleting the
oldest non-default one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import DeleteConflict, EntityNotExist, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.entities import CUSTOM_POLICY, POLICY_NAME, policy_kind
from ramsts.ram.rendering import Body, wrapped
from ramsts.ram.service import RamService
from ramsts.ram.wire.policies import read_document, read_policy_type, render_version
from ramsts.store import Policy, PolicyVersion, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

VERSION_ID = TextRule(10, pattern=re.compile(r"v[1-9][0-9]*"), invalid="Format")
ROTATE_STRATEGIES = ("None", "DeleteOldestNonDefaultVersionWhenLimitExceeded")


def _find_version(tx: Transaction, policy: Policy, version_id: str) -> PolicyVersion:
    version = tx.policies.get_version(policy.policy_id, version_id)
    if version is None:
        raise EntityNotExist(
            "Policy.Version",
            f"The policy {policy.policy_name} has no version {version_id}.",
        )
    return version


def create_policy_version(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    set_as_default = read.boolean("SetAsDefault", default=False)
    rotate = read.choice("RotateStrategy", ROTATE_STRATEGIES, default="None") != "None"
    limit = ram.quotas.versions_per_policy
    with ram.transaction(principal.account_id) as tx:
        policy = ram.authorized(
            tx, principal, "ram:CreatePolicyVersion", CUSTOM_POLICY, policy_name
        )
        document = read_document(read)
        if tx.policies.count_versions(policy.policy_id) >= limit:
            oldest = tx.policies.oldest_non_default_version(policy.policy_id)
            if not rotate or oldest is None:
                raise LimitExceeded(
                    "Policy.Version",
                    f"The policy {policy.policy_name} already has {limit} versions; delete one"
                    " or choose RotateStrategy DeleteOldestNonDefaultVersionWhenLimitExceeded.",
                )
            tx.policies.delete_version(policy.policy_id, oldest.version_id)
        version = tx.policies.add_version(
            policy.policy_id, document, now=ram.now(), set_default=set_as_default
        )
    return {"PolicyVersion": render_version(version)}


def get_policy_version(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    policy_type = read_policy_type(read)
    version_id = read.required("VersionId", VERSION_ID)
    with ram.read() as tx:
        policy = ram.authorized(
            tx, principal, "ram:GetPolicyVersion", policy_kind(policy_type), policy_name
        )
        version = _find_version(tx, policy, version_id)
    return {"PolicyVersion": render_version(version)}


def delete_policy_version(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    version_id = read.required("VersionId", VERSION_ID)
    with ram.transaction(principal.account_id) as tx:
        policy = ram.authorized(
            tx, principal, "ram:DeletePolicyVersion", CUSTOM_POLICY, policy_name
        )
        version = _find_version(tx, policy, version_id)
        if version.is_default_version:
            raise DeleteConflict(
                "Policy.Version.Default",
                f"{version_id} is the default version of the policy {policy.policy_name}; make"
                " another version the default first.",
            )
        tx.policies.delete_version(policy.policy_id, version_id)
    return {}


def list_policy_versions(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    policy_type = read_policy_type(read)
    with ram.read() as tx:
        policy = ram.authorized(
            tx, principal, "ram:ListPolicyVersions", policy_kind(policy_type), policy_name
        )
        versions = tx.policies.list_versions(policy.policy_id)
    return wrapped("PolicyVersions", "PolicyVersion", map(render_version, versions))


def set_default_policy_version(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    policy_name = read.required("PolicyName", POLICY_NAME)
    version_id = read.required("VersionId", VERSION_ID)
    with ram.transaction(principal.account_id) as tx:
        policy = ram.authorized(
            tx, principal, "ram:SetDefaultPolicyVersion", CUSTOM_POLICY, policy_name
        )
        _find_version(tx, policy, version_id)
        tx.policies.set_default_version(policy.policy_id, version_id, now=ram.now())
    return {}


def register(table: ActionTable, ram: RamService) -> None:
    table.add(ram.version, "CreatePolicyVersion", partial(create_policy_version, ram))
    table.add(ram.version, "GetPolicyVersion", partial(get_policy_version, ram))
    table.add(ram.version, "DeletePolicyVersion", partial(delete_policy_version, ram))
    table.add(ram.version, "ListPolicyVersions", partial(list_policy_versions, ram))
    table.add(ram.version, "SetDefaultPolicyVersion", partial(set_default_policy_version, ram))
