"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleTemplate (spec api.md §9.1, §14).

A service-linked role is a role a cloud service assumes in the account. Its name is
``AliyunServiceRoleFor<Service>`` (plus ``_<CustomSuffix>``), its trust policy names the service
and only the service may change it (UpdateRole refuses), and its MaxSessionDuration is fixed.
ramsts knows no service catalogue, so every ``<name>.aliyuncs.com`` service gets the same
template: the ``<Service>`` part is the service name's labels in capitals (``ecs.aliyuncs.com``
→ ``AliyunServiceRoleForECS``), several roles are allowed when they differ by suffix, and no
system policy comes with the role.

Deletion is immediate (the cloud runs it as a task); the answer still carries a
``DeletionTaskId`` as the SDKs expect.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, InvalidParameter, LimitExceeded
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.arns import role_arn
from ramsts.ram.entities import ROLE, ROLE_REFERENCE
from ramsts.ram.rendering import Body, iso8601
from ramsts.ram.roles import DESCRIPTION, MIN_SESSION_DURATION
from ramsts.ram.service import RamService
from ramsts.store import Role

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

ROLE_NAME_PREFIX = "AliyunServiceRoleFor"
SERVICE_NAME = TextRule(
    128, pattern=re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.aliyuncs\.com"), invalid="Format"
)
CUSTOM_SUFFIX = TextRule(64, pattern=re.compile(r"[A-Za-z0-9.-]+"))
MAX_ROLE_NAME = 64


def role_name_prefix(service_name: str) -> str:
    """``ecs.aliyuncs.com`` → ``AliyunServiceRoleForECS``."""
    labels = re.split(r"[.-]", service_name.removesuffix(".aliyuncs.com"))
    return ROLE_NAME_PREFIX + "".join(label.upper() for label in labels)


def default_description(service_name: str) -> str:
    return f"The service-linked role that {service_name} assumes to use resources of the account."


def trust_policy(service_name: str) -> str:
    """The trust policy of a service-linked role: the service, and nobody else, may assume it."""
    document = {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": [service_name]},
            }
        ],
        "Version": "1",
    }
    return json.dumps(document, indent=2)


def render_service_linked_role(role: Role) -> Body:
    return {
        "RoleId": role.role_id,
        "RoleName": role.role_name,
        "Arn": role.arn,
        "Description": role.description,
        "AssumeRolePolicyDocument": role.assume_role_policy_document,
        "IsServiceLinkedRole": True,
        "CreateDate": iso8601(role.created_at),
    }


def create_service_linked_role(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    service_name = read.required("ServiceName", SERVICE_NAME)
    suffix = read.optional("CustomSuffix", CUSTOM_SUFFIX)
    description = read.optional("Description", DESCRIPTION) or default_description(service_name)
    role_name = role_name_prefix(service_name) + (f"_{suffix}" if suffix else "")
    if len(role_name) > MAX_ROLE_NAME:
        raise InvalidParameter(
            "CustomSuffix.Length",
            f"The role name {role_name!r} would be longer than {MAX_ROLE_NAME} characters.",
        )
    account_id = principal.account_id
    ram.authorizer.require(
        principal,
        "ram:CreateServiceLinkedRole",
        role_arn(account_id, role_name),
        {"ram:ServiceName": service_name},
    )
    with ram.transaction(account_id) as tx:
        if tx.roles.count(account_id) >= ram.quotas.roles:
            raise LimitExceeded("Role", f"The account already has {ram.quotas.roles} roles.")
        role = tx.roles.create(
            account_id,
            role_name=role_name,
            assume_role_policy_document=trust_policy(service_name),
            now=ram.now(),
            description=description,
            max_session_duration=MIN_SESSION_DURATION,
            service_name=service_name,
        )
    return {"Role": render_service_linked_role(role)}


def delete_service_linked_role(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    role_name = Parameters(params).required("RoleName", ROLE_REFERENCE)
    with ram.transaction(principal.account_id) as tx:
        role = ram.authorized(tx, principal, "ram:DeleteServiceLinkedRole", ROLE, role_name)
        if not role.is_service_linked_role:
            raise EntityNotExist("Role", f"The role {role.role_name} is not a service-linked role.")
        # The service owns what is attached to its role: the attachments go with the role.
        tx.roles.delete(role.role_id)
    return {"DeletionTaskId": f"deletion-task/{role.role_name}/{uuid.uuid4()}"}


def get_service_linked_role_template(
    ram: RamService, caller: Caller | None, params: Mapping[str, str]
) -> Body:
    principal = ram.signed_in(caller)
    service_name = Parameters(params).required("ServiceName", SERVICE_NAME)
    prefix = role_name_prefix(service_name)
    ram.authorizer.require(
        principal,
        "ram:GetServiceLinkedRoleTemplate",
        role_arn(principal.account_id, prefix),
        {"ram:ServiceName": service_name},
    )
    return {
        "ServiceLinkedRoleTemplate": {
            "ServiceName": service_name,
            "RoleNamePrefix": prefix,
            "MultipleRolesAllowed": True,
            "SystemPolicyName": "",
            "RoleDescriptions": {
                "RoleDescription": [
                    {"Language": "en-US", "Description": default_description(service_name)}
                ]
            },
        }
    }


def register(table: ActionTable, ram: RamService) -> None:
    table.add(ram.version, "CreateServiceLinkedRole", partial(create_service_linked_role, ram))
    table.add(ram.version, "DeleteServiceLinkedRole", partial(delete_service_linked_role, ram))
    table.add(
        ram.version,
        "GetServiceLinkedRoleTemplate",
        partial(get_service_linked_role_template, ram),
    )
