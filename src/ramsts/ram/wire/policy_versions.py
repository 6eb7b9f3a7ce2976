"""CreatePolicyVersion, GetPolicyVersion, DeletePolicyVersion, ListPolicyVersions,
SetDefaultPolicyVersion on the wire (spec api.md §9.3 "Policies and versions")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import POLICY_NAME
from ramsts.ram.policy_versions import (
    ROTATE_STRATEGIES,
    VERSION_ID,
    NewPolicyVersion,
    PolicyVersionRef,
    create_policy_version,
    delete_policy_version,
    get_policy_version,
    list_policy_versions,
    set_default_policy_version,
)
from ramsts.ram.rendering import Body, wrapped
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.policies import policy_ref, read_policy_type, render_version
from ramsts.store import PolicyVersion

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _new_version(read: Parameters) -> NewPolicyVersion:
    name = read.required("PolicyName", POLICY_NAME)
    set_as_default = read.boolean("SetAsDefault", default=False)
    rotate = read.choice("RotateStrategy", ROTATE_STRATEGIES, default="None") != "None"
    # Checked by the use case once the caller may create the version (see NewPolicyVersion).
    document = read.raw("PolicyDocument") or ""
    return NewPolicyVersion(name, document, set_as_default, rotate)


def _typed_version(read: Parameters) -> PolicyVersionRef:
    name = read.required("PolicyName", POLICY_NAME)
    policy_type = read_policy_type(read)
    return PolicyVersionRef(name, read.required("VersionId", VERSION_ID), policy_type)


def _custom_version(read: Parameters) -> PolicyVersionRef:
    name = read.required("PolicyName", POLICY_NAME)
    return PolicyVersionRef(name, read.required("VersionId", VERSION_ID))


def _version(version: PolicyVersion) -> Body:
    return {"PolicyVersion": render_version(version)}


def _listed(versions: list[PolicyVersion]) -> Body:
    return wrapped("PolicyVersions", "PolicyVersion", map(render_version, versions))


ACTIONS = (
    RpcAction("CreatePolicyVersion", _new_version, create_policy_version, _version),
    RpcAction("GetPolicyVersion", _typed_version, get_policy_version, _version),
    RpcAction("DeletePolicyVersion", _custom_version, delete_policy_version, no_body),
    RpcAction("ListPolicyVersions", policy_ref, list_policy_versions, _listed),
    RpcAction("SetDefaultPolicyVersion", _custom_version, set_default_policy_version, no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
