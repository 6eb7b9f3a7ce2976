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

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action, in the transaction given (``within``) or their own;
:mod:`ramsts.ram.wire.service_linked_roles` serves them as RAM's actions.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist, InvalidParameter, LimitExceeded
from ramsts.parameters import TextRule, optional_text, required_text
from ramsts.ram.arns import role_arn
from ramsts.ram.entities import ROLE, ROLE_REFERENCE
from ramsts.ram.roles import DESCRIPTION, MIN_SESSION_DURATION
from ramsts.store import Role, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

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


@dataclass(frozen=True, slots=True)
class NewServiceLinkedRole:
    """The role ``service_name`` assumes, named after it (and ``custom_suffix``); its
    description is the service's default one unless given."""

    service_name: str
    custom_suffix: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        required_text("ServiceName", self.service_name, SERVICE_NAME)
        optional_text("CustomSuffix", self.custom_suffix, CUSTOM_SUFFIX)
        optional_text("Description", self.description, DESCRIPTION)
        if len(self.role_name) > MAX_ROLE_NAME:
            raise InvalidParameter(
                "CustomSuffix.Length",
                f"The role name {self.role_name!r} would be longer than {MAX_ROLE_NAME}"
                " characters.",
            )

    @property
    def role_name(self) -> str:
        suffix = self.custom_suffix
        return role_name_prefix(self.service_name) + (f"_{suffix}" if suffix else "")


@dataclass(frozen=True, slots=True)
class ServiceLinkedRoleTemplate:
    """What a service's linked role is: its name's prefix and its description. Every service
    gets the same template (ramsts knows no catalogue): several roles allowed, no system
    policy."""

    service_name: str

    @property
    def role_name_prefix(self) -> str:
        return role_name_prefix(self.service_name)

    @property
    def description(self) -> str:
        return default_description(self.service_name)


def create_service_linked_role(
    ram: RamService, caller: Caller, new: NewServiceLinkedRole, within: Transaction | None = None
) -> Role:
    account_id = caller.account_id
    ram.authorizer.require(
        caller,
        "ram:CreateServiceLinkedRole",
        role_arn(account_id, new.role_name),
        {"ram:ServiceName": new.service_name},
    )
    with ram.transaction(account_id, within=within) as tx:
        if tx.roles.count(account_id) >= ram.quotas.roles:
            raise LimitExceeded("Role", f"The account already has {ram.quotas.roles} roles.")
        return tx.roles.create(
            account_id,
            role_name=new.role_name,
            assume_role_policy_document=trust_policy(new.service_name),
            now=ram.now(),
            description=new.description or default_description(new.service_name),
            max_session_duration=MIN_SESSION_DURATION,
            service_name=new.service_name,
        )


def delete_service_linked_role(
    ram: RamService, caller: Caller, role_name: str, within: Transaction | None = None
) -> str:
    """The ``DeletionTaskId`` of the deletion, done by the time it is returned."""
    required_text("RoleName", role_name, ROLE_REFERENCE)
    with ram.transaction(caller.account_id, within=within) as tx:
        role = ram.authorized(tx, caller, "ram:DeleteServiceLinkedRole", ROLE, role_name)
        if not role.is_service_linked_role:
            raise EntityNotExist("Role", f"The role {role.role_name} is not a service-linked role.")
        # The service owns what is attached to its role: the attachments go with the role.
        tx.roles.delete(role.role_id)
    return f"deletion-task/{role.role_name}/{uuid.uuid4()}"


def get_service_linked_role_template(
    ram: RamService, caller: Caller, service_name: str, within: Transaction | None = None
) -> ServiceLinkedRoleTemplate:
    """Authorized on the ARN of a role named by the prefix alone; reads nothing stored."""
    required_text("ServiceName", service_name, SERVICE_NAME)
    template = ServiceLinkedRoleTemplate(service_name)
    ram.authorizer.require(
        caller,
        "ram:GetServiceLinkedRoleTemplate",
        role_arn(caller.account_id, template.role_name_prefix),
        {"ram:ServiceName": service_name},
    )
    return template
