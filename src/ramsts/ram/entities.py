"""Resolve first, then authorize: how every RAM action finds the entity it acts on.

RAM names are unique regardless of letter case, so the store finds the user ``admin`` when asked
for ``ADMIN``; a policy's ``Resource`` is matched case-sensitively. An action that authorized on
the name as the request spells it would therefore let ``UserName=ADMIN`` past a Deny on
``…:user/admin``. So every action on a named entity goes through ``RamService.authorized``
with one of the kinds below: it looks the entity up first, inside the transaction that then
reads or changes it, and authorizes on the *stored* entity's ARN, with its stored spelling. The
entity authorized is the entity changed, and every answer and message names it as stored. A
rename is authorized at both ends (``RamService.renamed``): on the old name and the new.

When there is no such entity, the action is authorized on the ARN of the name as requested
before it answers ``EntityNotExist``: a caller who may not act on that name learns nothing of
what exists (``NoPermission``, never an existence oracle).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ramsts.errors import EntityNotExist
from ramsts.parameters import TextRule
from ramsts.ram.arns import group_arn, policy_arn, role_arn, user_arn
from ramsts.store import Group, Policy, PolicyType, Role, Transaction, User, VirtualMfaDevice

E = TypeVar("E")

USER_NAME = TextRule(64, pattern=re.compile(r"[A-Za-z0-9._-]+"))
GROUP_NAME = TextRule(64, pattern=re.compile(r"[A-Za-z0-9._-]+"))
ROLE_REFERENCE = TextRule(64, pattern=re.compile(r"[A-Za-z0-9._-]+"))
"""A name that refers to an existing role: also admits the ``_`` of a service-linked role's
``AliyunServiceRoleFor<Service>_<CustomSuffix>`` (a new role's name may not hold one)."""
POLICY_NAME = TextRule(128, pattern=re.compile(r"[A-Za-z0-9-]+"))
SERIAL_NUMBER = TextRule(256)


@dataclass(frozen=True, slots=True)
class EntityKind(Generic[E]):
    """How one kind of entity is found by name, named as stored, and authorized on."""

    entity: str
    """The suffix of its ``EntityNotExist`` code (``User`` → ``EntityNotExist.User``)."""
    noun: str
    """What messages call it (``user``, ``Custom policy``)."""
    find: Callable[[Transaction, str, str], E | None]
    """(tx, account id, name as requested) → the entity, matched as the store matches names."""
    stored_name: Callable[[E], str]
    arn: Callable[[str, str], str]
    """(account id, name) → the ARN the action is authorized on."""
    rule: TextRule
    """What a name referring to one must look like: anything else names nothing (a look-alike
    such as the Kelvin sign K or a fullwidth letter is refused, never matched)."""

    def missing(self, name: str) -> EntityNotExist:
        return EntityNotExist(self.entity, f"The {self.noun} does not exist: {name}.")

    def existing(self, tx: Transaction, account_id: str, name: str) -> E:
        """The entity, or ``EntityNotExist.<entity>``; for an entity the action is not
        authorized on (authorize with ``RamService.authorized`` otherwise)."""
        found = self.find(tx, account_id, name)
        if found is None:
            raise self.missing(name)
        return found


USER: EntityKind[User] = EntityKind(
    "User",
    "user",
    lambda tx, account, name: tx.users.get(account, name),
    lambda user: user.user_name,
    user_arn,
    USER_NAME,
)
GROUP: EntityKind[Group] = EntityKind(
    "Group",
    "group",
    lambda tx, account, name: tx.groups.get(account, name),
    lambda group: group.group_name,
    group_arn,
    GROUP_NAME,
)
ROLE: EntityKind[Role] = EntityKind(
    "Role",
    "role",
    lambda tx, account, name: tx.roles.get(account, name),
    lambda role: role.role_name,
    role_arn,
    ROLE_REFERENCE,
)


def _policies(policy_type: PolicyType) -> EntityKind[Policy]:
    """The account's custom policies, or the system policies every account shares."""
    return EntityKind(
        "Policy",
        f"{policy_type} policy",
        lambda tx, account, name: tx.policies.get(account, policy_type, name),
        lambda policy: policy.policy_name,
        lambda account, name: policy_arn(account, name, policy_type),
        POLICY_NAME,
    )


CUSTOM_POLICY = _policies("Custom")
SYSTEM_POLICY = _policies("System")


def _account_device(
    tx: Transaction, account_id: str, serial_number: str
) -> VirtualMfaDevice | None:
    """A serial number is an ARN: another account's device does not exist for this one."""
    device = tx.mfa_devices.get(serial_number)
    return device if device is not None and device.account_id == account_id else None


MFA_DEVICE: EntityKind[VirtualMfaDevice] = EntityKind(
    "VirtualMFADevice",
    "virtual MFA device",
    _account_device,
    lambda device: device.serial_number,
    lambda account, serial_number: serial_number,
    SERIAL_NUMBER,
)


def policy_kind(policy_type: PolicyType) -> EntityKind[Policy]:
    return SYSTEM_POLICY if policy_type == "System" else CUSTOM_POLICY
