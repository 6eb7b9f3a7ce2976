"""Advice on a valid policy that cannot do what its author meant, with the fix.

The user's guide to STS (step 4) shows a policy allowing ``iot:QueryProduct`` on a role's ARN,
meant to let a RAM user assume the role. The policy engine accepts it, but assuming a role
needs ``sts:AssumeRole`` on the role's ARN, and no other service's action applies to a RAM role:
nobody could assume the role with it. :func:`advise` finds such statements — Allow, every
resource a role ARN (``acs:ram::<account-id>:role/<name>``), no action that covers
``sts:AssumeRole`` and none of RAM's own (``ram:GetRole`` on a role's ARN is how a role is
managed) — and :func:`apply_advice` writes the fix: the statement's Action becomes
``sts:AssumeRole``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ramsts.console.pointers import Span, locate
from ramsts.policy import Policy, PolicyError, Statement, parse_policy
from ramsts.policy.errors import pointer_join
from ramsts.policy.patterns import glob_test

ASSUME_ROLE = "sts:AssumeRole"
ROLE_NOT_ASSUMABLE = "RoleNotAssumable"
_ROLE_ARN_PREFIX = "acs:ram:"


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    message: str
    pointer: str
    """The statement's ``Action``, which the fix replaces."""
    span: Span | None
    """Where that Action's value is in the text (``None``: not found, no fix)."""
    replacement: str


def is_role_arn(resource: str) -> bool:
    """``acs:ram::<account-id or *>:role/<name>`` (a region, empty for RAM, may be ``*``)."""
    if not resource.startswith(_ROLE_ARN_PREFIX):
        return False
    parts = resource[len(_ROLE_ARN_PREFIX) :].split(":", 2)
    if len(parts) != 3:
        return False
    region, account, name = parts
    return region in ("", "*") and (account == "*" or account.isdigit()) and _role_name(name)


def _role_name(resource_name: str) -> bool:
    return resource_name.startswith("role/") and len(resource_name) > len("role/")


def advise(text: str, policy: Policy) -> list[Advice]:
    """The advice on ``policy``, an identity policy parsed from ``text``."""
    try:
        lone = isinstance(json.loads(text).get("Statement"), dict)
    except (ValueError, AttributeError):
        return []
    found = []
    for index, statement in enumerate(policy.statements):
        if not _misses_assume_role(statement):
            continue
        at = "/Statement" if lone else pointer_join("/Statement", index)
        pointer = pointer_join(at, "Action")
        roles = ", ".join(statement.resources)
        actions = ", ".join(statement.actions)
        them = "the role" if len(statement.resources) == 1 else "these roles"
        message = (
            f"Statement {index + 1} allows only {actions} on {roles}: nobody could assume"
            f" {them} with this policy, since assuming a role needs {ASSUME_ROLE} on its ARN."
        )
        found.append(
            Advice(ROLE_NOT_ASSUMABLE, message, pointer, locate(text, pointer), f'"{ASSUME_ROLE}"')
        )
    return found


def _misses_assume_role(statement: Statement) -> bool:
    if statement.effect != "Allow" or statement.not_action or statement.not_resource:
        return False
    if not statement.resources or not all(map(is_role_arn, statement.resources)):
        return False
    for action in statement.actions:
        lowered = action.lower()
        if lowered.startswith("ram:") or glob_test(lowered)(ASSUME_ROLE.lower()):
            return False
    return True


def apply_advice(text: str, advice: list[Advice]) -> str:
    """``text`` with every fix of ``advice`` written in (from the end, so spans stay true)."""
    fixes = sorted((a.span, a.replacement) for a in advice if a.span is not None)
    for (start, end), replacement in reversed(fixes):
        text = text[:start] + replacement + text[end:]
    return text


def fix_policy(text: str) -> str:
    """``text`` with the fixes of the advice on it written in; as it was if it is no valid
    identity policy or there is no advice."""
    try:
        policy = parse_policy(text, "identity")
    except PolicyError:
        return text
    return apply_advice(text, advise(text, policy))
