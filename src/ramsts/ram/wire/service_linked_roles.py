"""CreateServiceLinkedRole, DeleteServiceLinkedRole, GetServiceLinkedRoleTemplate on the wire
(spec api.md §9.1, §14)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import ROLE_REFERENCE
from ramsts.ram.rendering import Body, iso8601
from ramsts.ram.roles import DESCRIPTION
from ramsts.ram.service_linked_roles import (
    CUSTOM_SUFFIX,
    SERVICE_NAME,
    NewServiceLinkedRole,
    ServiceLinkedRoleTemplate,
    create_service_linked_role,
    delete_service_linked_role,
    get_service_linked_role_template,
)
from ramsts.ram.wire.declaration import RpcAction, register_actions
from ramsts.store import Role

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _service_name(read: Parameters) -> str:
    return read.required("ServiceName", SERVICE_NAME)


def _new_role(read: Parameters) -> NewServiceLinkedRole:
    service_name = _service_name(read)
    suffix = read.optional("CustomSuffix", CUSTOM_SUFFIX) or ""
    description = read.optional("Description", DESCRIPTION) or ""
    return NewServiceLinkedRole(service_name, suffix, description)


def _role_name(read: Parameters) -> str:
    return read.required("RoleName", ROLE_REFERENCE)


def _created(role: Role) -> Body:
    return {
        "Role": {
            "RoleId": role.role_id,
            "RoleName": role.role_name,
            "Arn": role.arn,
            "Description": role.description,
            "AssumeRolePolicyDocument": role.assume_role_policy_document,
            "IsServiceLinkedRole": True,
            "CreateDate": iso8601(role.created_at),
        }
    }


def _deleted(deletion_task_id: str) -> Body:
    return {"DeletionTaskId": deletion_task_id}


def _template(template: ServiceLinkedRoleTemplate) -> Body:
    return {
        "ServiceLinkedRoleTemplate": {
            "ServiceName": template.service_name,
            "RoleNamePrefix": template.role_name_prefix,
            "MultipleRolesAllowed": True,
            "SystemPolicyName": "",
            "RoleDescriptions": {
                "RoleDescription": [{"Language": "en-US", "Description": template.description}]
            },
        }
    }


ACTIONS = (
    RpcAction("CreateServiceLinkedRole", _new_role, create_service_linked_role, _created),
    RpcAction("DeleteServiceLinkedRole", _role_name, delete_service_linked_role, _deleted),
    RpcAction(
        "GetServiceLinkedRoleTemplate", _service_name, get_service_linked_role_template, _template
    ),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
