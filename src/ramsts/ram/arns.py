"""ARNs of RAM's entities, and the resource each RAM action is authorized on (spec api.md §9.6).

RAM resources have an empty region: ``acs:ram::<AccountId>:<type>/<name>``. An action on one
entity is authorized on that entity's ARN (``ram:GetUser`` on ``…:user/Alice``); a listing on
every entity of its type (``ram:ListUsers`` on ``…:user/*``); an action on the account itself
(its alias, DecodeDiagnosticMessage) on ``acs:ram::<AccountId>:*``. System policies belong to no
account: ``acs:ram::system:policy/<name>``.
"""

from __future__ import annotations

from typing import Literal

from ramsts.store import PolicyType

EntityKind = Literal["user", "group", "role", "policy"]

SYSTEM_ACCOUNT = "system"
"""The account segment of system policies' ARNs."""


def root_arn(account_id: str) -> str:
    return f"acs:ram::{account_id}:root"


def user_arn(account_id: str, user_name: str) -> str:
    return f"acs:ram::{account_id}:user/{user_name}"


def group_arn(account_id: str, group_name: str) -> str:
    return f"acs:ram::{account_id}:group/{group_name}"


def role_arn(account_id: str, role_name: str) -> str:
    return f"acs:ram::{account_id}:role/{role_name}"


def policy_arn(account_id: str, policy_name: str, policy_type: PolicyType = "Custom") -> str:
    owner = SYSTEM_ACCOUNT if policy_type == "System" else account_id
    return f"acs:ram::{owner}:policy/{policy_name}"


def every(account_id: str, kind: EntityKind) -> str:
    """What a listing is authorized on: every entity of one kind (``…:user/*``)."""
    return f"acs:ram::{account_id}:{kind}/*"


def account_resource(account_id: str) -> str:
    """What account-wide actions (alias, diagnostics) are authorized on."""
    return f"acs:ram::{account_id}:*"
