"""SetSecurityPreference, GetSecurityPreference on the wire (spec api.md §9.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.ram.rendering import Body
from ramsts.ram.security_preference import (
    SecurityPreference,
    get_security_preference,
    requested_security_preference,
    set_security_preference,
)
from ramsts.ram.service import without_input
from ramsts.ram.wire.declaration import RpcAction, no_input, register_actions

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _preference(preference: SecurityPreference) -> Body:
    return {"SecurityPreference": preference.render()}


ACTIONS = (
    RpcAction(
        "SetSecurityPreference",
        requested_security_preference,
        set_security_preference,
        _preference,
    ),
    RpcAction(
        "GetSecurityPreference", no_input, without_input(get_security_preference), _preference
    ),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
