"""SetPasswordPolicy, GetPasswordPolicy, ChangePassword on the wire (spec api.md §9.2–9.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.ram.passwords import (
    PasswordPolicy,
    change_own_password,
    get_password_policy,
    own_password_change,
    requested_password_policy,
    set_password_policy,
)
from ramsts.ram.rendering import Body
from ramsts.ram.service import without_input
from ramsts.ram.wire.declaration import RpcAction, no_body, no_input, register_actions

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _policy(policy: PasswordPolicy) -> Body:
    return {"PasswordPolicy": policy.render()}


ACTIONS = (
    RpcAction("SetPasswordPolicy", requested_password_policy, set_password_policy, _policy),
    RpcAction("GetPasswordPolicy", no_input, without_input(get_password_policy), _policy),
    RpcAction("ChangePassword", own_password_change, change_own_password, no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
