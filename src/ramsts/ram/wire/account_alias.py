"""SetAccountAlias, GetAccountAlias, ClearAccountAlias on the wire (spec api.md §9.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.account_alias import (
    check_account_alias,
    clear_account_alias,
    get_account_alias,
    set_account_alias,
)
from ramsts.ram.rendering import Body
from ramsts.ram.service import without_input
from ramsts.ram.wire.declaration import RpcAction, no_body, no_input, register_actions

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _alias(read: Parameters) -> str:
    return check_account_alias(read.required("AccountAlias"))


def _found(alias: str) -> Body:
    return {"AccountAlias": alias}


ACTIONS = (
    RpcAction("SetAccountAlias", _alias, set_account_alias, no_body),
    RpcAction("GetAccountAlias", no_input, without_input(get_account_alias), _found),
    RpcAction("ClearAccountAlias", no_input, without_input(clear_account_alias), no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
