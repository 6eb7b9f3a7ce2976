"""The Authorize dialog shared by users, groups and roles: policies move from an *available*
list to a *selected* list, then OK attaches every selected one, and each attached policy can be
detached again.

A selected policy travels as ``<PolicyType>:<PolicyName>`` in repeated ``policy`` fields. Each
attachment is its own ``AttachPolicyTo<Kind>`` call as the signed-in principal, so a principal
allowed to attach some policies but not others gets exactly the ones it may attach and is told
which were refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ramsts.console.problems import Problem
from ramsts.console.visits import Visit
from ramsts.errors import RamstsError

Kind = Literal["User", "Group", "Role"]


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    policy_type: str
    policy_name: str
    description: str

    @property
    def value(self) -> str:
        return f"{self.policy_type}:{self.policy_name}"


def available_policies(visit: Visit, attached: list[dict[str, Any]]) -> list[PolicyChoice]:
    """Every policy the principal may list, but those already attached; custom ones first."""
    taken = {(p["PolicyType"], p["PolicyName"]) for p in attached}
    listed = visit.items("ListPolicies", "Policies", "Policy", MaxItems="1000")
    choices = [
        PolicyChoice(p["PolicyType"], p["PolicyName"], p.get("Description", ""))
        for p in listed
        if (p["PolicyType"], p["PolicyName"]) not in taken
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
            visit.run(
                f"AttachPolicyTo{kind}",
                PolicyType=policy_type,
                PolicyName=policy_name,
                **{f"{kind}Name": name},
            )
        except RamstsError as error:
            problems.append(visit.problem(error))
        else:
            attached.append(policy_name)
    return attached, problems


def detach_one(visit: Visit, kind: Kind, name: str) -> str:
    policy_name = visit.field("PolicyName")
    visit.run(
        f"DetachPolicyFrom{kind}",
        PolicyType=visit.field("PolicyType"),
        PolicyName=policy_name,
        **{f"{kind}Name": name},
    )
    return policy_name


def attach_outcome(attached: list[str]) -> str:
    if not attached:
        return "No policy was selected."
    return "Authorized with " + ", ".join(attached) + "."
