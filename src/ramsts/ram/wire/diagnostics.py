"""DecodeDiagnosticMessage on the wire (spec api.md §14)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ramsts.parameters import Parameters
from ramsts.ram.diagnostics import decode_diagnostic_message
from ramsts.ram.rendering import Body
from ramsts.ram.wire.declaration import RpcAction, register_actions

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def _encoded(read: Parameters) -> str:
    return read.required("EncodedDiagnosticMessage")


def _decoded(message: dict[str, Any]) -> Body:
    return {"DecodedDiagnosticMessage": message}


ACTIONS = (RpcAction("DecodeDiagnosticMessage", _encoded, decode_diagnostic_message, _decoded),)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
