"""The Authorize dialog shared by users, groups and roles: policies move from an *available*
list to a *selected* list, then OK attaches every selected one, and each attached policy can be
detached again.

A selected policy travels as ``<PolicyType>:<PolicyName>`` in repeated ``policy`` fields. Each
attachment is its own use case (:func:`ramsts.ram.attachments.attach_policy`) in its own
transaction, as the signed-in principal, so a principal allowed to attach some policies but not
others gets exactly the ones it may attach and is told which were refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ramsts.console.problems import Problem
from ramsts.console.visits import Visit
from ramsts.errors import RamstsError
from ramsts.ram import attachments
from ramsts.ram.attachments import Attachment, PrincipalRef
from ramsts.ram.policies import PolicyRef, checked_policy_type, policies_of_type
from ramsts.store import AttachedPolicy

Kind = Literal["User", "Group", "Role"]


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    policy_type: str
    policy_name: str
    description: str

    @property
    def value(self) -> str:
        return f"{self.policy_type}:{self.policy_name}"


def attached_policies(
    visit: Visit, kind: Kind, name: str
) -> tuple[tuple[AttachedPolicy, ...], Problem | None]:
    """The policies attached to the ``kind`` called ``name``, or why they may not be read."""
    attached, problem = visit.attempt_to(attachments.list_policies_for, PrincipalRef(kind, name))
    return attached or (), problem


def available_policies(visit: Visit, attached: Sequence[AttachedPolicy]) -> list[PolicyChoice]:
    """Every policy the principal may list, but those already attached; custom ones first."""
    taken = {(a.policy.policy_type, a.policy.policy_name) for a in attached}
    choices = [
        PolicyChoice(p.policy_type, p.policy_name, p.description)
        for p in visit.every(policies_of_type(None))
        if (p.policy_type, p.policy_name) not in taken
    ]
    return sorted(choices, key=lambda c: (c.policy_type != "Custom", c.policy_name.lower()))


def attach_selected(visit: Visit, kind: Kind, name: str) -> tuple[list[str], list[Problem]]:
    """Attach every selected policy to the ``kind`` called ``name``: the names attached, and the
    problems of those that were not."""
    attached: list[str] = []
    problems: list[Problem] = []
    for value in visit.fields("policy"):
        policy_type, _, policy_name = value.partition(":")
        try:
            visit.act(attachments.attach_policy, _attachment(kind, name, policy_type, policy_name))
        except RamstsError as error:
            problems.append(visit.problem(error))
        else:
            attached.append(policy_name)
    return attached, problems


def detach_one(visit: Visit, kind: Kind, name: str) -> str:
    policy_name = visit.field("PolicyName")
    attachment = _attachment(kind, name, visit.field("PolicyType"), policy_name)
    visit.act(attachments.detach_policy, attachment)
    return policy_name


def _attachment(kind: Kind, name: str, policy_type: str, policy_name: str) -> Attachment:
    return Attachment(
        PolicyRef(checked_policy_type(policy_type), policy_name), PrincipalRef(kind, name)
    )


def attach_outcome(attached: list[str]) -> str:
    if not attached:
        return "No policy was selected."
    return "Authorized with " + ", ".join(attached) + "."
